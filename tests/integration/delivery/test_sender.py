"""OutboxSender against the emulator with Telegram's limits enforced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.delivery import OutboxMessage as OutboxRow
from bot.domain.delivery import (
    Button,
    DeliveryKind,
    DeliveryStatus,
    MessageContent,
    in_holdout,
)
from bot.services.delivery import Delivery
from tests.kit.clock import FixedClock
from tests.sandbox.helpers import tiny_png

from .conftest import Emulator, Senders, add_members, deliveries_per_chat, row_of

OFFER = MessageContent(
    "offer",
    {"name": "Ann", "discount": 10},
    buttons=((Button("button-open", url="https://example.com/offer"),),),
)


async def broadcast(delivery: Delivery, members: list[MemberRow], **options: object) -> int:
    campaign = await delivery.create_campaign("spring", **options)  # type: ignore[arg-type]
    await delivery.enqueue_campaign(campaign.id, [m.id for m in members], OFFER)
    return campaign.id


async def test_broadcast_of_200_reaches_everyone_exactly_once_under_real_limits(
    emulator_factory, delivery: Delivery, senders: Senders
) -> None:
    # The emulator enforces 100 msg/s; the sender is told 150 so real 429s happen and must be
    # absorbed: every member gets the message once, none is lost or doubled.
    emulator: Emulator = await emulator_factory(global_rate=100)
    senders.emulator = emulator
    members = await add_members(emulator, 200)
    campaign_id = await broadcast(delivery, members)

    sender = senders.make(rate=150, margin=0.0)
    await senders.run(sender)

    assert await deliveries_per_chat(emulator, members) == [1] * 200
    assert await delivery.status_counts(campaign_id) == {DeliveryStatus.SENT: 200}
    assert emulator.statuses().get(429, 0) == sender.stats.rate_limited > 0


async def test_paced_sender_stays_within_the_limit(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    members = await add_members(emulator, 200)
    campaign_id = await broadcast(delivery, members)

    sender = senders.make(rate=200)  # the emulator's limit, less the jitter margin
    await senders.run(sender)

    assert await deliveries_per_chat(emulator, members) == [1] * 200
    assert await delivery.status_counts(campaign_id) == {DeliveryStatus.SENT: 200}
    # Jitter on a loaded machine may still cause the odd 429; it is retried, never lost.
    assert emulator.statuses().get(429, 0) == sender.stats.rate_limited


async def test_message_is_rendered_in_the_members_language_with_buttons(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    [ru] = await add_members(emulator, 1, locale="ru")
    await delivery.enqueue_transactional(ru.id, OFFER)

    await senders.run(senders.make())

    [message] = await emulator.client.sent_to(ru.telegram_id)
    assert message.text == "Привет, Ann, скидка 10% сегодня"
    assert message.inline_buttons == [{"text": "Открыть", "url": "https://example.com/offer"}]


async def test_member_who_blocked_the_bot_becomes_unreachable_and_is_not_retried(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    blocked, other = await add_members(emulator, 2)
    await emulator.client.block(blocked.telegram_id)
    await delivery.enqueue_transactional(blocked.id, OFFER)
    await delivery.enqueue_transactional(other.id, OFFER)

    await senders.run(senders.make())

    row = await row_of(blocked)
    assert (row.status, row.attempts) == (DeliveryStatus.UNREACHABLE, 1)
    assert "blocked" in (row.last_error or "")
    assert not (await MemberRow.get(id=blocked.id)).reachable
    assert emulator.statuses()[403] == 1  # one try, no retry
    assert await emulator.sends_to(other.telegram_id) == 1

    # Marketing now skips them without calling Telegram.
    campaign_id = await broadcast(delivery, [blocked])
    await senders.run(senders.make())
    row = await row_of(blocked, campaign_id)
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "unreachable")
    assert emulator.statuses()[403] == 1


async def test_429_pauses_all_sending_for_retry_after(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    members = await add_members(emulator, 12)
    await emulator.client.inject_fault(error_code=429, retry_after=1, count=1)
    await broadcast(delivery, members)

    sender = senders.make(workers=4)
    calls: list[tuple[float, str]] = []  # (when the request was answered, how)
    send = sender._send

    async def recording_send(dispatch):  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        try:
            result = await send(dispatch)
        except Exception as error:
            calls.append((loop.time(), type(error).__name__))
            raise
        calls.append((loop.time(), "ok"))
        return result

    sender._send = recording_send  # type: ignore[method-assign]
    await senders.run(sender)

    assert await deliveries_per_chat(emulator, members) == [1] * 12
    assert sender.stats.rate_limited == 1
    limited_at = next(when for when, how in calls if how == "TelegramRetryAfter")
    # Requests already on the wire when the 429 came back may land; nothing starts after it
    # until retry_after has passed (a lower bound, so not flaky).
    started_later = [when for when, how in calls if when > limited_at + 0.2]
    assert started_later and min(started_later) >= limited_at + 1.0
    in_window = [when for when, how in calls if limited_at + 0.2 < when < limited_at + 1.0]
    assert in_window == []


async def test_bad_request_is_recorded_failed_with_its_reason(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    [member] = await add_members(emulator, 1)
    await emulator.client.inject_fault(
        error_code=400, description="Bad Request: message text is empty"
    )
    await delivery.enqueue_transactional(member.id, OFFER)

    await senders.run(senders.make())

    row = await row_of(member)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert row.last_error == "400: Bad Request: message text is empty"
    assert await emulator.sends_to(member.telegram_id) == 0


async def test_server_errors_are_retried_then_sent(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    [member] = await add_members(emulator, 1)
    await emulator.client.inject_fault(error_code=500, count=1)
    await emulator.client.inject_fault(error_code=502, count=1)
    await delivery.enqueue_transactional(member.id, OFFER)

    # A faulted request never reached the emulator's limiter: no per-chat spacing needed.
    sender = senders.make(per_chat_interval=0.0)
    await senders.run(sender)

    row = await row_of(member)
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 3, None)
    assert sender.stats.retried == 2
    assert await emulator.sends_to(member.telegram_id) == 1


async def test_a_request_that_times_out_is_retried_then_sent(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    [member] = await add_members(emulator, 1)
    # The first try hangs past the sender's request timeout (and is then refused, so only the
    # retry can reach the chat).
    await emulator.client.inject_fault(error_code=502, hang_seconds=1.5, count=1)
    await delivery.enqueue_transactional(member.id, OFFER)

    sender = senders.make(per_chat_interval=0.0, request_timeout=0.5)
    await senders.run(sender)

    row = await row_of(member)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert sender.stats.retried == 1  # a network error, retried with backoff; not a bug
    assert await emulator.sends_to(member.telegram_id) == 1


async def test_server_errors_fail_the_row_after_max_attempts(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    [member] = await add_members(emulator, 1)
    await emulator.client.inject_fault(error_code=500, count=10)
    await delivery.enqueue_transactional(member.id, OFFER)

    await senders.run(senders.make(per_chat_interval=0.0))

    row = await row_of(member)
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, delivery.policy.max_attempts)
    assert "Internal Server Error" in (row.last_error or "")


async def test_backoff_schedules_the_retry_later(
    emulator: Emulator, clock: FixedClock, senders: Senders, database_url: str
) -> None:
    from bot.adapters.db.uow import tortoise_uow_factory
    from bot.domain.delivery import DeliveryPolicy

    delivery = Delivery(
        tortoise_uow_factory, clock, DeliveryPolicy(backoff_base=timedelta(seconds=30))
    )
    senders.delivery = delivery
    [member] = await add_members(emulator, 1)
    await emulator.client.inject_fault(error_code=500, count=1)
    await delivery.enqueue_transactional(member.id, OFFER)

    await senders.run(senders.make())
    row = await row_of(member)
    assert row.status == DeliveryStatus.PENDING
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)

    clock.advance(seconds=30)
    await senders.run(senders.make())
    assert (await row_of(member)).status == DeliveryStatus.SENT


async def test_opted_out_member_is_skipped_but_gets_transactional_messages(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    [member] = await add_members(emulator, 1, marketing_opt_in=False)
    campaign_id = await broadcast(delivery, [member])
    await delivery.enqueue_transactional(member.id, OFFER)

    await senders.run(senders.make())

    row = await row_of(member, campaign_id)
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, "opted-out")
    assert await emulator.sends_to(member.telegram_id) == 1  # the transactional one


async def test_frequency_cap_limits_marketing_per_week(
    emulator_factory, delivery: Delivery, senders: Senders, clock: FixedClock
) -> None:
    # Several messages to one chat: relax the emulator's per-chat limit, not the point here.
    emulator = senders.emulator = await emulator_factory(global_rate=200, per_chat=10)
    [member] = await add_members(emulator, 1)
    cap = delivery.policy.frequency_cap_per_week  # 3
    campaign_ids = [await broadcast(delivery, [member]) for _ in range(cap + 1)]

    await senders.run(senders.make(per_chat_interval=0.0))

    statuses = [(await row_of(member, c)).status for c in campaign_ids]
    assert statuses == [DeliveryStatus.SENT] * cap + [DeliveryStatus.SKIPPED]
    assert (await row_of(member, campaign_ids[-1])).last_error == "frequency-cap"

    clock.advance(days=7, seconds=1)  # the week has rolled over
    later = await broadcast(delivery, [member])
    await senders.run(senders.make(per_chat_interval=0.0))
    assert (await row_of(member, later)).status == DeliveryStatus.SENT
    assert await emulator.sends_to(member.telegram_id) == cap + 1


async def test_quiet_hours_delay_marketing_in_the_members_timezone(
    emulator: Emulator, delivery: Delivery, senders: Senders, clock: FixedClock
) -> None:
    # 14:00 UTC is 23:00 in Tokyo (quiet until 09:00 local = 00:00 UTC) and 17:00 in Moscow.
    clock.current = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
    [tokyo] = await add_members(emulator, 1, timezone="Asia/Tokyo")
    [moscow] = await add_members(emulator, 1, timezone="Europe/Moscow")
    campaign_id = await broadcast(delivery, [tokyo, moscow])
    await delivery.enqueue_transactional(tokyo.id, OFFER)

    await senders.run(senders.make())

    row = await row_of(tokyo, campaign_id)
    assert (row.status, row.last_error) == (DeliveryStatus.PENDING, "quiet-hours")
    assert row.next_attempt_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert row.attempts == 0
    assert await emulator.sends_to(tokyo.telegram_id) == 1  # the transactional one, at once
    assert (await row_of(moscow, campaign_id)).status == DeliveryStatus.SENT

    clock.current = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    await senders.run(senders.make())
    assert (await row_of(tokyo, campaign_id)).status == DeliveryStatus.SENT
    assert await emulator.sends_to(tokyo.telegram_id) == 2


async def test_holdout_rows_are_recorded_and_never_sent(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    members = await add_members(emulator, 60)
    campaign_id = await broadcast(delivery, members, holdout_share=0.3)

    await senders.run(senders.make())

    held = [in_holdout(campaign_id, m.id, 0.3) for m in members]
    assert 0 < sum(held) < 60
    assert await deliveries_per_chat(emulator, members) == [0 if h else 1 for h in held]
    assert await delivery.status_counts(campaign_id) == {
        DeliveryStatus.HELD_OUT: sum(held),
        DeliveryStatus.SENT: 60 - sum(held),
    }


async def test_enqueueing_a_campaign_twice_reaches_a_member_once(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    members = await add_members(emulator, 5)
    campaign = await delivery.create_campaign("once")
    first = await delivery.enqueue_campaign(campaign.id, [m.id for m in members], OFFER)
    again = await delivery.enqueue_campaign(campaign.id, [m.id for m in members], OFFER)

    await senders.run(senders.make())

    assert (first.queued, again.queued, again.already_queued) == (5, 0, 5)
    assert await deliveries_per_chat(emulator, members) == [1] * 5


async def test_photo_is_uploaded_once_and_its_file_id_reused(
    emulator: Emulator, delivery: Delivery, senders: Senders, tmp_path: Path
) -> None:
    photo = tmp_path / "spring.png"
    photo.write_bytes(tiny_png(40, 30))
    members = await add_members(emulator, 20)
    campaign = await delivery.create_campaign("photo")
    content = MessageContent("offer", {"name": "Ann", "discount": 5}, photo=str(photo))
    await delivery.enqueue_campaign(campaign.id, [m.id for m in members], content)

    sender = senders.make()
    await senders.run(sender)

    messages = [(await emulator.client.sent_to(m.telegram_id))[0] for m in members]
    assert sender.stats.uploads == 1
    assert len({message.photo["file_id"] for message in messages}) == 1  # type: ignore[index]
    assert all(message.caption == "Hi Ann, 5% off today" for message in messages)

    # A later sender (another process, after a restart) reuses the stored file_id.
    [late] = await add_members(emulator, 1)
    await delivery.enqueue_transactional(late.id, content)
    second = senders.make()
    await senders.run(second)
    assert second.stats.uploads == 0
    [message] = await emulator.client.sent_to(late.telegram_id)
    assert message.photo["file_id"] == messages[0].photo["file_id"]  # type: ignore[index]


async def test_transactional_messages_overtake_a_broadcast(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    crowd = await add_members(emulator, 40)
    vip = await add_members(emulator, 3)
    await broadcast(delivery, crowd)
    for member in vip:
        await delivery.enqueue_transactional(member.id, OFFER)

    sender = senders.make(workers=1)
    kinds: list[DeliveryKind] = []
    send = sender._send

    async def recording_send(dispatch):  # type: ignore[no-untyped-def]
        kinds.append(dispatch.kind)
        return await send(dispatch)

    sender._send = recording_send  # type: ignore[method-assign]
    await senders.run(sender)

    assert await deliveries_per_chat(emulator, crowd + vip) == [1] * 43
    assert kinds[:3] == [DeliveryKind.TRANSACTIONAL] * 3


async def test_restart_resumes_rows_a_dead_sender_had_claimed(
    emulator: Emulator, delivery: Delivery, senders: Senders, clock: FixedClock
) -> None:
    members = await add_members(emulator, 10)
    await broadcast(delivery, members)
    claimed = await delivery.claim(6)  # a sender claims six rows, then dies
    assert len(claimed) == 6

    await senders.run(senders.make())  # the lease has not expired: only the other four
    assert sum(await deliveries_per_chat(emulator, members)) == 4

    clock.advance(seconds=delivery.policy.lease.total_seconds() + 1)
    await senders.run(senders.make())
    assert await deliveries_per_chat(emulator, members) == [1] * 10
    rows = await OutboxRow.filter(id__in=[d.id for d in claimed])
    assert {(row.status, row.attempts) for row in rows} == {(DeliveryStatus.SENT, 2)}


async def test_cancelled_campaign_stops_sending(
    emulator: Emulator, delivery: Delivery, senders: Senders
) -> None:
    members = await add_members(emulator, 5)
    campaign_id = await broadcast(delivery, members)
    assert await delivery.cancel_campaign(campaign_id) == 5

    await senders.run(senders.make())

    assert await deliveries_per_chat(emulator, members) == [0] * 5
    assert await delivery.status_counts(campaign_id) == {DeliveryStatus.CANCELLED: 5}
