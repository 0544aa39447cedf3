# The owner's admin chat: /program, /reload, /export and the daily digest
# (bot/handlers/admin/program.py, bot/handlers/admin/export.py, bot/services/digest.py).

command-program = The program's active rules
command-reload = Re-read the program file
command-export = Members, purchases and ledger as CSV

# /program
program-title = 📜 <b>{ $name }</b>: { $model }, { $currency }, { $timezone }
program-model-points = points
program-model-tiers = tiers
program-model-combined = points and tiers
program-points = <b>Points</b>
    One point is worth { $point_value }; purchases from { $min_purchase } earn, at most { $max_points } points each.
    Redeem from { $min_points } points, up to { $max_share } % of a check. Points expire: { $expiry }
program-unlimited = no limit
program-never = never
program-expiry-days = after { $days } days
program-tiers = <b>Tiers</b> (spend over { $days } days)
program-tier = • { $name }: from { $threshold }, earns { $earn } %, discount { $discount } %
program-categories = <b>Categories</b>
program-category = • { $name }: points × { $multiplier }
program-rewards = <b>Rewards</b> (points)
program-reward = • { $reason }: { $points }
program-reward-welcome = welcome
program-reward-birthday = birthday
program-reward-survey = survey
program-reward-referral_referrer = referrer
program-reward-referral_friend = referred friend
program-reward-channel_join = joining the channel
program-automations = <b>Automations</b>
program-automations-none = none enabled
program-automation = • { $name }: { $schedule }{ $offer }, holdout { $holdout } %
program-automation-offer = , offer { $offer }
program-schedule-hourly = hourly
program-schedule-daily = daily at { $hour }:00
program-schedule-weekly = { $weekday } at { $hour }:00
program-weekday = { $day ->
    [0] Mondays
    [1] Tuesdays
    [2] Wednesdays
    [3] Thursdays
    [4] Fridays
    [5] Saturdays
   *[6] Sundays
}
program-offers = <b>Offers</b>
program-offer = • { $name } ({ $code }): { $terms }, valid { $days } days
program-offer-discount = −{ $percent } %
program-offer-bonus = +{ $points } points
program-offer-category = on { $category }
program-surveys = <b>Surveys</b>
program-survey = • { $title } ({ $id }): { $questions } questions, { $from } – { $until }, { $points } points
program-referrals = <b>Referrals</b>: the friend's first purchase of at least { $min_purchase } pays; at most { $cap } friends a month
program-digest = <b>Daily digest</b>: { $schedule }
program-digest-off = off
program-none = —

# /reload
reload-done = ✅ The program file is reloaded: <b>{ $name }</b>. The new rules apply from now on.
reload-refused = ❌ The program file is refused; the old rules keep running.
    File: { $file }
    Field: { $field }
    Reason: { $reason }
error-permission-denied-reload = Only an owner may reload the program.

# /export
export-usage = Usage: /export, or /export members | purchases | ledger
export-name-members = Members
export-name-purchases = Purchases
export-name-ledger = Ledger

# The daily digest (scheduler)
digest-text = 🗓 <b>Yesterday, { $date }</b>
    New members: { $new } (total { $members })
    Purchases: { $purchases } by { $buyers } members, revenue { $revenue_money }
    Points issued: { $issued }, redeemed: { $redeemed }, outstanding: { $outstanding }
    Active (30 days): { $active }
    NPS: { $nps }
