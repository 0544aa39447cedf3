# A customer imported from the shop's till system (`python -m bot import`) joins the bot.
join-matched = Welcome, { $name }! We found your { $program } card by your phone number: your purchase history and points are here. Balance: { $balance }.
