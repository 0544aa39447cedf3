"""The POS API's limit per key: with REDIS_URL one bucket in Redis shared by every process, so two
app instances together stay under it; without, each process keeps its own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.bootstrap import build_web_app
from bot.domain.staff import SHELL_OPERATOR
from tests.conftest import BotUnderTest

from .conftest import Client, anna, outlet

BURST = 3


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    redis_asyncio = pytest.importorskip("redis.asyncio")
    probe = redis_asyncio.Redis.from_url(url)
    try:
        await probe.ping()
    except Exception as error:
        pytest.skip(f"Redis at {url} is unreachable: {error}")
    finally:
        await probe.aclose()
    yield url


async def two_instances(
    app: BotUnderTest, aiohttp_client: Any, redis_url: str | None
) -> tuple[list[Client], str, int]:
    """Two web apps built apart, as two worker processes would be, and one key."""
    member = await anna(app)
    await outlet("main", "coffee-co")
    key = (await app.container.services.api_keys.create(SHELL_OPERATOR, "main")).secret
    settings = app.container.settings
    settings.redis_url = redis_url
    settings.pos_api_burst = BURST
    settings.pos_api_rate = 0.001  # one token per 1000 s: nothing refills during the test
    clients = [await aiohttp_client(build_web_app(app.container)) for _ in range(2)]
    return clients, key, member.id


async def balance_calls(clients: list[Client], key: str, member_id: int, rounds: int) -> list[Any]:
    """Alternate between the instances; every response, in order."""
    responses = []
    for n in range(rounds):
        response = await clients[n % 2].get(
            f"/api/v1/members/{member_id}/balance", headers={"Authorization": f"Bearer {key}"}
        )
        responses.append(response)
    return responses


async def test_two_instances_sharing_redis_stay_under_the_limit_together(
    app: BotUnderTest, aiohttp_client: Any, redis_url: str
) -> None:
    clients, key, member_id = await two_instances(app, aiohttp_client, redis_url)
    responses = await balance_calls(clients, key, member_id, 2 * BURST)

    assert [r.status for r in responses] == [200] * BURST + [429] * BURST
    refused = responses[-1]
    body = await refused.json()
    assert body["error"] == "rate-limited"
    # The bucket's shared schedule says when: about 1000 s for the next token.
    assert 900 <= int(refused.headers["Retry-After"]) <= 1000


async def test_without_redis_each_instance_has_its_own_bucket(
    app: BotUnderTest, aiohttp_client: Any
) -> None:
    clients, key, member_id = await two_instances(app, aiohttp_client, None)
    responses = await balance_calls(clients, key, member_id, 2 * BURST + 2)

    # Each instance lets its own three through: six in all, then both refuse.
    assert [r.status for r in responses] == [200] * (2 * BURST) + [429] * 2
