# Staff: invites, the staff list, the till.

staff-role-cashier = cashier
staff-role-manager = manager
staff-invite-usage = Usage: /invite cashier or /invite manager, optionally with the outlet they work at: /invite cashier main
staff-invite-created = An invite for the { $role } role (single use, valid for 24 hours):
    { $link }
staff-welcome = Done! You are now a { $role }. Scan a customer's QR card with your phone camera, or use /find with a card or phone number.
staff-list-title = Staff:
staff-list-empty = No staff yet. Invite someone with /invite.
staff-list-line = • { $name } — { $role }, code { $code }
staff-remove-button = Remove: { $name }
staff-removed = { $name } is no longer staff.
till-card = Customer: { $name }
    Tier: { $tier }
    Balance: { $points }
till-record-purchase = Record purchase
till-cancel = Cancel
till-cancelled = Cancelled.
till-confirm = Confirm
till-find-usage = Usage: /find card number or phone
till-enter-amount = Enter the purchase amount, e.g. 450 or 450.50.
till-amount-garbled = That is not an amount. Enter a number, e.g. 450 or 1 200.50.
till-amount-too-precise = At most two digits after the decimal point.
till-amount-not-positive = The amount must be greater than zero.
till-amount-above-limit = The amount is above the limit ({ $maximum }). Please check it.
till-pick-category = Pick a category:
till-unknown-category = No such category.
till-enter-receipt = Enter the receipt number or press "No receipt".
till-no-receipt = No receipt
till-receipt-invalid = A receipt number is up to 32 letters and digits.
till-summary = Please check:
    Amount: { $amount }
    Category: { $category }
    Receipt: { $receipt }
till-recorded = Purchase of { $amount } recorded. Earned: { $points }. Customer's balance: { $balance }.
receipt-purchase = Thank you for your purchase of { $amount_money }! Points earned: { $earned }. Balance: { $balance }.{ $upgraded ->
        [yes] {"\u000A"}🎉 You are now { $new_tier }!
       *[no] {""}
    }{ $has_next ->
        [yes] {"\u000A"}{ $to_next_money } more to { $next_tier }.
       *[no] {""}
    }
error-permission-denied-not-staff = This command is for staff.
error-card-token-invalid = This QR code is not valid.
error-card-token-expired = The QR code has expired. Ask the customer to refresh their card in the bot.
error-card-token-replayed = This QR code was already used. Ask the customer to refresh their card.
error-invite-invalid = The invite is not valid: it was used or has expired.
error-invite-invalid-already-staff = You are staff already.
error-scan-closed = This card view was already used or is too old. Please scan again.
till-card-offers = Offers:
till-card-offer = • { $name }, until { $until }
till-card-offer-not-now = • { $name }, until { $until } (not valid right now)
till-apply-offer = Apply: { $name }
till-offer-applied = Offer “{ $name }” applied: it is used when the purchase is confirmed.
    Enter the check amount before the discount, e.g. 450 or 450.50.
till-summary-discount = Offer: { $name }, discount { $discount }. To pay: { $to_pay }
till-summary-bonus = Offer: { $name }, bonus { $points }
till-recorded-offer = Offer “{ $name }” used: discount { $discount }, bonus { $points }.
