# Membership: joining, the main menu, the card, balance, history, settings and privacy.

## Joining

consent-text =
    Program rules:
    { $rules }

    Privacy:
    { $privacy }

    By pressing “I agree” you accept the rules and the processing of your data. Change the language with the buttons below or with /language.
consent-agree = ✅ I agree
lang-ru = Русский
lang-en = English
join-ask-phone = Share your phone number with the “Send my number” button below — the cashier finds you by it.
join-share-phone = 📱 Send my number
join-ask-name = What should we call you? If “{ $name }” is right, press “Yes”, or type another name.
join-ask-name-empty = What should we call you? Type your name.
join-name-keep = Yes
join-ask-birthday = Thank you, { $name }! Send your birthday as DD.MM.YYYY (for example 24.05.1990) — we give points on your birthday. Or press “Skip”.
join-skip = Skip
join-done = Done, { $name }! You are a member of { $program }. Show your card at the till: the “My card” button.
join-welcome-bonus = Your welcome bonus is on your account: { $points }.
card-link-notice = This is a loyalty program member's card link. A cashier scans it at the till.

## Main menu

menu-card = 💳 My card
menu-balance = 💰 Balance
menu-history = 📜 History
menu-settings = ⚙️ Settings
menu-hint = Choose an action in the menu.
start-welcome-back = Welcome back, { $name }! Choose an action in the menu.
fallback-use-buttons = Sorry, I did not understand that. Please use the buttons.
stranger-hint = To join the program, send /start.
error-stale-button = This button is out of date. Open the menu again.

## Card

card-caption =
    <b>{ $name }</b>
    { $status }
    Card code: <b>{ $code }</b>
    Show this QR code at the till. It is valid for { $minutes } min; then press “Refresh”.
    { $link }
card-status = Balance: { $points }
card-status-tier = Tier: { $tier } · balance: { $points }
card-refresh = 🔄 Refresh

## Settings

settings-title =
    Settings
    Language: { $language }
    Offers and promotions: { $marketing ->
        [on] on
       *[off] off
    }
settings-marketing-turn-off = 🔕 Stop sending offers
settings-marketing-turn-on = 🔔 Send me offers
settings-marketing-off = We will not send you offers and promotions any more. Messages about purchases and points stay.
settings-marketing-on = We will send you offers and promotions.
settings-export = 📦 Export my data
settings-forget = 🗑 Delete my data
settings-birthday = 🎂 Add my birthday
settings-ask-birthday = Send your birthday as DD.MM.YYYY, for example 24.05.1990. It cannot be changed later.
settings-birthday-saved = Your birthday is saved: { $date }.
language-choose = Choose a language:
language-changed = Language: English.
export-caption = Everything the program keeps about you: your profile, point movements and purchases.
forget-confirm = Delete your data? Your name, phone, birthday and the link to your Telegram account will be erased, your points will be lost and your card will stop working. This cannot be undone.
forget-yes = Yes, delete
forget-no = Cancel
forget-done = Your data has been deleted. Thank you for being with us! To join again, send /start.
forget-cancelled = Deletion cancelled.

## Balance and history

balance-points = Balance: <b>{ $points }</b>
balance-tier = Tier: { $tier }
balance-next-tier = { $money } more to { $tier }.
balance-top-tier = You have the top tier of the program.
balance-expiring = Expiring within 30 days: { $points }.
history-title = Points history (page { $page } of { $pages }):
history-line = { $date }  { $points } — { $reason }
history-empty = No point movements yet.
reason-purchase = purchase
reason-redemption = paid with points
reason-refund_earned = purchase refunded
reason-refund_used = spent points returned
reason-expiry = points expired
reason-welcome = welcome bonus
reason-birthday = birthday gift
reason-survey = survey answered
reason-referral_referrer = friend invited
reason-referral_friend = invitation bonus
reason-channel_join = joined the channel
reason-certificate = gift certificate
reason-adjustment = adjustment
reason-offer = offer bonus
reason-winback_bonus = "we miss you" bonus
reason-vip_bonus = VIP bonus

## Errors of this area

error-phone-taken = This number is already linked to another card. If it is yours, please ask a staff member.
error-join-required = Please finish joining the program first: send /start.
error-invalid-input-contact-not-own = Only your own number can be sent — with the “Send my number” button.
error-invalid-input-phone-invalid = The phone number could not be read. Please send it with the “Send my number” button.
error-invalid-input-name-invalid = A name may contain only letters, spaces, hyphens and apostrophes, up to { $max_length } characters.
error-invalid-input-birthday-invalid = The date could not be read. Please write it as DD.MM.YYYY, e.g. 24.05.1990, or press “Skip”.
error-invalid-input-birthday-in-future = That date has not come yet. Please check the year.
error-invalid-input-birthday-too-old = The birth year must be { NUMBER($min_year, useGrouping: 0) } or later.
error-invalid-input-not-now = This step is already done. Send /start to continue.
error-invalid-input-locale-unknown = This language is not supported.
error-invalid-input-birthday-already-set = Your birthday is already set. To correct it, please ask a staff member.
error-rate-limited-card-refresh = You can get a new QR code in { $seconds } s.
