"""A campaign's progress, as the admin chat's live progress message shows it."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from bot.domain.delivery import Failed, MessageContent, Sent, Unreachable, in_holdout
from bot.domain.errors import CampaignNotFound
from bot.services.delivery import Delivery
from tests.kit.clock import FixedClock

from .conftest import Emulator, add_members

OFFER = MessageContent("offer", {"name": "Ann", "discount": 10})


async def test_progress_counts_outcomes_and_estimates_the_time_left_from_the_current_rate(
    emulator: Emulator, delivery: Delivery, clock: FixedClock
) -> None:
    members = await add_members(emulator, 30)
    campaign = await delivery.create_campaign("spring", holdout_share=0.2)
    await delivery.enqueue_campaign(campaign.id, [m.id for m in members], OFFER)
    held = sum(in_holdout(campaign.id, m.id, 0.2) for m in members)
    assert 0 < held <= 10

    before = await delivery.progress(campaign.id)
    assert (before.pending, before.held_out, before.sent) == (30 - held, held, 0)
    assert before.eta is None  # nothing sent yet: no rate to go by

    dispatches = await delivery.claim(10)
    assert len(dispatches) == 10
    clock.advance(seconds=5)
    failed, blocked = dispatches[6], dispatches[7]
    await delivery.record(
        [Sent(d.id) for d in dispatches[:6]]
        + [Failed(failed.id, "400: bad"), Unreachable(blocked.id, blocked.member_id, "403")]
    )

    progress = await delivery.progress(campaign.id)
    assert (progress.sent, progress.failed, progress.unreachable, progress.held_out) == (
        6,
        1,
        1,
        held,
    )
    pending = 30 - held - 8  # two still being sent, the rest waiting
    assert progress.pending == pending
    assert progress.total == 30
    assert progress.rate == pytest.approx(8 / 5)  # 8 finished in the 5 s since the first claim
    assert progress.eta == timedelta(seconds=math.ceil(pending / 1.6))

    clock.advance(minutes=1)  # nothing finished in the last 30 s: stalled, no estimate
    stalled = await delivery.progress(campaign.id)
    assert stalled.rate == 0 and stalled.eta is None


async def test_progress_of_an_unknown_campaign_is_an_error(delivery: Delivery) -> None:
    with pytest.raises(CampaignNotFound):
        await delivery.progress(404)
