"""Several senders at once: row claims on PostgreSQL (SKIP LOCKED), the rate shared in Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.adapters.db.uow import tortoise_uow_factory
from bot.delivery.chat_spacing import RedisChatSpacing
from bot.delivery.limiter import RedisRateLimiter
from bot.domain.delivery import DeliveryStatus, MessageContent
from bot.services.delivery import Delivery
from tests.kit.clock import FixedClock

from .conftest import Senders, add_members, deliveries_per_chat

REDIS_URL = "redis://127.0.0.1:6379/0"
CONTENT = MessageContent("offer", {"name": "Ann", "discount": 1})


@pytest.mark.postgres
async def test_a_claim_skips_rows_another_transaction_holds(
    senders: Senders, delivery: Delivery, clock: FixedClock
) -> None:
    members = await add_members(senders.emulator, 10)
    campaign = await delivery.create_campaign("locks")
    await delivery.enqueue_campaign(campaign.id, [m.id for m in members], CONTENT)

    async with tortoise_uow_factory() as uow:
        held = await uow.outbox.claim(clock.now(), clock.now(), 4)  # locks stay until commit
        # Another sender's claim neither waits for these rows nor takes them.
        other = await asyncio.wait_for(delivery.claim(10), timeout=5)
    assert len(held) == 4 and len(other) == 6
    assert not {m.id for m in held} & {d.id for d in other}


@pytest.mark.postgres
async def test_two_senders_on_postgres_deliver_each_message_once(
    senders: Senders, delivery: Delivery
) -> None:
    members = await add_members(senders.emulator, 300)
    campaign = await delivery.create_campaign("pair")
    await delivery.enqueue_campaign(campaign.id, [m.id for m in members], CONTENT)

    first = senders.make(rate=100, batch_size=20)
    second = senders.make(rate=100, batch_size=20)
    await senders.run(first, second)

    assert await deliveries_per_chat(senders.emulator, members) == [1] * 300
    assert first.stats.sent > 0 and second.stats.sent > 0
    assert first.stats.sent + second.stats.sent == 300
    assert await delivery.status_counts(campaign.id) == {DeliveryStatus.SENT: 300}


@pytest.fixture
async def redis_limiters() -> AsyncIterator[list[RedisRateLimiter]]:
    redis_asyncio = pytest.importorskip("redis.asyncio")
    probe = redis_asyncio.Redis.from_url(REDIS_URL)
    try:
        await probe.ping()
    except Exception as error:
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {error}")
    finally:
        await probe.aclose()
    key = f"test:delivery:{uuid.uuid4().hex}"  # a key of this test's own
    limiters = [RedisRateLimiter.from_url(REDIS_URL, 38, key=key) for _ in range(2)]
    yield limiters
    for limiter in limiters:
        await limiter.close()


async def test_senders_sharing_a_redis_bucket_stay_under_the_global_limit(
    emulator_factory, senders: Senders, delivery: Delivery, redis_limiters: list[RedisRateLimiter]
) -> None:
    # Each sender alone may send 40/s; two with private buckets would send 80/s into a 40/s
    # limit and be answered 429 about every other time. Sharing the bucket, they stay under.
    emulator = senders.emulator = await emulator_factory(global_rate=40)
    members = await add_members(emulator, 120)
    campaign = await delivery.create_campaign("shared")
    await delivery.enqueue_campaign(campaign.id, [m.id for m in members], CONTENT)

    pair = [senders.make(rate=40, batch_size=10, limiter=limiter) for limiter in redis_limiters]
    await senders.run(*pair)

    assert await deliveries_per_chat(emulator, members) == [1] * 120
    assert all(sender.stats.sent > 0 for sender in pair)
    # Jitter can still bunch two requests up now and then; a private bucket each would give ~60.
    assert emulator.statuses().get(429, 0) <= 3


async def test_a_429_seen_by_one_sender_pauses_the_other(
    redis_limiters: list[RedisRateLimiter],
) -> None:
    first, second = redis_limiters
    await first.pause(30)
    # The next slot the other sender can book is after the pause.
    wait = await second.bucket.book()
    assert 29 < wait <= 30


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    client = Redis.from_url(url)
    yield client
    await client.aclose()


async def test_one_chat_booked_through_redis_is_spaced_across_processes(redis: Redis) -> None:
    prefix = f"test:delivery:chat:{uuid.uuid4().hex}:"  # keys of this test's own
    first, second = (RedisChatSpacing(redis, 1.1, prefix=prefix) for _ in range(2))

    assert await first.book(7) == 0
    # The other process must wait a whole interval for the same chat, not for another one.
    assert 1.0 < await second.book(7) <= 1.1
    assert await second.book(8) == 0


async def test_two_senders_sharing_redis_keep_a_second_between_messages_to_one_chat(
    senders: Senders, delivery: Delivery, redis: Redis
) -> None:
    (member,) = await add_members(senders.emulator, 1)
    for n in range(4):  # transactional: both senders may hold one of them at the same time
        content = MessageContent("offer", {"name": "Ann", "discount": n})
        await delivery.enqueue_transactional(member.id, content)
    prefix = f"test:delivery:chat:{uuid.uuid4().hex}:"
    pair = [
        senders.make(
            rate=100,
            workers=1,
            batch_size=1,
            chat_spacing=RedisChatSpacing(redis, 1.1, prefix=prefix),
        )
        for _ in range(2)
    ]
    await senders.run(*pair)

    assert await senders.emulator.sends_to(member.telegram_id) == 4
    assert all(sender.stats.sent > 0 for sender in pair)
    # The emulator answers 429 to a second message to one chat within a second: none was
    # refused, so every two messages to the chat went at least a second apart (with a spacing
    # per process, both senders would send at once and the second would get a 429).
    assert senders.emulator.statuses().get(429, 0) == 0
