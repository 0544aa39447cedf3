# Membership: joining, the main menu, the card, balance, history, settings and privacy.

## Joining

consent-text =
    Правила программы:
    { $rules }

    Конфиденциальность:
    { $privacy }

    Нажимая «Принимаю», вы соглашаетесь с правилами и обработкой данных. Язык можно сменить кнопками ниже или командой /language.
consent-agree = ✅ Принимаю
lang-ru = Русский
lang-en = English
join-ask-phone = Поделитесь номером телефона кнопкой «Отправить мой номер» ниже — по нему вас найдут на кассе.
join-share-phone = 📱 Отправить мой номер
join-ask-name = Как к вам обращаться? Если «{ $name }» — нажмите «Да, так», или напишите другое имя.
join-ask-name-empty = Как к вам обращаться? Напишите ваше имя.
join-name-keep = Да, так
join-ask-birthday = Спасибо, { $name }! Укажите дату рождения в формате ДД.ММ.ГГГГ (например, 24.05.1990) — в день рождения мы дарим баллы. Или нажмите «Пропустить».
join-skip = Пропустить
join-done = Готово, { $name }! Вы участник программы «{ $program }». Показывайте карту на кассе: кнопка «Моя карта».
join-welcome-bonus = На ваш счёт начислен приветственный бонус: { $points }.
card-link-notice = Это ссылка на карту участника программы лояльности. Её сканирует сотрудник на кассе.

## Main menu

menu-card = 💳 Моя карта
menu-balance = 💰 Баланс
menu-history = 📜 История
menu-settings = ⚙️ Настройки
menu-hint = Выберите действие в меню.
start-welcome-back = С возвращением, { $name }! Выберите действие в меню.
fallback-use-buttons = Не понял сообщение. Пожалуйста, воспользуйтесь кнопками.
stranger-hint = Чтобы вступить в программу, отправьте /start.
error-stale-button = Эта кнопка устарела. Откройте меню заново.

## Card

card-caption =
    <b>{ $name }</b>
    { $status }
    Код карты: <b>{ $code }</b>
    Покажите этот QR-код на кассе. Он действует { $minutes } мин.; потом нажмите «Обновить».
    { $link }
card-status = Баланс: { $points }
card-status-tier = Уровень: { $tier } · баланс: { $points }
card-refresh = 🔄 Обновить

## Settings

settings-title =
    Настройки
    Язык: { $language }
    Предложения и акции: { $marketing ->
        [on] включены
       *[off] выключены
    }
settings-marketing-turn-off = 🔕 Не присылать предложения
settings-marketing-turn-on = 🔔 Присылать предложения
settings-marketing-off = Больше не будем присылать предложения и акции. Сообщения о покупках и баллах останутся.
settings-marketing-on = Будем присылать предложения и акции.
settings-export = 📦 Выгрузить мои данные
settings-forget = 🗑 Удалить мои данные
settings-birthday = 🎂 Указать дату рождения
settings-ask-birthday = Напишите дату рождения как ДД.ММ.ГГГГ, например 24.05.1990. Изменить её потом будет нельзя.
settings-birthday-saved = Дата рождения сохранена: { $date }.
language-choose = Выберите язык:
language-changed = Язык: русский.
export-caption = Все данные, которые программа хранит о вас: профиль, движения баллов и покупки.
forget-confirm = Удалить ваши данные? Имя, телефон, дата рождения и связь с Telegram будут стёрты, баллы сгорят, карта перестанет работать. Отменить это нельзя.
forget-yes = Да, удалить
forget-no = Отмена
forget-done = Ваши данные удалены. Спасибо, что были с нами! Чтобы вступить снова, отправьте /start.
forget-cancelled = Удаление отменено.

## Balance and history

balance-points = Баланс: <b>{ $points }</b>
balance-tier = Уровень: { $tier }
balance-next-tier = До уровня «{ $tier }» осталось покупок на { $money }.
balance-top-tier = У вас высший уровень программы.
balance-expiring = В ближайшие 30 дней сгорят: { $points }.
history-title = История баллов (стр. { $page } из { $pages }):
history-line = { $date }  { $points } — { $reason }
history-empty = Пока нет движений баллов.
reason-purchase = покупка
reason-redemption = оплата баллами
reason-refund_earned = возврат покупки
reason-refund_used = возврат списанных баллов
reason-expiry = сгорание баллов
reason-welcome = приветственный бонус
reason-birthday = подарок на день рождения
reason-survey = за отзыв
reason-referral_referrer = за приглашённого друга
reason-referral_friend = бонус по приглашению
reason-channel_join = за подписку на канал
reason-certificate = подарочный сертификат
reason-adjustment = корректировка
reason-offer = бонус по предложению
reason-winback_bonus = бонус «Мы скучаем»
reason-vip_bonus = бонус для постоянных гостей

## Errors of this area

error-phone-taken = Этот номер уже привязан к другой карте. Если это ваш номер, обратитесь к сотруднику.
error-join-required = Сначала завершите вступление в программу: отправьте /start.
error-invalid-input-contact-not-own = Можно отправить только свой номер — кнопкой «Отправить мой номер».
error-invalid-input-phone-invalid = Не удалось распознать номер телефона. Отправьте его кнопкой «Отправить мой номер».
error-invalid-input-name-invalid = Имя может содержать только буквы, пробелы, дефис и апостроф, до { $max_length } символов.
error-invalid-input-birthday-invalid = Не удалось понять дату. Напишите её как ДД.ММ.ГГГГ, например 24.05.1990, или нажмите «Пропустить».
error-invalid-input-birthday-in-future = Эта дата ещё не наступила. Проверьте год.
error-invalid-input-birthday-too-old = Год рождения должен быть не раньше { NUMBER($min_year, useGrouping: 0) }.
error-invalid-input-not-now = Этот шаг уже пройден. Отправьте /start, чтобы продолжить.
error-invalid-input-locale-unknown = Такой язык не поддерживается.
error-invalid-input-birthday-already-set = Дата рождения уже указана. Чтобы исправить её, обратитесь к сотруднику.
error-rate-limited-card-refresh = Новый QR-код можно получить через { $seconds } с.
