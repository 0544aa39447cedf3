"""Joining through the real dispatcher: every step's messages and the member row after it."""

from __future__ import annotations

from datetime import date

from aiogram.fsm.storage.base import StorageKey

from bot.adapters.db.models.core import Member, Staff
from bot.bootstrap import card_secret
from bot.domain.card_token import card_code_for
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import (
    alerts,
    inline_data,
    join,
    last,
    last_text,
    press,
    reply_buttons,
    say,
    send_sticker,
    share_contact,
    texts,
)
from tests.kit.telegram import user


async def test_joining_step_by_step_in_russian(app: BotUnderTest) -> None:
    anna = user(1001, "Anna", "ru")

    await say(app, anna, "/start")
    consent = last(app)
    assert last_text(app).startswith("Здравствуйте, Anna!")
    assert "Правила программы" in last_text(app) and "Конфиденциальность" in last_text(app)
    assert "Получайте 3–7 % покупки баллами" in last_text(app)  # program.rules_text
    assert inline_data(consent) == ["join:agree", "jl:en", "jl:ru"]
    row = await Member.get(telegram_id=1001)
    assert (row.status, row.consented_at, row.phone) == ("joining", None, None)

    await press(app, anna, "join:agree")
    ask_phone = last(app)
    assert "номером телефона" in ask_phone.text
    [button] = ask_phone.reply_markup.keyboard[0]
    assert button.request_contact is True
    assert (await Member.get(telegram_id=1001)).consented_at == app.container.clock.now()

    await share_contact(app, anna, "7 999 123-45-67")
    assert "Как к вам обращаться? Если «Anna»" in last_text(app)
    assert reply_buttons(last(app)) == ["Да, так"]
    assert (await Member.get(telegram_id=1001)).phone == "+79991234567"

    await say(app, anna, "Да, так")
    assert last_text(app).startswith("Спасибо, Anna! Укажите дату рождения")
    assert reply_buttons(last(app)) == ["Пропустить"]
    assert (await Member.get(telegram_id=1001)).status == "joining"

    await say(app, anna, "24.05.1990")
    done = last(app)
    assert last_text(app).startswith("Готово, Anna! Вы участник программы «Coffee & Co»")
    assert reply_buttons(done) == [
        "💳 Моя карта",
        "💰 Баланс",
        "🎁 Предложения",
        "📜 История",
        "🤝 Пригласить друга",
        "⚙️ Настройки",
    ]
    row = await Member.get(telegram_id=1001)
    assert row.status == "active"
    assert row.first_name == "Anna"
    assert row.birthday == date(1990, 5, 24)
    assert row.joined_at == app.container.clock.now()
    assert row.card_code == card_code_for(row.id, card_secret(app.container.settings))


async def test_joining_in_english_with_a_typed_name_and_an_iso_birthday(app: BotUnderTest) -> None:
    john = user(1002, "Johnny", "en-GB")

    await say(app, john, "/start")
    assert last_text(app).startswith("Hello, Johnny!")
    await press(app, john, "join:agree")
    assert last_text(app).startswith("Share your phone number")
    await share_contact(app, john, "+44 7700 900123")
    assert reply_buttons(last(app)) == ["Yes"]
    await say(app, john, "  John   O'Neil-Smith ")
    assert last_text(app).startswith("Thank you, John!")
    await say(app, john, "1985-12-31")

    assert last_text(app).startswith("Done, John! You are a member of Coffee & Co.")
    assert reply_buttons(last(app)) == [
        "💳 My card",
        "💰 Balance",
        "🎁 Offers",
        "📜 History",
        "🤝 Invite a friend",
        "⚙️ Settings",
    ]
    row = await Member.get(telegram_id=1002)
    assert (row.locale, row.status, row.phone) == ("en", "active", "+447700900123")
    assert (row.first_name, row.last_name, row.birthday) == (
        "John",
        "O'Neil-Smith",
        date(1985, 12, 31),
    )


async def test_consent_language_buttons_rewrite_the_message_and_keep_the_choice(
    app: BotUnderTest,
) -> None:
    anna = user(1003, "Anna", "ru")
    await say(app, anna, "/start")
    await press(app, anna, "jl:en")

    edited = last(app, "EditMessageText")
    assert edited.text.startswith("Program rules:")
    assert "Earn 3–7 % of every purchase" in edited.text
    assert (await Member.get(telegram_id=1003)).locale == "en"

    await press(app, anna, "join:agree")
    assert last_text(app).startswith("Share your phone number")


async def test_only_the_members_own_contact_is_accepted(app: BotUnderTest) -> None:
    anna = user(1004, "Anna", "ru")
    await say(app, anna, "/start")
    await press(app, anna, "join:agree")

    await share_contact(app, anna, "+79990000004", contact_user_id=9999)  # someone else's card
    assert last_text(app).startswith("Можно отправить только свой номер")
    await share_contact(app, anna, "+79990000004", contact_user_id=None)  # typed by hand
    assert last_text(app).startswith("Можно отправить только свой номер")
    assert (await Member.get(telegram_id=1004)).phone is None

    await share_contact(app, anna, "+79990000004")
    assert (await Member.get(telegram_id=1004)).phone == "+79990000004"


async def test_a_phone_of_another_member_is_refused(app: BotUnderTest) -> None:
    await join(app, user(1005, "Olga", "ru"), "+79990000005")
    boris = user(1006, "Boris", "ru")
    await say(app, boris, "/start")
    await press(app, boris, "join:agree")

    await share_contact(app, boris, "79990000005")

    assert last_text(app).startswith("Этот номер уже привязан к другой карте")
    row = await Member.get(telegram_id=1006)
    assert (row.phone, row.status) == (None, "joining")


async def test_a_garbled_phone_is_refused(app: BotUnderTest) -> None:
    anna = user(1007, "Anna", "ru")
    await say(app, anna, "/start")
    await press(app, anna, "join:agree")
    await share_contact(app, anna, "12-34")
    assert last_text(app).startswith("Не удалось распознать номер")
    assert (await Member.get(telegram_id=1007)).phone is None


async def test_bad_birthdays_are_refused_and_change_nothing(app: BotUnderTest) -> None:
    anna = user(1008, "Anna", "ru")
    await say(app, anna, "/start")
    await press(app, anna, "join:agree")
    await share_contact(app, anna, "+79990000008")
    await say(app, anna, "Да, так")

    replies = []
    for typed in ("31.02.1990", "03.03.2026", "01.01.2999", "31.12.1899", "завтра", "1990/05/24"):
        await say(app, anna, typed)
        replies.append(last_text(app))
        row = await Member.get(telegram_id=1008)
        assert (row.status, row.birthday) == ("joining", None)

    assert replies[0].startswith("Не удалось понять дату")
    assert replies[1] == "Эта дата ещё не наступила. Проверьте год."  # tomorrow
    assert replies[2] == "Эта дата ещё не наступила. Проверьте год."
    assert replies[3] == "Год рождения должен быть не раньше 1900."
    assert replies[4].startswith("Не удалось понять дату")
    assert replies[5].startswith("Не удалось понять дату")

    await say(app, anna, "Пропустить")
    row = await Member.get(telegram_id=1008)
    assert (row.status, row.birthday) == ("active", None)


async def test_today_is_a_valid_birthday(app: BotUnderTest) -> None:
    # The fixed clock is 2026-03-02 09:00 UTC, 12:00 in Moscow.
    anna = user(1009, "Anna", "ru")
    await join(app, anna, "+79990000009", birthday="02.03.2026")
    assert (await Member.get(telegram_id=1009)).birthday == date(2026, 3, 2)


async def test_a_name_with_digits_is_refused_and_asked_again(app: BotUnderTest) -> None:
    anna = user(1010, "Anna", "ru")
    await say(app, anna, "/start")
    await press(app, anna, "join:agree")
    await share_contact(app, anna, "+79990000010")

    await say(app, anna, "R2D2")
    assert last_text(app).startswith("Имя может содержать только буквы")
    await say(app, anna, "x" * 65)
    assert last_text(app).startswith("Имя может содержать только буквы")
    assert (await Member.get(telegram_id=1010)).first_name == "Anna"

    await say(app, anna, "Анна-Мария")
    assert last_text(app).startswith("Спасибо, Анна-Мария!")
    assert (await Member.get(telegram_id=1010)).first_name == "Анна-Мария"


async def test_a_member_who_stopped_resumes_at_the_right_step(app: BotUnderTest) -> None:
    anna = user(1011, "Anna", "ru")
    await say(app, anna, "/start")
    await say(app, anna, "/start")
    assert last_text(app).startswith("Здравствуйте, Anna!")  # consent is still missing

    await press(app, anna, "join:agree")
    await say(app, anna, "/start")
    assert last_text(app).startswith("Поделитесь номером телефона")

    await share_contact(app, anna, "+79990000011")
    await say(app, anna, "/start")
    assert last_text(app).startswith("Как к вам обращаться?")

    await say(app, anna, "Да, так")
    await say(app, anna, "/start")
    assert last_text(app).startswith("Спасибо, Anna! Укажите дату рождения")

    # The conversation state is lost (a restart with memory storage): the name is asked again.
    storage = app.container.dispatcher.storage
    key = StorageKey(bot_id=app.container.bot.id, chat_id=anna.id, user_id=anna.id)
    await storage.set_state(key, None)
    await storage.set_data(key, {})
    await say(app, anna, "24.05.1990")
    assert "Не понял сообщение" in texts(app)[-2]
    assert last_text(app).startswith("Как к вам обращаться?")
    assert (await Member.get(telegram_id=1011)).status == "joining"


async def test_start_after_joining_shows_the_menu_and_never_registers_twice(
    app: BotUnderTest,
) -> None:
    anna = user(1012, "Anna", "ru")
    await join(app, anna, "+79990000012")
    await say(app, anna, "/start src_poster")

    assert last_text(app).startswith("С возвращением, Anna!")
    assert reply_buttons(last(app))[0] == "💳 Моя карта"
    rows = await Member.filter(telegram_id=1012)
    assert [(r.status, r.source) for r in rows] == [("active", "direct")]


async def test_text_where_a_button_is_expected_repeats_the_question(app: BotUnderTest) -> None:
    anna = user(1013, "Anna", "ru")
    await say(app, anna, "/start")
    app.session.clear()

    await say(app, anna, "привет")

    assert texts(app)[0] == "Не понял сообщение. Пожалуйста, воспользуйтесь кнопками."
    assert texts(app)[1].startswith("Правила программы")
    await press(app, anna, "join:agree")
    await say(app, anna, "+79990000013")  # typed, not shared
    assert last_text(app).startswith("Поделитесь номером телефона")
    assert (await Member.get(telegram_id=1013)).phone is None


async def test_stale_and_forged_buttons_change_nothing(app: BotUnderTest) -> None:
    anna = user(1014, "Anna", "ru")
    await say(app, anna, "/start")

    await press(app, anna, "jl:de")
    await press(app, anna, "hist:abc")
    await press(app, anna, "something-old")

    assert alerts(app) == [
        "Такой язык не поддерживается.",
        "Эта кнопка устарела. Откройте меню заново.",
        "Эта кнопка устарела. Откройте меню заново.",
    ]
    row = await Member.get(telegram_id=1014)
    assert (row.locale, row.consented_at) == ("ru", None)


async def test_menu_before_joining_asks_to_finish_joining(app: BotUnderTest) -> None:
    anna = user(1015, "Anna", "ru")
    await say(app, anna, "/start")
    await say(app, anna, "💳 Моя карта")
    assert last_text(app) == "Сначала завершите вступление в программу: отправьте /start."
    assert app.session.sent("SendPhoto") == []


async def test_a_stranger_writing_anything_is_told_to_start(app: BotUnderTest) -> None:
    await say(app, user(1016, "Anna", "ru"), "hello")
    assert last_text(app) == "Чтобы вступить в программу, отправьте /start."
    assert await Member.filter(telegram_id=1016).count() == 0


async def test_referral_link_records_the_friend_but_never_from_a_stranger_code(
    app: BotUnderTest,
) -> None:
    olga = user(1017, "Olga", "ru")
    await join(app, olga, "+79990000017")
    code = (await Member.get(telegram_id=1017)).referral_code

    await join(app, user(1018, "Boris", "ru"), "+79990000018", payload=f"ref_{code}")
    await say(app, user(1019, "Ivan", "ru"), "/start ref_NOSUCHCODE")
    await say(app, olga, f"/start ref_{code}")  # her own link: she is a member already

    boris = await Member.get(telegram_id=1018)
    ivan = await Member.get(telegram_id=1019)
    olga_row = await Member.get(telegram_id=1017)
    assert (boris.referred_by_id, boris.source) == (olga_row.id, "referral")
    assert (ivan.referred_by_id, ivan.source) == (None, "direct")
    assert olga_row.referred_by_id is None


async def test_staff_link_records_who_registered_the_member(app: BotUnderTest) -> None:
    kate = await Staff.create(telegram_id=5001, name="Kate", role="cashier", code="KATE1")
    await Staff.create(telegram_id=5002, name="Gone", role="cashier", code="GONE1", active=False)

    await say(app, user(1020, "Anna", "ru"), "/start st_KATE1")
    await say(app, user(1021, "Boris", "ru"), "/start st_GONE1")
    await say(app, user(1022, "Ivan", "ru"), "/start st_")

    rows = {m.telegram_id: (m.registered_by_id, m.source) for m in await Member.all()}
    assert rows == {1020: (kate.id, "staff"), 1021: (None, "direct"), 1022: (None, "direct")}


async def test_a_card_link_opened_by_a_customer_shows_nothing_personal(app: BotUnderTest) -> None:
    olga = user(1023, "Olga", "ru")
    await join(app, olga, "+79990000023")
    app.session.clear()

    await say(app, user(1024, "Boris", "ru"), "/start c_" + "A" * 40)

    assert texts(app) == [
        "Это ссылка на карту участника программы лояльности. Её сканирует сотрудник на кассе."
    ]
    assert await Member.filter(telegram_id=1024).count() == 0


LONG_TEXT = "Очень длинное сообщение " * 209  # 5 016 characters, above Telegram's own 4 096


async def test_a_sticker_or_a_long_message_at_each_step_is_answered_and_changes_nothing(
    app: BotUnderTest,
) -> None:
    anna = user(1030, "Anna", "ru")
    assert len(LONG_TEXT) > 5000

    async def row() -> tuple[object, ...]:
        member = await Member.get(telegram_id=1030)
        return (member.status, member.consented_at, member.phone, member.first_name)

    # Consent step.
    await say(app, anna, "/start")
    before = await row()
    for bad in (send_sticker(app, anna), say(app, anna, LONG_TEXT)):
        app.session.clear()
        await bad
        assert texts(app)[0] == "Не понял сообщение. Пожалуйста, воспользуйтесь кнопками."
        assert texts(app)[1].startswith("Правила программы")
        assert await row() == before

    # Phone step: a sticker, a long text, a typed phone instead of the contact.
    await press(app, anna, "join:agree")
    before = await row()
    for bad in (send_sticker(app, anna), say(app, anna, LONG_TEXT), say(app, anna, "+7999")):
        app.session.clear()
        await bad
        assert texts(app)[0] == "Не понял сообщение. Пожалуйста, воспользуйтесь кнопками."
        assert texts(app)[1].startswith("Поделитесь номером телефона")
        assert last(app).reply_markup.keyboard[0][0].request_contact is True
        assert await row() == before

    # Name step: a sticker asks the name again; a long name is refused with its limit.
    await share_contact(app, anna, "+79990000030")
    before = await row()
    app.session.clear()
    await send_sticker(app, anna)
    assert texts(app)[1].startswith("Как к вам обращаться?")
    await say(app, anna, LONG_TEXT)
    assert last_text(app).startswith("Имя может содержать только буквы")
    assert "64" in last_text(app)
    assert await row() == before

    # Birthday step.
    await say(app, anna, "Да, так")
    for bad in (say(app, anna, LONG_TEXT), say(app, anna, "1" * 5000)):
        await bad
        assert last_text(app).startswith("Не удалось понять дату")
    app.session.clear()
    await send_sticker(app, anna)
    assert texts(app)[0] == "Не понял сообщение. Пожалуйста, воспользуйтесь кнопками."
    member = await Member.get(telegram_id=1030)
    assert (member.status, member.birthday) == ("joining", None)

    # Nothing crashed on the way: no "something went wrong" reply was ever sent.
    await say(app, anna, "Пропустить")
    assert (await Member.get(telegram_id=1030)).status == "active"


async def test_the_issue_dates_are_refused_at_the_birthday_step(app: BotUnderTest) -> None:
    anna = user(1031, "Anna", "ru")
    await say(app, anna, "/start")
    await press(app, anna, "join:agree")
    await share_contact(app, anna, "+79990000031")
    await say(app, anna, "Да, так")

    await say(app, anna, "31.02.1990")
    assert last_text(app).startswith("Не удалось понять дату")
    await say(app, anna, "2090-01-01")
    assert last_text(app) == "Эта дата ещё не наступила. Проверьте год."
    row = await Member.get(telegram_id=1031)
    assert (row.status, row.birthday) == ("joining", None)


async def test_buttons_pressed_by_someone_else_act_on_the_presser_only(app: BotUnderTest) -> None:
    """Callback data never names a member: a button forwarded to, or forged by, another user
    acts on that user (here a stranger, so nothing happens) and never on the member."""
    anna = user(1032, "Anna", "ru")
    await join(app, anna, "+79990000032")
    member = await Member.get(telegram_id=1032)
    boris = user(1033, "Boris", "ru")

    for data in ("data:forget:yes", "mkt:off", "card:refresh", "hist:1", "join:agree"):
        await press(app, boris, data)
    await press(app, boris, f"staff-rm:{member.id}")  # a staff id edited into a button
    await press(app, boris, f"till:buy:{member.id}")  # a scan id edited into a button

    after = await Member.get(telegram_id=1032)
    assert (after.status, after.phone, after.marketing_opt_in) == ("active", "+79990000032", True)
    assert await Member.filter(telegram_id=1033).count() == 0
    assert app.session.sent("SendPhoto") == []
    assert app.session.sent("SendDocument") == []
    assert "Что-то пошло не так. Попробуйте ещё раз чуть позже." not in alerts(app)


async def test_language_before_joining_is_kept_for_the_join(app: BotUnderTest) -> None:
    sam = user(1034, "Sam", "ru")
    await say(app, sam, "/language")
    assert inline_data(last(app)) == ["lang:en", "lang:ru"]

    await press(app, sam, "lang:en")

    assert last(app, "EditMessageText").text == "Language: English."
    assert last_text(app) == "To join the program, send /start."
    assert await Member.filter(telegram_id=1034).count() == 0  # nothing stored
    await say(app, sam, "/start")
    assert last_text(app).startswith("Hello, Sam!")
    assert (await Member.get(telegram_id=1034)).locale == "en"


async def test_a_forged_language_button_from_a_stranger_is_refused(app: BotUnderTest) -> None:
    await press(app, user(1035, "Sam", "ru"), "lang:xx")
    assert alerts(app) == ["Такой язык не поддерживается."]
    assert await Member.filter(telegram_id=1035).count() == 0
