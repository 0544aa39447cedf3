# The POS / web-shop API's error messages (bot/web/pos_api.py). Clients act on the `error` code;
# the message is for the person reading a log.
api-error-api-key-missing = Нужен API-ключ: передайте заголовок «Authorization: Bearer <ключ>».
api-error-api-key-invalid = API-ключ недействителен.
api-error-api-key-revoked = API-ключ отозван.
api-error-body-too-large = Тело запроса слишком большое.
api-error-bad-json = Тело запроса — не корректный JSON.
api-error-body-not-object = Тело запроса должно быть JSON-объектом.
api-error-body-invalid = Некоторые поля запроса отсутствуют или неверны.
api-error-idempotency-key-required = Нужен заголовок «Idempotency-Key»: от 1 до 100 печатных символов.
api-error-category-invalid = В программе нет такой категории.
api-error-rate-limited = Слишком много запросов с этим ключом. Повторите через { $retry_after } с.
api-error-idempotency-conflict = Этот Idempotency-Key уже использован для другого запроса.
api-error-not-found-purchase-not-found = В этой точке нет такой покупки.
api-error-not-found-redemption-request-not-found = Для этого ключа нет такого запроса на списание.
api-error-invalid-input-lookup-invalid = Укажите ровно одно из: phone, card_code, card_token.
api-error-invalid-input-nothing-to-refund = Покупка уже возвращена полностью.
