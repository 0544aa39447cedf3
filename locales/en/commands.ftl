# Command menu descriptions (setMyCommands): bot/handlers/commands.py. Up to 256 characters.

command-start = Start or open the main menu
command-card = My card: the QR code for the till
command-balance = Points, tier and what expires soon
command-history = Points history
command-settings = Language, offers, my data
command-language = Change the language
command-stop = Stop offers and promotions
command-mydata = Export my data
command-forget = Delete my data
command-help = Help
command-find = Find a customer by card number or phone
command-staff = Staff list
command-invite = Invite a staff member
