"""Tier recalculation: downgrades by the rolling window, refunds excluded."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import TierChange
from bot.domain.ledger_records import TierMove
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, MakeMember
from tests.kit.clock import FixedClock


async def tier_of(member: int) -> str:
    return (await MemberRow.get(id=member)).tier_code


async def test_recalculation_downgrades_when_spend_leaves_the_window(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    await ledger.record_purchase(member, 15_000_00, "food", "p1", CASHIER)
    assert await tier_of(member) == "gold"

    unchanged = await ledger.recalculate_tiers(clock.now() + timedelta(days=364))
    result = await ledger.recalculate_tiers(clock.now() + timedelta(days=366))

    assert unchanged.moves == ()
    assert result.moves == (TierMove(member, "gold", "silver", upgrade=False),)
    assert (result.downgraded, result.upgraded) == (1, 0)
    assert await tier_of(member) == "silver"
    reasons = (
        await TierChange.filter(member_id=member).order_by("id").values_list("to_tier", "reason")
    )
    assert reasons == [("gold", "purchase"), ("silver", "recalculation")]


async def test_refunded_spend_does_not_count(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    bought = await ledger.record_purchase(member, 15_000_00, "food", "p1", CASHIER)
    await ledger.refund_purchase(bought.purchase_id, 1_000_00, "f1", CASHIER)
    assert await tier_of(member) == "gold"  # a refund alone never downgrades

    await ledger.recalculate_tiers(clock.now())

    assert await tier_of(member) == "silver"


async def test_recalculation_also_upgrades_and_places_members_without_a_tier(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    untiered = await make_member(tier="")
    await ledger.record_purchase(member, 60_000_00, "food", "p1", CASHIER)  # to platinum
    await MemberRow.filter(id=member).update(tier_code="silver")  # e.g. a program reload

    result = await ledger.recalculate_tiers(clock.now())

    assert await tier_of(member) == "platinum"
    assert await tier_of(untiered) == "silver"
    assert result.upgraded == 1
