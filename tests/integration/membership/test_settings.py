"""Settings: language, offers on/off, export my data, delete my data."""

from __future__ import annotations

import json
from datetime import date

from bot.adapters.db.models.core import Member
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
    texts,
)
from tests.kit.telegram import user


async def test_settings_show_the_language_and_the_offers_switch(app: BotUnderTest) -> None:
    anna = user(1201, "Anna", "ru")
    await join(app, anna, "+79990001201")

    await say(app, anna, "⚙️ Настройки")

    assert last_text(app) == "Настройки\nЯзык: Русский\nПредложения и акции: включены"
    assert inline_data(last(app)) == [
        "lang:en",
        "lang:ru",
        "mkt:off",
        "settings:birthday",  # skipped when joining
        "gift:enter",
        "data:export",
        "data:forget",
    ]


async def test_offers_can_be_turned_off_and_on_again(app: BotUnderTest) -> None:
    anna = user(1202, "Anna", "ru")
    await join(app, anna, "+79990001202")

    await press(app, anna, "mkt:off")
    assert (await Member.get(telegram_id=1202)).marketing_opt_in is False
    assert alerts(app)[-1].startswith("Больше не будем присылать предложения")
    edited = last(app, "EditMessageText")
    assert edited.text.endswith("Предложения и акции: выключены")
    assert "mkt:on" in inline_data(edited)

    await press(app, anna, "mkt:off")  # a second tap on an old message: still off
    assert (await Member.get(telegram_id=1202)).marketing_opt_in is False
    await press(app, anna, "mkt:on")
    assert (await Member.get(telegram_id=1202)).marketing_opt_in is True


async def test_switching_language_resends_the_menu_in_the_new_language(app: BotUnderTest) -> None:
    anna = user(1203, "Anna", "ru")
    await join(app, anna, "+79990001203")

    await press(app, anna, "lang:en")

    assert (await Member.get(telegram_id=1203)).locale == "en"
    assert last(app, "EditMessageText").text == "Language: English."
    assert last_text(app) == "Choose an action in the menu."
    assert reply_buttons(last(app)) == [
        "💳 My card",
        "💰 Balance",
        "🎁 Offers",
        "📜 History",
        "🤝 Invite a friend",
        "⚙️ Settings",
    ]
    await say(app, anna, "/help")
    assert last_text(app).startswith("What the bot can do")


async def test_the_language_command_works_while_joining(app: BotUnderTest) -> None:
    anna = user(1204, "Anna", "ru")
    await say(app, anna, "/start")
    await press(app, anna, "join:agree")
    await say(app, anna, "/language")
    assert inline_data(last(app)) == ["lang:en", "lang:ru"]

    await press(app, anna, "lang:en")

    assert last_text(app).startswith("Share your phone number")
    assert reply_buttons(last(app)) == ["📱 Send my number"]


async def test_export_sends_a_json_document_with_the_profile(app: BotUnderTest) -> None:
    anna = user(1205, "Anna", "ru")
    await join(app, anna, "+79990001205", birthday="24.05.1990")
    row = await Member.get(telegram_id=1205)

    await press(app, anna, "data:export")

    document = last(app, "SendDocument")
    assert document.document.filename == "my-data.json"
    data = json.loads(document.document.data.decode("utf-8"))
    assert set(data) == {
        "profile",
        "entries",
        "purchases",
        "survey_answers",
        "referrals",
        "ratings",
    }
    profile = data["profile"]
    assert profile["member_id"] == row.id
    assert (profile["first_name"], profile["phone"], profile["birthday"]) == (
        "Anna",
        "+79990001205",
        "1990-05-24",
    )
    assert profile["card_code"] == row.card_code
    assert profile["marketing_opt_in"] is True
    assert profile["joined_at"] == app.container.clock.now().isoformat()


async def test_mydata_command_exports_too(app: BotUnderTest) -> None:
    anna = user(1206, "Anna", "en")
    await join(app, anna, "+79990001206")
    await say(app, anna, "/mydata")
    assert last(app, "SendDocument").caption.startswith("Everything the program keeps about you")


async def test_delete_asks_first_and_cancel_keeps_everything(app: BotUnderTest) -> None:
    anna = user(1207, "Anna", "ru")
    await join(app, anna, "+79990001207")

    await press(app, anna, "data:forget")
    assert last(app, "EditMessageText").text.startswith("Удалить ваши данные?")
    assert inline_data(last(app, "EditMessageText")) == ["data:forget:yes", "data:forget:no"]
    await press(app, anna, "data:forget:no")

    assert last(app, "EditMessageText").text == "Удаление отменено."
    assert (await Member.get(telegram_id=1207)).status == "active"


async def test_delete_erases_personal_data_and_makes_the_user_a_stranger(
    app: BotUnderTest,
) -> None:
    anna = user(1208, "Anna", "ru")
    await join(app, anna, "+79990001208", birthday="24.05.1990")
    member_id = (await Member.get(telegram_id=1208)).id

    await say(app, anna, "/forget")
    await press(app, anna, "data:forget:yes")

    assert last_text(app).startswith("Ваши данные удалены.")
    assert last(app).reply_markup.remove_keyboard is True
    row = await Member.get(id=member_id)
    assert row.status == "forgotten"
    assert row.forgotten_at == app.container.clock.now()
    personal = (row.telegram_id, row.first_name, row.last_name, row.username, row.phone)
    assert personal == (None, None, None, None, None)
    assert (row.birthday, row.marketing_opt_in, row.reachable) == (None, False, False)

    # A stranger again: the menu does nothing, /start begins a new membership with the same phone.
    await say(app, anna, "💳 Моя карта")
    assert last_text(app) == "Сначала завершите вступление в программу: отправьте /start."
    assert app.session.sent("SendPhoto") == []
    await join(app, anna, "+79990001208")
    again = await Member.get(telegram_id=1208)
    assert again.id != member_id and again.status == "active"
    assert not any("Этот номер уже привязан" in text for text in texts(app))


async def test_stop_turns_offers_off(app: BotUnderTest) -> None:
    anna = user(1209, "Anna", "en")
    await join(app, anna, "+79990001209")

    await say(app, anna, "/stop")

    assert last_text(app).startswith("We will not send you offers and promotions any more.")
    assert (await Member.get(telegram_id=1209)).marketing_opt_in is False


async def test_a_skipped_birthday_can_be_added_once_in_the_settings(app: BotUnderTest) -> None:
    anna = user(1210, "Anna", "ru")
    await join(app, anna, "+79990001210")
    await press(app, anna, "settings:birthday")
    assert last_text(app).startswith("Напишите дату рождения")

    for bad in ("31.02.1990", "2090-01-01", "x" * 5000):
        await say(app, anna, bad)
        assert (await Member.get(telegram_id=1210)).birthday is None
    assert texts(app)[-3].startswith("Не удалось понять дату")
    assert texts(app)[-2] == "Эта дата ещё не наступила. Проверьте год."

    await say(app, anna, "24.05.1990")
    assert last_text(app) == "Дата рождения сохранена: 24.05.1990."
    assert (await Member.get(telegram_id=1210)).birthday == date(1990, 5, 24)

    # Set once: the button is gone, and a stale one changes nothing.
    await say(app, anna, "⚙️ Настройки")
    assert "settings:birthday" not in inline_data(last(app))
    await press(app, anna, "settings:birthday")
    await say(app, anna, "01.01.1980")
    assert last_text(app).startswith("Дата рождения уже указана")
    assert (await Member.get(telegram_id=1210)).birthday == date(1990, 5, 24)


async def test_skip_leaves_the_birthday_question(app: BotUnderTest) -> None:
    anna = user(1211, "Anna", "ru")
    await join(app, anna, "+79990001211")
    await press(app, anna, "settings:birthday")
    await say(app, anna, "Пропустить")
    assert reply_buttons(last(app))[0] == "💳 Моя карта"
    await say(app, anna, "hello")
    assert last_text(app) != "Не удалось понять дату"
    assert (await Member.get(telegram_id=1211)).birthday is None
