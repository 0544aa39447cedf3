from __future__ import annotations

import json

from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.db.models.core import Member, ProcessedUpdate
from bot.bootstrap import build_web_app
from tests.conftest import BotUnderTest
from tests.kit.telegram import text_update, user

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def client_for(app: BotUnderTest) -> TestClient:
    client = TestClient(TestServer(build_web_app(app.container)))
    await client.start_server()
    return client


def body(update) -> str:
    return update.model_dump_json(exclude_none=True)


async def test_the_same_update_posted_twice_is_handled_once(app: BotUnderTest) -> None:
    client = await client_for(app)
    update = text_update(user(3001), "/start src_poster", update_id=777)
    try:
        for _ in range(2):
            response = await client.post(
                "/telegram/webhook", data=body(update), headers={SECRET_HEADER: "s3cret-token"}
            )
            assert response.status == 200
    finally:
        await client.close()

    assert len(app.session.texts()) == 1
    assert await Member.filter(telegram_id=3001).count() == 1
    assert await ProcessedUpdate.filter(update_id=777).count() == 1


async def test_a_wrong_or_missing_secret_is_refused_and_changes_nothing(app: BotUnderTest) -> None:
    client = await client_for(app)
    update = text_update(user(3002), "/start")
    try:
        wrong = await client.post(
            "/telegram/webhook", data=body(update), headers={SECRET_HEADER: "guess"}
        )
        missing = await client.post("/telegram/webhook", data=body(update))
    finally:
        await client.close()
    assert (wrong.status, missing.status) == (401, 401)
    assert app.session.requests == []
    assert await Member.all().count() == 0


async def test_a_body_that_is_not_an_update_is_a_400(app: BotUnderTest) -> None:
    client = await client_for(app)
    headers = {SECRET_HEADER: "s3cret-token"}
    try:
        garbage = await client.post("/telegram/webhook", data=b"{not json", headers=headers)
        not_update = await client.post(
            "/telegram/webhook", data=json.dumps({"hello": 1}), headers=headers
        )
    finally:
        await client.close()
    assert (garbage.status, not_update.status) == (400, 400)
    assert await ProcessedUpdate.all().count() == 0


async def test_healthz(app: BotUnderTest) -> None:
    client = await client_for(app)
    try:
        response = await client.get("/healthz")
        assert response.status == 200
        assert await response.json() == {"status": "ok"}
    finally:
        await client.close()
