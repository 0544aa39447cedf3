# The POS / web-shop API's error messages (bot/web/pos_api.py). Clients act on the `error` code;
# the message is for the person reading a log.
api-error-api-key-missing = An API key is required: send the header “Authorization: Bearer <key>”.
api-error-api-key-invalid = The API key is not valid.
api-error-api-key-revoked = The API key has been revoked.
api-error-body-too-large = The request body is too large.
api-error-bad-json = The request body is not valid JSON.
api-error-body-not-object = The request body must be a JSON object.
api-error-body-invalid = Some fields of the request are missing or invalid.
api-error-idempotency-key-required = The “Idempotency-Key” header is required: 1 to 100 printable characters.
api-error-category-invalid = There is no such category in the program.
api-error-rate-limited = Too many requests with this key. Retry in { $retry_after } s.
api-error-idempotency-conflict = This Idempotency-Key was already used for a different request.
api-error-not-found-purchase-not-found = There is no such purchase at this outlet.
api-error-not-found-redemption-request-not-found = There is no such redemption request for this key.
api-error-invalid-input-lookup-invalid = Give exactly one of phone, card_code and card_token.
api-error-invalid-input-nothing-to-refund = The purchase has been refunded in full already.
