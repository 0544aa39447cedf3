"""My card: a PNG whose QR opens the card's deep link, a verifiable token, the card code."""

from __future__ import annotations

import html
import io
from datetime import timedelta

import zxingcpp
from PIL import Image

from bot.adapters.db.models.core import Member
from bot.bootstrap import card_secret
from bot.domain.card_token import card_code_for, format_card_code, verify_card_token
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import (
    alerts,
    inline_data,
    join,
    last,
    last_text,
    press,
    say,
)
from tests.kit.telegram import user

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LINK_PREFIX = "https://t.me/loyalty_test_bot?start=c_"


def decoded_link(photo_request: object) -> str:
    png = photo_request.photo.data  # type: ignore[attr-defined]
    assert png.startswith(PNG_SIGNATURE)
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


async def test_my_card_is_a_qr_of_a_verifiable_deep_link_with_the_card_code(
    app: BotUnderTest,
) -> None:
    anna = user(1101, "Anna", "ru")
    await join(app, anna, "+79990001101")
    row = await Member.get(telegram_id=1101)
    secret = card_secret(app.container.settings)

    await say(app, anna, "💳 Моя карта")

    photo = last(app, "SendPhoto")
    link = decoded_link(photo)
    assert link.startswith(LINK_PREFIX)
    token = link.removeprefix(LINK_PREFIX)
    now = app.container.clock.now()
    assert verify_card_token(token, now, secret, timedelta(seconds=300)) == row.id
    caption = html.unescape(photo.caption)
    assert format_card_code(card_code_for(row.id, secret)) in caption
    assert row.card_code == card_code_for(row.id, secret)
    assert link in caption
    assert "5 мин." in caption
    assert caption.startswith("<b>Anna</b>\nУровень: Серебро · баланс: 100 баллов\n")
    assert inline_data(photo) == ["card:refresh"]


async def test_refresh_sends_a_fresh_card_for_the_sender_only(app: BotUnderTest) -> None:
    anna = user(1102, "Anna", "en")
    await join(app, anna, "+79990001102")
    await say(app, anna, "/card")
    first = decoded_link(last(app, "SendPhoto"))

    app.container.clock.advance(minutes=10)
    await press(app, anna, "card:refresh")

    second = decoded_link(last(app, "SendPhoto"))
    assert second != first
    assert last(app, "SendPhoto").chat_id == 1102
    secret = card_secret(app.container.settings)
    now = app.container.clock.now()
    member_id = (await Member.get(telegram_id=1102)).id
    token = second.removeprefix(LINK_PREFIX)
    assert verify_card_token(token, now, secret, timedelta(seconds=300)) == member_id
    assert "Card code:" in last(app, "SendPhoto").caption


async def test_a_card_secret_setting_signs_the_card(app: BotUnderTest) -> None:
    settings = app.container.settings.model_copy(update={"card_secret": None})
    derived = card_secret(settings)
    assert derived and derived != b"42:TEST-TOKEN"
    from pydantic import SecretStr

    explicit = settings.model_copy(update={"card_secret": SecretStr("another")})
    assert card_secret(explicit) == b"another"


async def test_a_customer_who_has_not_joined_gets_no_card(app: BotUnderTest) -> None:
    anna = user(1103, "Anna", "ru")
    await say(app, anna, "/start")
    await say(app, anna, "/card")
    await press(app, anna, "card:refresh")
    assert app.session.sent("SendPhoto") == []


async def test_refresh_is_rate_limited(app: BotUnderTest) -> None:
    anna = user(1104, "Anna", "ru")
    await join(app, anna, "+79990001104")
    await say(app, anna, "/card")
    app.container.clock.advance(seconds=3)

    await press(app, anna, "card:refresh")
    await say(app, anna, "/card")

    assert len(app.session.sent("SendPhoto")) == 1
    assert alerts(app)[-1] == "Новый QR-код можно получить через 7 с."
    assert last_text(app) == "Новый QR-код можно получить через 7 с."

    app.container.clock.advance(seconds=7)
    await press(app, anna, "card:refresh")
    assert len(app.session.sent("SendPhoto")) == 2
