"""The webhook sender against a local receiver: signed bodies, retries with backoff, giving up,
and two senders on PostgreSQL never delivering one event twice."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from bot.adapters.db.models.events import WebhookEvent
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.events import EventType, verify
from bot.services.events import EventLog
from tests.kit.clock import FixedClock

from .conftest import SECRET, Receiver, Senders


async def add_events(clock: FixedClock, count: int) -> list[str]:
    """`count` purchase events, written the way the services write them."""
    log = EventLog(enabled=True)
    async with tortoise_uow_factory() as uow:
        for n in range(count):
            await log.record(uow, EventType.PURCHASE_RECORDED, {"purchase_id": n}, clock.now())
    return [str(e.event_id) for e in await WebhookEvent.all().order_by("id")]


async def test_the_signature_verifies_over_the_exact_body_and_timestamp(
    database_url: str, clock: FixedClock, receiver: Receiver, senders: Senders
) -> None:
    [event_id] = await add_events(clock, 1)
    assert await senders.make().deliver_due() == 1

    [got] = receiver.received
    body = json.loads(got.body)
    assert body == {
        "id": event_id,
        "type": "purchase.recorded",
        "created_at": clock.now().isoformat(),
        "data": {"purchase_id": 0},
    }
    stamp, signed = got.headers["X-Loyalty-Timestamp"], got.headers["X-Loyalty-Signature"]
    assert got.event_id == event_id and signed.startswith("v1=")
    assert stamp == str(int(clock.now().timestamp()))
    assert verify(SECRET.encode(), stamp, signed, got.body, clock.now())
    # Another secret, a changed byte, another timestamp or a stale one: refused.
    assert not verify(b"other", stamp, signed, got.body, clock.now())
    assert not verify(SECRET.encode(), stamp, signed, got.body + b" ", clock.now())
    assert not verify(SECRET.encode(), str(int(stamp) + 1), signed, got.body, clock.now())
    later = clock.now() + timedelta(minutes=6)
    assert not verify(SECRET.encode(), stamp, signed, got.body, later)


async def test_a_500_is_retried_after_the_backoff_then_delivered_once(
    database_url: str, clock: FixedClock, receiver: Receiver, senders: Senders
) -> None:
    [event_id] = await add_events(clock, 1)
    receiver.answer(500)
    sender = senders.make()

    assert await sender.deliver_due() == 1
    row = await WebhookEvent.get()
    assert (row.attempts, row.delivered_at, row.last_error) == (1, None, "HTTP 500")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert await sender.deliver_due() == 0  # not due before its backoff

    clock.advance(seconds=30)
    assert await sender.deliver_due() == 1
    clock.advance(hours=24)
    assert await sender.deliver_due() == 0

    assert [r.event_id for r in receiver.received] == [event_id, event_id]
    row = await WebhookEvent.get()
    assert (row.attempts, row.delivered_at, row.failed_at) == (
        2,
        clock.now() - timedelta(hours=24),
        None,
    )
    assert row.last_error is None
    # Each try is signed afresh, with its own timestamp.
    stamps = [r.headers["X-Loyalty-Timestamp"] for r in receiver.received]
    assert int(stamps[1]) - int(stamps[0]) == 30


async def test_it_gives_up_after_the_maximum_attempts(
    database_url: str, clock: FixedClock, receiver: Receiver, senders: Senders
) -> None:
    await add_events(clock, 1)
    receiver.answer(503, 429, 408, 502)
    sender = senders.make(max_attempts=4)

    for _ in range(6):
        await sender.deliver_due()
        clock.advance(hours=7)  # past any backoff

    assert len(receiver.received) == 4
    row = await WebhookEvent.get()
    assert (row.attempts, row.delivered_at, row.last_error) == (4, None, "HTTP 502")
    assert row.failed_at is not None


async def test_a_4xx_fails_at_once_and_timeouts_or_refused_connections_retry(
    database_url: str, clock: FixedClock, receiver: Receiver, senders: Senders
) -> None:
    await add_events(clock, 1)
    receiver.answer(400)
    await senders.make().deliver_due()
    row = await WebhookEvent.get()
    assert (row.attempts, row.last_error, row.failed_at) == (1, "HTTP 400", clock.now())

    await WebhookEvent.all().delete()
    await add_events(clock, 1)
    # Nobody listens on the port any more: a connection error is tried again.
    unreachable = receiver.url
    await receiver.server.close()
    await senders.make(url=unreachable).deliver_due()
    row = await WebhookEvent.get()
    assert (row.attempts, row.failed_at) == (1, None)
    assert row.last_error and row.last_error.startswith("Client")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)


async def test_a_slow_receiver_times_out_and_is_retried(
    database_url: str, clock: FixedClock, aiohttp_server: object, senders: Senders
) -> None:
    from aiohttp import web

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response()

    app = web.Application()
    app.router.add_post("/events", slow)
    server = await aiohttp_server(app)  # type: ignore[operator]
    await add_events(clock, 1)
    await senders.make(url=str(server.make_url("/events")), timeout=0.2).deliver_due()
    row = await WebhookEvent.get()
    assert (row.attempts, row.failed_at, row.last_error) == (1, None, "TimeoutError")


async def test_the_running_sender_delivers_what_is_added(
    database_url: str, clock: FixedClock, receiver: Receiver, senders: Senders
) -> None:
    sender = senders.make(idle_interval=0.05)
    await sender.start()
    ids = await add_events(clock, 3)
    sender.wake()
    for _ in range(100):
        if len(receiver.received) == 3:
            break
        await asyncio.sleep(0.05)
    await sender.stop()
    assert sorted(r.event_id for r in receiver.received) == sorted(ids)
    assert await WebhookEvent.filter(delivered_at__isnull=True).count() == 0


@pytest.mark.postgres
async def test_two_senders_never_deliver_one_event_twice(
    database_url: str, clock: FixedClock, receiver: Receiver, senders: Senders
) -> None:
    ids = await add_events(clock, 120)
    first, second = senders.make(batch_size=7), senders.make(batch_size=7)

    async def drain(sender: object) -> None:
        while await sender.deliver_due():  # type: ignore[attr-defined]
            pass

    await asyncio.gather(drain(first), drain(second))

    delivered = [r.event_id for r in receiver.received]
    assert sorted(delivered) == sorted(ids)  # each exactly once
    assert first.delivered > 0 and second.delivered > 0
    assert await WebhookEvent.filter(delivered_at__isnull=False, attempts=1).count() == 120
