"""Expiry: the oldest points go first, a run is idempotent, and what is about to expire."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry, PointLot
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import RewardReason
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, MakeMember
from tests.integration.ledger.invariants import assert_ledger_consistent
from tests.kit.clock import FixedClock

YEAR = timedelta(days=365)


async def test_expiry_takes_what_is_left_of_lots_past_their_date(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    start = clock.now()
    anna, boris = await make_member(), await make_member()
    await ledger.record_purchase(anna, 10_000_00, "food", "a1", CASHIER)  # 300, expire start+1y
    await ledger.grant_reward(boris, RewardReason.WELCOME, "w-boris", LedgerActor.system())
    clock.advance(days=100)
    await ledger.record_purchase(anna, 5_000_00, "food", "a2", CASHIER)  # 150, start+100d+1y
    await ledger.redeem_points(anna, 200, 1000_00, "r1", CASHIER)  # from the older lot first

    assert await ledger.points_expiring_before(anna, start + YEAR) == 100
    assert await ledger.points_expiring_before(anna, start + YEAR - timedelta(seconds=1)) == 0

    run = await ledger.expire_points(start + YEAR)

    assert (run.members, run.lots, run.points) == (2, 2, 200)
    assert (await MemberRow.get(id=anna)).balance == 150
    assert (await MemberRow.get(id=boris)).balance == 0
    lots = await PointLot.filter(member_id=anna).order_by("id").values_list("remaining", flat=True)
    assert lots == [0, 150]
    assert await ledger.points_expiring_before(anna, start + YEAR) == 0
    await assert_ledger_consistent()


async def test_a_second_expiry_run_expires_nothing(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    await ledger.record_purchase(member, 10_000_00, "food", "p1", CASHIER)
    later = clock.now() + YEAR

    first = await ledger.expire_points(later)
    second = await ledger.expire_points(later + timedelta(days=1))

    assert (first.points, second.points, second.lots) == (300, 0, 0)
    assert await LedgerEntry.filter(reason="expiry").count() == 1


async def test_points_of_a_negative_balance_have_nothing_to_expire(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    bought = await ledger.record_purchase(member, 10_000_00, "food", "p1", CASHIER)
    await ledger.redeem_points(member, 300, 1000_00, "r1", CASHIER)
    await ledger.refund_purchase(bought.purchase_id, 10_000_00, "f1", CASHIER)

    run = await ledger.expire_points(clock.now() + 2 * YEAR)

    assert run.points == 0
    assert (await MemberRow.get(id=member)).balance == -300
    await assert_ledger_consistent()
