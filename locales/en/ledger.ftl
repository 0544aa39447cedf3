# The ledger in the bot: gift certificates (the member, the owner) and manual adjustments.

settings-gift = 🎁 Gift certificate
gift-enter-code = Send the gift certificate code, for example GIFT-7KQM-X3PA-9WTE-HV4C.
gift-redeemed = The certificate is yours: { $points } added. Balance: { $balance }.
error-certificate-code-invalid = That is not a certificate code. A code looks like GIFT-XXXX-XXXX-XXXX-XXXX; please check it and send it again.
error-certificate-not-found = There is no certificate with this code. Please check it and send it again.
error-certificate-already-redeemed = This certificate has already been used.
error-certificate-expired = This certificate has expired.
error-rate-limited-certificate-attempts = Too many wrong codes. Please try again in { $retry_minutes } min.

certificates-usage = Usage: /certificates <count> <points> [valid through YYYY-MM-DD], e.g. /certificates 10 500 2026-12-31
certificates-issued = { $count ->
    [one] { $count } certificate
   *[other] { $count } certificates
} of { $points } each, valid through: { $until }. The codes are shown only once: keep this file.
error-invalid-input-certificate-count-invalid = From 1 to { $max_count } certificates at a time.
error-invalid-input-certificate-points-invalid = A certificate is worth from 1 to { $max_points } points.
error-invalid-input-certificate-expiry-invalid = The expiry date must be in the future.

adjust-usage = Usage: /adjust <card code or phone> <+/-points> <reason>, e.g. /adjust 123 456 7890 +100 apology for the wait
adjust-done = Done: { $points } for member #{ $member }. Balance: { $balance }.
error-invalid-input-note-required = Please give the reason for the adjustment.
error-invalid-input-note-too-long = The reason is too long: at most { $max_length } characters.
error-invalid-input-adjustment-points-invalid = The adjustment must be a non-zero number of points.
