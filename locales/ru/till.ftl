# Касса: списание баллов с подтверждением клиента, антифрод-лимиты, рейтинг сотрудников.
# (переменные `*_money` код форматирует из копеек.)

till-redeem-points = Списать баллы
till-enter-check = Введите сумму чека, например 450 или 450,50.
till-redeem-asked = { $name } может списать { $points }: скидка { $discount } с чека на { $check }.
    Ждём подтверждения клиента в его чате (2 минуты)…
till-redeem-confirmed = ✅ Клиент подтвердил: списано { $points ->
        [one] { $points } балл
        [few] { $points } балла
       *[many] { $points } баллов
    }, скидка { $discount_money } с чека на { $check_money }. Баланс клиента: { $balance ->
        [one] { $balance } балл
        [few] { $balance } балла
       *[many] { $balance } баллов
    }.
till-redeem-cancelled = ❌ Клиент отказался: баллы с чека на { $check_money } не списаны.
till-redeem-expired = ⌛ Клиент не подтвердил вовремя: баллы с чека на { $check_money } не списаны.
till-redeem-failed = Списание не прошло (баланс клиента изменился). Баллы не списаны.
redeem-ask = Кассир просит списать { $points ->
        [one] { $points } балл
        [few] { $points } балла
       *[many] { $points } баллов
    }: скидка { $discount_money } с вашего чека на { $check_money }. Подтвердите в течение { $minutes } мин.
redeem-confirm-button = Подтвердить
redeem-cancel-button = Отмена
redeem-done = Готово! Списано { $points }: скидка { $discount }. Баланс: { $balance }.
redeem-declined = Списание отменено. Ваши баллы на месте.
error-nothing-to-redeem = С этого чека списать баллы нельзя.
error-nothing-to-redeem-no-points = Списать нечего: у клиента { $balance ->
        [one] { $balance } балл
        [few] { $balance } балла
       *[many] { $balance } баллов
    }, а нужно не меньше { $min_points }.
error-nothing-to-redeem-below-minimum = Списать нечего: чек слишком мал для минимального списания в { $min_points } баллов.
error-redemption-closed = На этот запрос уже ответили.
error-redemption-closed-expired = Запрос устарел. Попросите кассира отправить новый.
error-redemption-closed-confirmed = Это списание уже подтверждено.
error-redemption-closed-cancelled = Это списание отменено.
error-redemption-closed-failed = Это списание не прошло.
error-redemption-closed-confirming = Списание уже подтверждается.
error-permission-denied-not-your-request = Этот запрос не ваш.
error-rate-limited-staff-velocity = Отказано: вы уже записали { $limit ->
        [one] { $limit } покупку
        [few] { $limit } покупки
       *[many] { $limit } покупок
    } за последний час — это предел. Владелец уведомлён.
error-rate-limited-member-velocity = Отказано: у этого клиента уже { $limit ->
        [one] { $limit } покупка
        [few] { $limit } покупки
       *[many] { $limit } покупок
    } за последний час — это предел. Владелец уведомлён.
alert-staff-velocity = ⚠️ Лимит частоты: { $staff } (код { $code }) пытался записать покупку после { $count } за последний час (предел { $limit }). Отказано.
alert-member-velocity = ⚠️ Лимит частоты: у участника №{ NUMBER($member_id, useGrouping: 0) } уже { $count ->
        [one] { $count } покупка
        [few] { $count } покупки
       *[many] { $count } покупок
    } за последний час (предел { $limit }); { $staff } (код { $code }) пытался записать ещё одну. Отказано.
leaderboard-title = Рейтинг сотрудников за { $days } дней:
leaderboard-weekly-title = Рейтинг сотрудников за неделю ({ $days } дней):
leaderboard-line = { $rank }. { $name } — привели участников: { $registered }, покупок: { $purchases }, опросов: { $surveys }
leaderboard-you = Ваше место: { $rank } (привели участников: { $registered }, покупок: { $purchases }, опросов: { $surveys })
leaderboard-empty = Пока без активности.
