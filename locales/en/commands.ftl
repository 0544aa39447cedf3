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
command-offers = My offers and coupons
command-gift = Redeem a gift certificate
command-scanner = Open the card scanner
command-top = Staff leaderboard
command-certificates = Issue gift certificates: count, points, [date]
command-adjust = Adjust points: card or phone, +/-points, reason
command-broadcast = A broadcast to a segment of members
command-campaigns = Campaigns and automations: delivered, redeemed, lift
command-stats = Program figures and charts [days]
command-review = The program's launch review
command-survey_results = Survey results: survey id
command-survey_push = Send a survey to those who have not answered
