# The till: redeeming points with the customer's confirmation, anti-fraud limits, the staff
# leaderboard. (`*_money` variables are formatted by the code from minor units.)

till-redeem-points = Redeem points
till-enter-check = Enter the check amount, e.g. 450 or 450.50.
till-redeem-asked = { $name } can redeem { $points }: { $discount } off a check of { $check }.
    Waiting for the customer to confirm in their chat (2 minutes)…
till-redeem-confirmed = ✅ The customer confirmed: { $points ->
        [one] { $points } point
       *[other] { $points } points
    } redeemed, a discount of { $discount_money } on a check of { $check_money }. Customer's balance: { $balance ->
        [one] { $balance } point
       *[other] { $balance } points
    }.
till-redeem-cancelled = ❌ The customer declined: no points were redeemed on the check of { $check_money }.
till-redeem-expired = ⌛ The customer did not confirm in time: no points were redeemed on the check of { $check_money }.
till-redeem-failed = The redemption did not go through (the customer's balance changed). No points were redeemed.
redeem-ask = The cashier asks to redeem { $points ->
        [one] { $points } point
       *[other] { $points } points
    }: { $discount_money } off your check of { $check_money }. Please confirm within { $minutes } min.
redeem-confirm-button = Confirm
redeem-cancel-button = Cancel
redeem-done = Done! { $points } redeemed: { $discount } off your check. Balance: { $balance }.
redeem-declined = Redemption cancelled. Your points are untouched.
error-nothing-to-redeem = Nothing can be redeemed on this check.
error-nothing-to-redeem-no-points = Nothing to redeem: the customer has { $balance ->
        [one] { $balance } point
       *[other] { $balance } points
    }, and at least { $min_points } are needed.
error-nothing-to-redeem-below-minimum = Nothing to redeem: this check is too small for the minimum of { $min_points } points.
error-redemption-closed = This request was already answered.
error-redemption-closed-expired = This request has expired. Ask the cashier to send a new one.
error-redemption-closed-confirmed = This redemption was already confirmed.
error-redemption-closed-cancelled = This redemption was cancelled.
error-redemption-closed-failed = This redemption did not go through.
error-redemption-closed-confirming = This redemption is being confirmed.
error-permission-denied-not-your-request = This request is not yours.
error-rate-limited-staff-velocity = Refused: you have recorded { $limit } purchases in the last hour, the most allowed. The owner has been notified.
error-rate-limited-member-velocity = Refused: this customer already had { $limit } purchases in the last hour, the most allowed. The owner has been notified.
alert-staff-velocity = ⚠️ Velocity limit: { $staff } (code { $code }) tried to record a purchase after { $count } in the last hour (limit { $limit }). Refused.
alert-member-velocity = ⚠️ Velocity limit: member #{ NUMBER($member_id, useGrouping: 0) } already had { $count } purchases in the last hour (limit { $limit }); { $staff } (code { $code }) tried to record another. Refused.
leaderboard-title = Staff leaderboard, last { $days } days:
leaderboard-weekly-title = Weekly staff leaderboard (last { $days } days):
leaderboard-line = { $rank }. { $name } — members registered: { $registered }, purchases: { $purchases }, surveys: { $surveys }
leaderboard-you = Your place: { $rank } (members registered: { $registered }, purchases: { $purchases }, surveys: { $surveys })
leaderboard-empty = No staff activity yet.
