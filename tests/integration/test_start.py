from __future__ import annotations

import html

from bot.adapters.db.models.core import Member
from tests.conftest import BotUnderTest
from tests.kit.telegram import text_update, user


async def feed(app: BotUnderTest, update) -> None:
    await app.container.dispatcher.feed_update(app.container.bot, update)


async def test_start_greets_in_russian_and_creates_one_member(app: BotUnderTest) -> None:
    anna = user(1001, "Anna", "ru")
    await feed(app, text_update(anna, "/start"))
    await feed(app, text_update(anna, "/start"))

    # Texts go out in HTML parse mode: the program name's "&" is escaped.
    texts = [html.unescape(text) for text in app.session.texts()]
    assert len(texts) == 2
    assert texts[0].startswith("Здравствуйте, Anna!")
    assert "Coffee & Co" in texts[0]
    assert await Member.filter(telegram_id=1001).count() == 1


async def test_start_answers_in_english_for_an_english_client(app: BotUnderTest) -> None:
    await feed(app, text_update(user(1002, "John", "en-GB"), "/start"))
    assert app.session.texts()[0].startswith("Hello, John!")
    member = await Member.get(telegram_id=1002)
    assert member.locale == "en"


async def test_unsupported_language_falls_back_to_default_locale(app: BotUnderTest) -> None:
    await feed(app, text_update(user(1003, "Hans", "de"), "/help"))
    assert app.session.texts()[0].startswith("Что умеет бот")


async def test_help_in_english(app: BotUnderTest) -> None:
    await feed(app, text_update(user(1004, "John", "en"), "/help"))
    assert "/language" in app.session.texts()[0]
    assert app.session.texts()[0].startswith("What the bot can do")


async def test_start_payload_records_a_known_source_and_keeps_unknown_as_other(
    app: BotUnderTest,
) -> None:
    await feed(app, text_update(user(2001), "/start src_poster"))
    await feed(app, text_update(user(2002), "/start src_billboard"))
    await feed(app, text_update(user(2003), "/start %%garbage%%"))
    sources = {m.telegram_id: m.source for m in await Member.all()}
    assert sources == {2001: "poster", 2002: "other", 2003: "direct"}


async def test_first_visit_source_is_kept_on_later_visits(app: BotUnderTest) -> None:
    await feed(app, text_update(user(2004), "/start src_site"))
    await feed(app, text_update(user(2004), "/start src_poster"))
    assert (await Member.get(telegram_id=2004)).source == "site"
