# Messages of the scheduler's automations (bot/services/automations.py) and coupon errors.

automation-birthday = 🎂 Happy birthday! { $points ->
    [0] Have a wonderful day.
   *[other] We have added { $points } bonus points to your card.
}
automation-expiry-reminder = ⏳ { $points } points on your card will expire on { $date }. Spend them before then!
automation-winback = We miss you! { $points ->
    [0] Here is −{ $discount } % on your next visit
   *[other] Here are { $points } bonus points for your next visit
}, valid until { $until }.
automation-vip = ⭐ You are one of our most loyal guests: an exclusive offer for club members awaits you, valid until { $until }.
automation-favourite = A treat for your favourite: −{ $discount } % until { $until }.
automation-off-peak = Come in during our quiet hours: −{ $discount } % until { $until } (the coupon works only in those hours).

error-coupon-not-usable = This coupon cannot be used.
error-coupon-not-usable-not-found = No such coupon on this card.
error-coupon-not-usable-redeemed = This coupon has already been used.
error-coupon-not-usable-expired = This coupon has expired.
error-coupon-not-usable-not-yet-valid = This coupon is not valid yet.
error-coupon-not-usable-outside-hours = This coupon is valid only in its hours.
error-coupon-not-usable-other-category = This coupon is for another category.

menu-offers = 🎁 Offers
offers-title = Your offers:
offers-line = • { $name } — until { $until }
offers-how = Show your card at the till and the cashier will apply the offer.
offers-none = You have no offers right now. We will send them here as soon as there are some.
