# The coalition in the admin chat: /settlement and the POS API keys (bot/handlers/admin/coalition.py).
settlement-title = <b>Settlement { $start } – { $last }</b>
    One point is worth { $value }. Balance: what the partner receives (+) or pays (−) — the points redeemed at its outlets less those issued there, at that value; the home partner's includes the pool.
settlement-col-partner = partner
settlement-col-issued = issued
settlement-col-redeemed = redeemed
settlement-col-balance = balance
settlement-refunds = Refunds at { $partner }: { $earned } points of issuance and { $spent } of redemption reversed (already netted above).
settlement-pool = Pool (issued and not redeemed), in the balance of the home partner { $home }: { $pool }
settlement-rewards = Program rewards and adjustments (no partner's cost): { $points }
settlement-expired = Expired, nobody redeemed them: { $points }
settlement-transfers-title = <b>Transfers</b>
settlement-transfer = { $payer } pays { $payee } { $amount }
settlement-transfers-none = Nothing to transfer.
error-invalid-input-settlement-period = Give the period as YYYY-MM (a month) or YYYY-MM-DD..YYYY-MM-DD (at most 366 days), or nothing for the previous month.
error-coalition-not-configured = No home partner yet: add [[partners]] to the program file and run “python -m bot migrate” (or restart the bot).

apikey-private-only = API keys are shown once and stay in a chat's history: create them in a private chat with the bot, not in a group.
apikey-new-usage = Usage: /apikey_new &lt;outlet&gt;. Outlets: { $outlets }
apikey-created = POS API key for the outlet { $outlet } (id <code>{ $key_id }</code>):
    <code>{ $key }</code>
    Store it now: it is not shown again. Then delete this message.
apikeys-title = <b>POS API keys</b>
apikeys-line = <code>{ $key_id }</code> · { $outlet } · { $state }
apikeys-active = active
apikeys-revoked = revoked { $day }
apikeys-none = No API keys yet: /apikey_new &lt;outlet&gt; in a private chat.
apikey-revoke-usage = Usage: /apikey_revoke &lt;key id&gt; (see /apikeys).
apikey-revoked = Key { $key_id } revoked: the next request with it is refused.
error-not-found-outlet-unknown = There is no outlet “{ $outlet }”. Outlets are listed under [[partners]] in the program file.
error-not-found-api-key-not-found = There is no active key { $key_id }.
error-permission-denied-api-keys-owner-only = Only owners manage API keys.
command-settlement = Settlement between partners [YYYY-MM]
command-apikeys = POS API keys (new ones: /apikey_new in a private chat)
command-apikey_revoke = Revoke a POS API key: key id
staff-invite-outlet = Outlet: { $outlet } (the till's purchases and redemptions count for its partner).
