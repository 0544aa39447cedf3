# Баллы в боте: подарочные сертификаты (участник, владелец) и ручные корректировки.

settings-gift = 🎁 Подарочный сертификат
gift-enter-code = Отправьте код подарочного сертификата, например GIFT-7KQM-X3PA-9WTE-HV4C.
gift-redeemed = Сертификат ваш: начислено { $points }. Баланс: { $balance }.
error-certificate-code-invalid = Это не код сертификата. Код выглядит так: GIFT-XXXX-XXXX-XXXX-XXXX. Проверьте его и отправьте ещё раз.
error-certificate-not-found = Сертификата с таким кодом нет. Проверьте код и отправьте ещё раз.
error-certificate-already-redeemed = Этот сертификат уже использован.
error-certificate-expired = Срок действия этого сертификата истёк.
error-rate-limited-certificate-attempts = Слишком много неверных кодов. Попробуйте снова через { $retry_minutes } мин.

certificates-usage = Формат: /certificates <количество> <баллы> [действует до ГГГГ-ММ-ДД], например /certificates 10 500 2026-12-31
certificates-issued = { $count ->
    [one] { $count } сертификат
    [few] { $count } сертификата
   *[many] { $count } сертификатов
} по { $points }, действуют до: { $until }. Коды показываются только один раз — сохраните файл.
error-invalid-input-certificate-count-invalid = За раз можно выпустить от 1 до { $max_count } сертификатов.
error-invalid-input-certificate-points-invalid = Сертификат может стоить от 1 до { $max_points } баллов.
error-invalid-input-certificate-expiry-invalid = Дата окончания должна быть в будущем.

adjust-usage = Формат: /adjust <номер карты или телефон> <+/-баллы> <причина>, например /adjust 123 456 7890 +100 извинение за ожидание
adjust-done = Готово: { $points } участнику №{ $member }. Баланс: { $balance }.
error-invalid-input-note-required = Укажите причину корректировки.
error-invalid-input-note-too-long = Причина слишком длинная: не больше { $max_length } символов.
error-invalid-input-adjustment-points-invalid = Корректировка должна быть ненулевым числом баллов.
