# Мастер рассылок владельца /broadcast (bot/handlers/admin/broadcast.py).

# Текст владельца, один для всех языков (Telegram HTML из его сообщения).
broadcast-text = { $text }
broadcast-button-link = Открыть
broadcast-button-offer = 🎁 Мои предложения
broadcast-button-stop = ⛔ Остановить рассылку
broadcast-button-abort = Отмена
broadcast-button-test = Прислать тест мне
broadcast-button-now = Отправить сейчас
broadcast-button-schedule = Запланировать
broadcast-button-confirm = ✅ Подтвердить
broadcast-segment-all = Все
broadcast-segment-tier = Уровень
broadcast-segment-vip = VIP
broadcast-segment-active = Активные (покупка за 30 дней)
broadcast-segment-lapsed = Ушедшие
broadcast-segment-new = Новые (за N дней)
broadcast-segment-channel = По каналу привлечения
broadcast-segment-favourite = По любимой категории
broadcast-ask-segment = 📣 Новая рассылка. Кому отправить?
broadcast-ask-tier = Какой уровень? ({ $choices })
broadcast-ask-new = Участники, вступившие за сколько последних дней?{ $choices }
broadcast-ask-channel = Какой канал (direct, staff, referral или код плаката)?{ $choices }
broadcast-ask-favourite = Какая категория? ({ $choices })
broadcast-ask-text = Получателей: { $count }. Теперь пришлите текст сообщения (форматирование сохранится).
broadcast-ask-text-again = Пришлите текст сообщения.
broadcast-ask-photo = Пришлите фото для сообщения или /skip.
broadcast-ask-button = Пришлите ссылку (https://…) для кнопки, код предложения для купона или /skip.
broadcast-preview-actions = ☝️ Так сообщение увидят участники.
broadcast-test-sent = Тест отправлен вам в личный чат.
broadcast-confirm-now = Отправить { $count } участникам сейчас?
broadcast-ask-schedule = Когда? Напишите дату и время: ГГГГ-ММ-ДД ЧЧ:ММ (часовой пояс программы).
broadcast-confirm-schedule = Отправить { $count } участникам (по текущему счёту) в { $at }?
broadcast-scheduled = 🗓 Рассылка №{ $campaign } запланирована на { $at }.
broadcast-scheduled-started = 🚀 Запланированная рассылка №{ $campaign } началась: в очереди { $count } сообщений.
broadcast-started = 🚀 Отправляем { $count } участникам (контрольная группа: { $held_out }).
broadcast-progress = Отправлено: { $sent } · ошибок: { $failed } · недоступны: { $unreachable } · осталось: { $remaining } · ещё: { $eta } с
broadcast-report = ✅ Рассылка завершена. Отправлено: { $sent }, ошибок: { $failed }, недоступны: { $unreachable }, пропущено: { $skipped }, отменено: { $cancelled }, контрольная группа: { $held_out }.
broadcast-cancelled = Остановлено: { $count } сообщений не будут отправлены.
broadcast-aborted = Рассылка отменена.
error-invalid-input-segment = Неизвестный сегмент.
error-invalid-input-segment-days = Напишите число дней от 1 до 3660.
error-invalid-input-segment-tier = Такого уровня нет.
error-invalid-input-segment-category = Такой категории нет.
error-invalid-input-broadcast-text = Текст должен быть от 1 до 1024 символов.
error-invalid-input-broadcast-url = Ссылка кнопки должна начинаться с https://.
error-invalid-input-broadcast-button = Не больше одной кнопки: ссылка или предложение.
error-invalid-input-broadcast-offer = Такого предложения нет.
error-invalid-input-broadcast-past = Это время уже прошло.
error-invalid-input-broadcast-date = Напишите дату и время: ГГГГ-ММ-ДД ЧЧ:ММ.

# /campaigns и /stats (bot/handlers/admin/reports.py).
campaigns-none = Кампаний пока нет.
campaigns-title = 📊 Кампании: доставлено → использовано (конверсия), прирост к контрольной группе
campaigns-automations = <b>Автоматические</b>
campaigns-broadcasts = <b>Рассылки</b>
campaigns-line = { $name }: { $delivered } → { $redeemed } ({ $conversion }), контрольная группа { $held_out }, прирост { $lift }
stats-usage = Использование: /stats [дней], например /stats 7
stats-text = 📈 <b>Последние { $days } дн.</b>
    Участников: { $members } (новых: { $new } — { $channels })
    Активных (30 дней): { $active }
    Доля повторных покупок: { $repeat }
    Средний чек: { $average }
    Визитов на покупателя: { $frequency }
    Начислено баллов: { $issued }, списано: { $redeemed } ({ $redemption }), на счетах: { $outstanding }
    VIP: { $vip }, доля выручки: { $vip_share }
    Ушедших: { $lapsed }, вернулись: { $returned }
    Продажи в тихие часы: { $off_peak_now } против { $off_peak_before } за прошлый период ({ $off_peak })
    NPS: { $nps } (ответов: { $nps_answers })
stats-chart-growth = Участники
stats-chart-heatmap = Покупки по часам недели
stats-chart-funnel = Кампании: доставлено и использовано
stats-chart-delivered = доставлено
stats-chart-redeemed = использовано
error-invalid-input-stats-period = Период — от 1 до 366 дней.

# /review, итоги запуска (bot/handlers/admin/reports.py).
review-none = данных пока нет
review-staff-line = { $name }: зарегистрировано { $registered }, покупок { $purchases }
review-text = 📋 <b>Итоги запуска</b> (с { $since })
    <b>VIP и их награды:</b> { $vip }
    <b>Тихие часы:</b> { $off_peak }; продажи по купонам тихих часов: { $off_peak_sales }
    <b>Ушедшие:</b> вернулись { $returned } из { $treated } после напоминания
    <b>Самая удачная акция:</b> { $best }
    <b>Постоянные клиенты</b> ({ $regulars }): { $first } за первые 30 дней, { $recent } за последние 30 ({ $growth })
    <b>Регистрации по каналам:</b> { $channels }
    <b>Рейтинг сотрудников:</b>
    { $staff }
review-chart-channels = Регистрации по каналам
review-chart-promotions = Конверсия акций, %
review-chart-regulars = Траты постоянных клиентов
review-chart-first = первые 30 дней
review-chart-recent = последние 30 дней
