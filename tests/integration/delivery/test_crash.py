"""kill -9 mid-broadcast: nothing is lost, and duplicates are bounded by what was in flight."""

from __future__ import annotations

from datetime import time, timedelta

from bench.delivery import FIRST_USER, kill_and_resume
from bot.adapters.clock import SystemClock
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.delivery import DeliveryPolicy, DeliveryStatus, MessageContent
from bot.services.delivery import Delivery

from .conftest import TOKEN, Emulator

MESSAGES = 300


async def test_sender_killed_mid_broadcast_loses_nothing_and_duplicates_at_most_in_flight(
    database_url: str, emulator: Emulator
) -> None:
    await MemberRow.bulk_create(
        [
            MemberRow(
                telegram_id=FIRST_USER + n,
                status="active",
                locale="en",
                card_code=f"K{n}",
                referral_code=f"KR{n}",
            )
            for n in range(MESSAGES)
        ]
    )
    await emulator.client.create_users(MESSAGES, start_id=FIRST_USER, started=True)
    # Each send takes 50 ms, like a round trip to Telegram, so requests are in flight at the kill.
    await emulator.client.inject_fault(hang_seconds=0.05, count=10**6, method="sendMessage")
    policy = DeliveryPolicy(
        lease=timedelta(seconds=1), quiet_start=time(0), quiet_end=time(0), default_timezone="UTC"
    )
    delivery = Delivery(tortoise_uow_factory, SystemClock(), policy)
    campaign = await delivery.create_campaign("crash")
    member_ids = [m.id for m in await MemberRow.all().only("id")]
    await delivery.enqueue_campaign(
        campaign.id, member_ids, MessageContent("start-greeting", {"name": "A", "program": "B"})
    )

    result = await kill_and_resume(
        database_url,
        emulator.url,
        emulator.client,
        delivery,
        SystemClock(),
        MESSAGES,
        kill_after=MESSAGES // 3,
        rate=300,
        workers=20,
        token=TOKEN,
    )

    assert result.missing == 0
    assert result.delivered_before_kill < MESSAGES  # the kill did land mid-broadcast
    # Only a row a dead sender held (`sending`) can be sent twice, once each at most.
    assert result.duplicates <= result.sending_at_kill
    assert await delivery.status_counts(campaign.id) == {DeliveryStatus.SENT: MESSAGES}
