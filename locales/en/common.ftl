# Shared texts: greeting, help, generic errors.

start-greeting = Hello, { $name }! This is the { $program } loyalty program.
    Earn points with every purchase and pay part of the next ones with them.
help =
    What the bot can do:
    /start — start or open the main menu
    /card — my card: the QR code for the till
    /balance — points, tier and what expires soon
    /offers — my offers
    /history — points history
    /gift — redeem a gift certificate
    /settings — language, offers, birthday
    /language — change the language
    /stop — stop offers and promotions
    /mydata — export my data
    /forget — delete my data
error-unexpected = Something went wrong. Please try again a little later.
error-domain-error = The action could not be done.
error-not-found = Nothing found.
error-member-not-found = Member not found.
error-permission-denied = You are not allowed to do this.
error-invalid-input = Please check what you entered.
error-insufficient-points = Not enough points.
error-redemption-blocked = Points cannot be spent while the balance is negative.
error-idempotency-conflict = This operation was already done with different data.
error-rate-limited = Too many attempts. Please try later.
points = { $count ->
    [one] { $count } point
   *[other] { $count } points
}
