"""Recording purchases: earning with the program.toml numbers, limits, points used, tiers."""

from __future__ import annotations

import pytest

from bot.adapters.db.models.ledger import LedgerEntry, PointLot, Purchase, TierChange
from bot.domain.errors import (
    InsufficientPoints,
    InvalidInput,
    JoinRequired,
    PermissionDenied,
    RedemptionBlocked,
)
from bot.domain.ledger_records import LedgerActor
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, POS, Give, MakeMember
from tests.integration.ledger.invariants import assert_ledger_consistent
from tests.kit.clock import FixedClock

RUB = 100
"""Minor units in a rouble."""


@pytest.mark.parametrize(
    ("amount", "category", "points"),
    [
        (450 * RUB, "food", 13),  # 3 % of 450 ₽ is 13.5 points: rounded down
        (450 * RUB, "coffee", 27),  # coffee earns double
        (450 * RUB, "unknown", 13),  # an unknown category earns x1
        (450 * RUB, None, 13),
        (100 * RUB - 1, "food", 0),  # below the 100 ₽ minimum
        (100 * RUB, "food", 3),  # exactly the minimum earns
    ],
)
async def test_purchase_earns_the_silver_rate_of_the_amount(
    ledger: Ledger, make_member: MakeMember, amount: int, category: str | None, points: int
) -> None:
    member = await make_member()

    result = await ledger.record_purchase(member, amount, category, "p1", CASHIER)

    assert (result.points_earned, result.balance) == (points, points)
    assert result.tier_code == "silver" and not result.tier_upgraded
    assert result.next_tier_code == "gold"
    assert result.money_to_next_tier == 15_000 * RUB - amount
    await assert_ledger_consistent()


async def test_points_per_purchase_are_capped(ledger: Ledger, make_member: MakeMember) -> None:
    member = await make_member(tier="platinum")

    # 7 % x2 of 100 000 ₽ would be 14 000 points; the program caps a purchase at 5 000.
    result = await ledger.record_purchase(member, 100_000 * RUB, "coffee", "p1", CASHIER)

    assert result.points_earned == 5000
    assert result.next_tier_code is None and result.money_to_next_tier is None


@pytest.mark.parametrize("amount", [0, -100, 100_000 * RUB + 1])
async def test_amount_must_be_positive_and_within_the_limit(
    ledger: Ledger, make_member: MakeMember, amount: int
) -> None:
    member = await make_member()

    with pytest.raises(InvalidInput):
        await ledger.record_purchase(member, amount, "food", "p1", CASHIER)

    assert await Purchase.all().count() == 0


async def test_a_member_cannot_record_their_own_purchase(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()

    with pytest.raises(PermissionDenied):
        await ledger.record_purchase(member, 500 * RUB, "food", "p1", LedgerActor.member(member))


async def test_a_member_who_has_not_joined_earns_nothing(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member(status="joining")

    with pytest.raises(JoinRequired):
        await ledger.record_purchase(member, 500 * RUB, "food", "p1", CASHIER)


async def test_points_used_pay_part_of_the_check_and_only_the_rest_earns(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 200)

    # 1 000 ₽ check, 100 points (100 ₽) used: 3 % of the 900 ₽ paid in money is 27 points.
    result = await ledger.record_purchase(member, 1000 * RUB, "food", "p1", POS, points_to_use=100)

    assert (result.points_used, result.points_earned, result.balance) == (100, 27, 127)
    purchase = await Purchase.get(id=result.purchase_id)
    assert (purchase.amount, purchase.points_used, purchase.channel) == (1000 * RUB, 100, "pos")
    reasons = (
        await LedgerEntry.filter(purchase_id=purchase.id)
        .order_by("id")
        .values_list("reason", "amount")
    )
    assert reasons == [("redemption", -100), ("purchase", 27)]
    await assert_ledger_consistent()


@pytest.mark.parametrize(
    ("points", "error"),
    [
        (40, InvalidInput),  # below the 50-point minimum
        (301, InvalidInput),  # above 30 % of a 1 000 ₽ check
        (600, InsufficientPoints),  # more than the balance
    ],
)
async def test_points_used_follow_the_redemption_rules(
    ledger: Ledger, make_member: MakeMember, give: Give, points: int, error: type[Exception]
) -> None:
    member = await make_member()
    await give(member, 500)

    with pytest.raises(error):
        await ledger.record_purchase(
            member, 1000 * RUB, "food", "p1", CASHIER, points_to_use=points
        )

    assert await Purchase.all().count() == 0
    await assert_ledger_consistent()


async def test_the_earned_points_expire_after_the_program_period(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()

    await ledger.record_purchase(member, 1000 * RUB, "food", "p1", CASHIER)

    lot = await PointLot.get(member_id=member)
    assert (lot.amount, lot.remaining) == (30, 30)
    assert (lot.expires_at - clock.now()).days == 365


async def test_crossing_a_threshold_upgrades_the_tier_at_once(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()
    await ledger.record_purchase(member, 10_000 * RUB, "food", "p1", CASHIER)

    crossing = await ledger.record_purchase(member, 5_000 * RUB, "food", "p2", CASHIER)
    after = await ledger.record_purchase(member, 1_000 * RUB, "food", "p3", CASHIER)

    # The purchase that crosses 15 000 ₽ still earns silver's 3 %, the next one gold's 5 %.
    assert (crossing.points_earned, crossing.tier_code) == (150, "gold")
    assert crossing.tier_upgraded and crossing.upgraded_from == "silver"
    assert (crossing.next_tier_code, crossing.money_to_next_tier) == ("platinum", 35_000 * RUB)
    assert (after.points_earned, after.tier_upgraded) == (50, False)
    changes = await TierChange.filter(member_id=member).values_list(
        "from_tier", "to_tier", "reason"
    )
    assert changes == [("silver", "gold", "purchase")]


async def test_a_negative_balance_blocks_paying_with_points(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 300)
    purchase = await ledger.record_purchase(member, 10_000 * RUB, "food", "p1", CASHIER)
    await ledger.redeem_points(member, 600, 10_000 * RUB, "r1", CASHIER)
    await ledger.refund_purchase(purchase.purchase_id, 10_000 * RUB, "f1", CASHIER)

    with pytest.raises(RedemptionBlocked):
        await ledger.record_purchase(member, 1000 * RUB, "food", "p2", CASHIER, points_to_use=50)
