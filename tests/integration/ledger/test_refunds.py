"""Refunds: proportional reversal, used points returned to their lots, negative balances."""

from __future__ import annotations

import pytest

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import PointLot, Purchase, Refund
from bot.domain.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RedemptionBlocked,
)
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import RewardReason
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, Give, MakeMember
from tests.integration.ledger.invariants import assert_ledger_consistent
from tests.kit.clock import FixedClock


async def balance_of(member: int) -> int:
    return (await MemberRow.get(id=member)).balance


async def test_partial_refund_after_spending_blocks_redemption_until_positive(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()
    await ledger.grant_reward(member, RewardReason.WELCOME, "welcome", CASHIER)  # 100
    bought = await ledger.record_purchase(member, 10_000_00, "food", "p1", CASHIER)  # 300
    await ledger.redeem_points(member, 400, 2000_00, "r1", CASHIER)

    refund = await ledger.refund_purchase(bought.purchase_id, 5_000_00, "f1", CASHIER)

    # Half the purchase: half its 300 points are taken back, though they were spent.
    assert (refund.points_reversed, refund.balance) == (150, -150)
    assert await balance_of(member) == -150
    with pytest.raises(RedemptionBlocked):
        await ledger.redeem_points(member, 50, 1000_00, "r2", CASHIER)
    await assert_ledger_consistent()

    # The next purchase pays the debt first (its lot keeps only the rest) ...
    after = await ledger.record_purchase(member, 6_000_00, "food", "p2", CASHIER)  # 180
    assert after.balance == 30
    lot = await PointLot.get(entry__purchase_id=after.purchase_id)
    assert (lot.amount, lot.remaining) == (180, 30)
    with pytest.raises(InsufficientPoints):
        await ledger.redeem_points(member, 50, 1000_00, "r3", CASHIER)
    # ... and once the balance is positive again, points can be spent.
    await ledger.record_purchase(member, 10_000_00, "food", "p3", CASHIER)
    spent = await ledger.redeem_points(member, 50, 1000_00, "r4", CASHIER)
    assert spent.balance == 280
    await assert_ledger_consistent()


async def test_full_refund_returns_used_points_to_their_lot_and_takes_back_earned(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 200)
    bought = await ledger.record_purchase(member, 1000_00, "food", "p1", CASHIER, points_to_use=100)
    assert bought.balance == 127

    refund = await ledger.refund_purchase(bought.purchase_id, 1000_00, "f1", CASHIER)

    assert (refund.points_returned, refund.points_reversed, refund.balance) == (100, 27, 200)
    lots = await PointLot.filter(member_id=member).order_by("id").values_list("amount", "remaining")
    assert lots == [(200, 200), (27, 0)]  # the adjustment's lot is whole again
    purchase = await Purchase.get(id=bought.purchase_id)
    assert (purchase.refunded_amount, purchase.points_used_returned) == (1000_00, 100)
    await assert_ledger_consistent()


async def test_partial_refunds_adding_up_to_the_whole_reverse_exactly(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 200)
    bought = await ledger.record_purchase(member, 1000_00, "food", "p1", CASHIER, points_to_use=100)

    parts = [
        await ledger.refund_purchase(bought.purchase_id, amount, f"f{i}", CASHIER)
        for i, amount in enumerate([333_00, 333_00, 334_00])
    ]

    assert sum(p.points_reversed for p in parts) == 27
    assert sum(p.points_returned for p in parts) == 100
    assert parts[-1].refunded_total == 1000_00
    assert await balance_of(member) == 200
    await assert_ledger_consistent()


async def test_used_points_whose_lot_expired_come_back_in_a_new_lot(
    ledger: Ledger, make_member: MakeMember, give: Give, clock: FixedClock
) -> None:
    member = await make_member()
    await give(member, 200)
    bought = await ledger.record_purchase(member, 1000_00, "food", "p1", CASHIER, points_to_use=100)
    clock.advance(days=366)
    await ledger.expire_points(clock.now())

    refund = await ledger.refund_purchase(bought.purchase_id, 1000_00, "f1", CASHIER)

    # The 100 points come back with a fresh year; the 27 earned points are taken back from
    # them (the purchase's own lot has expired).
    assert (refund.points_returned, refund.points_reversed, refund.balance) == (100, 27, 73)
    newest = await PointLot.filter(member_id=member).order_by("-id").first()
    assert newest is not None and (newest.amount, newest.remaining) == (100, 73)
    assert (newest.expires_at - clock.now()).days == 365
    await assert_ledger_consistent()


async def test_refund_cannot_exceed_what_is_left(ledger: Ledger, make_member: MakeMember) -> None:
    member = await make_member()
    bought = await ledger.record_purchase(member, 1000_00, "food", "p1", CASHIER)
    await ledger.refund_purchase(bought.purchase_id, 600_00, "f1", CASHIER)

    with pytest.raises(InvalidInput):
        await ledger.refund_purchase(bought.purchase_id, 400_01, "f2", CASHIER)
    with pytest.raises(InvalidInput):
        await ledger.refund_purchase(bought.purchase_id, 0, "f3", CASHIER)

    assert await Refund.all().count() == 1


async def test_refund_replay_and_conflict(ledger: Ledger, make_member: MakeMember) -> None:
    member = await make_member()
    bought = await ledger.record_purchase(member, 1000_00, "food", "p1", CASHIER)

    first = await ledger.refund_purchase(bought.purchase_id, 500_00, "f1", CASHIER)
    again = await ledger.refund_purchase(bought.purchase_id, 500_00, "f1", CASHIER)
    with pytest.raises(IdempotencyConflict):
        await ledger.refund_purchase(bought.purchase_id, 400_00, "f1", CASHIER)

    assert again.replayed and again.refund_id == first.refund_id
    assert await Refund.all().count() == 1
    assert await balance_of(member) == 15


async def test_refund_needs_staff_and_a_known_purchase(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()
    bought = await ledger.record_purchase(member, 1000_00, "food", "p1", CASHIER)

    with pytest.raises(PermissionDenied):
        await ledger.refund_purchase(bought.purchase_id, 100_00, "f1", LedgerActor.member(member))
    with pytest.raises(NotFound):
        await ledger.refund_purchase(bought.purchase_id + 1000, 100_00, "f2", CASHIER)
