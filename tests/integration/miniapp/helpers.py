"""Launch data signed as Telegram signs it, and requests to the Mini App API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import User
from aiohttp.test_utils import TestClient

from bot.sandbox.webapp import init_data_fields, sign_init_data
from tests.conftest import BotUnderTest
from tests.kit.telegram import BOT_USER

TOKEN = "42:TEST-TOKEN"
"""The `app` fixture's bot token: Telegram signs launch data with it."""


def init_data(person: User, when: datetime, token: str = TOKEN) -> str:
    user = {"id": person.id, "first_name": person.first_name}
    if person.language_code:
        user["language_code"] = person.language_code
    fields = init_data_fields(user, auth_date=int(when.timestamp()), query_id="AAH-test")
    return sign_init_data(token, fields)


def launch(app: BotUnderTest, person: User) -> str:
    """Launch data for `person`, opened right now (by the test's clock)."""
    return init_data(person, app.container.clock.now())


def card_link(token: str) -> str:
    return f"https://t.me/{BOT_USER.username}?start=c_{token}"


async def call(
    client: TestClient[Any, Any],
    path: str,
    launch_data: str | None,
    body: Any = None,
    *,
    raw: str | None = None,
) -> tuple[int, Any]:
    headers = {"Authorization": f"tma {launch_data}"} if launch_data is not None else {}
    if body is None and raw is None:
        response = await client.get(f"/miniapp/api/{path}", headers=headers)
    elif raw is not None:
        response = await client.post(f"/miniapp/api/{path}", data=raw, headers=headers)
    else:
        response = await client.post(f"/miniapp/api/{path}", json=body, headers=headers)
    return response.status, await response.json()
