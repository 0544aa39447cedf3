# The owner's /broadcast wizard (bot/handlers/admin/broadcast.py).

# The owner's own text, the same in every language (Telegram HTML from their message).
broadcast-text = { $text }
broadcast-button-link = Open
broadcast-button-offer = 🎁 My offers
broadcast-button-stop = ⛔ Cancel the broadcast
broadcast-button-abort = Cancel
broadcast-button-test = Send a test to me
broadcast-button-now = Send now
broadcast-button-schedule = Schedule
broadcast-button-confirm = ✅ Confirm
broadcast-segment-all = Everyone
broadcast-segment-tier = A tier
broadcast-segment-vip = VIP
broadcast-segment-active = Active (bought in 30 days)
broadcast-segment-lapsed = Lapsed
broadcast-segment-new = New (last N days)
broadcast-segment-channel = By joining channel
broadcast-segment-favourite = By favourite category
broadcast-ask-segment = 📣 New broadcast. Who should get it?
broadcast-ask-tier = Which tier? ({ $choices })
broadcast-ask-new = Members who joined in the last how many days?{ $choices }
broadcast-ask-channel = Which joining channel (direct, staff, referral, or a poster's code)?{ $choices }
broadcast-ask-favourite = Which category? ({ $choices })
broadcast-ask-text = { $count } recipients. Now send the message text (formatting is kept).
broadcast-ask-text-again = Please send the text of the message.
broadcast-ask-photo = Send a photo to attach, or /skip.
broadcast-ask-button = Send a link (https://…) for a button, an offer code to give a coupon, or /skip.
broadcast-preview-actions = ☝️ This is how members will see it.
broadcast-test-sent = The test is in your private chat.
broadcast-confirm-now = Send to { $count } members now?
broadcast-ask-schedule = When? Write the date and time as YYYY-MM-DD HH:MM (program time zone).
broadcast-confirm-schedule = Send to { $count } members (counted now) at { $at }?
broadcast-scheduled = 🗓 Broadcast #{ $campaign } is scheduled for { $at }.
broadcast-scheduled-started = 🚀 Scheduled broadcast #{ $campaign } started: { $count } messages queued.
broadcast-started = 🚀 Sending to { $count } members (held out: { $held_out }).
broadcast-progress = Sent: { $sent } · failed: { $failed } · unreachable: { $unreachable } · remaining: { $remaining } · ETA: { $eta } s
broadcast-report = ✅ Broadcast finished. Sent: { $sent }, failed: { $failed }, unreachable: { $unreachable }, skipped: { $skipped }, cancelled: { $cancelled }, held out: { $held_out }.
broadcast-cancelled = Cancelled: { $count } messages will not be sent.
broadcast-aborted = The broadcast was discarded.
error-invalid-input-segment = Unknown segment.
error-invalid-input-segment-days = Write a number of days from 1 to 3660.
error-invalid-input-segment-tier = There is no such tier.
error-invalid-input-segment-category = There is no such category.
error-invalid-input-broadcast-text = The text must be from 1 to 1024 characters.
error-invalid-input-broadcast-url = A button link must start with https://.
error-invalid-input-broadcast-button = One button at most: a link or an offer.
error-invalid-input-broadcast-offer = There is no such offer.
error-invalid-input-broadcast-past = That moment has passed.
error-invalid-input-broadcast-date = Write the date and time as YYYY-MM-DD HH:MM.

# /campaigns and /stats (bot/handlers/admin/reports.py).
campaigns-none = No campaigns yet.
campaigns-title = 📊 Campaigns: delivered → redeemed (conversion), lift over the holdout
campaigns-automations = <b>Automations</b>
campaigns-broadcasts = <b>Broadcasts</b>
campaigns-line = { $name }: { $delivered } → { $redeemed } ({ $conversion }), holdout { $held_out }, lift { $lift }
stats-usage = Usage: /stats [days], e.g. /stats 7
stats-text = 📈 <b>The last { $days } days</b>
    Members: { $members } (new: { $new } — { $channels })
    Active (30 days): { $active }
    Repeat-purchase rate: { $repeat }
    Average check: { $average }
    Visits per buyer: { $frequency }
    Points issued: { $issued }, redeemed: { $redeemed } ({ $redemption }), outstanding: { $outstanding }
    VIP: { $vip }, share of spend: { $vip_share }
    Lapsed: { $lapsed }, returned: { $returned }
    Off-peak sales: { $off_peak_now } vs { $off_peak_before } in the previous period ({ $off_peak })
    NPS: { $nps } ({ $nps_answers } answers)
stats-chart-growth = Members
stats-chart-heatmap = Purchases by hour of the week
stats-chart-funnel = Campaigns: delivered and redeemed
stats-chart-delivered = delivered
stats-chart-redeemed = redeemed
error-invalid-input-stats-period = The period is from 1 to 366 days.

# /review, the launch review (bot/handlers/admin/reports.py).
review-none = no data yet
review-staff-line = { $name }: { $registered } registered, { $purchases } purchases
review-text = 📋 <b>Launch review</b> (since { $since })
    <b>VIPs and their rewards:</b> { $vip }
    <b>Off-peak:</b> { $off_peak }; off-peak coupon sales: { $off_peak_sales }
    <b>Lost members:</b> { $returned } of { $treated } came back after the win-back
    <b>The promotion that resonated most:</b> { $best }
    <b>Regulars</b> ({ $regulars }): { $first } in their first 30 days, { $recent } in the last 30 ({ $growth })
    <b>Registrations by channel:</b> { $channels }
    <b>Staff leaderboard:</b>
    { $staff }
review-chart-channels = Registrations by channel
review-chart-promotions = Conversion by promotion, %
review-chart-regulars = Regulars' spend
review-chart-first = first 30 days
review-chart-recent = last 30 days
