"""Spending points: the rules, FIFO lots, and exactness under concurrency."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry, PointLot
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.errors import InsufficientPoints, InvalidInput, PermissionDenied
from bot.domain.ledger_records import LedgerActor
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, Give, MakeMember
from tests.integration.ledger.invariants import assert_ledger_consistent
from tests.kit.clock import FixedClock

CHECK = 1000_00
"""A 1 000 ₽ check: points may pay up to 300 of it."""


async def test_redeem_takes_points_and_gives_the_discount(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 500)

    result = await ledger.redeem_points(member, 120, CHECK, "r1", CASHIER)

    assert (result.points, result.discount, result.balance) == (120, 120_00, 380)
    assert (await MemberRow.get(id=member)).balance == 380
    await assert_ledger_consistent()


@pytest.mark.parametrize(
    ("points", "error"),
    [(0, InvalidInput), (49, InvalidInput), (301, InvalidInput), (501, InsufficientPoints)],
)
async def test_redeem_fails_outside_the_rules(
    ledger: Ledger, make_member: MakeMember, give: Give, points: int, error: type[Exception]
) -> None:
    member = await make_member(tier="gold")
    await give(member, 500)

    with pytest.raises(error):
        await ledger.redeem_points(
            member, points, 2000_00 if points == 501 else CHECK, "r", CASHIER
        )

    assert (await MemberRow.get(id=member)).balance == 500


async def test_a_member_may_spend_only_their_own_points(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    anna, boris = await make_member(), await make_member()
    await give(anna, 500)

    with pytest.raises(PermissionDenied):
        await ledger.redeem_points(anna, 100, CHECK, "r1", LedgerActor.member(boris))
    confirmed = await ledger.redeem_points(anna, 100, CHECK, "r2", LedgerActor.member(anna))

    assert confirmed.balance == 400


async def test_redeem_takes_the_points_that_expire_first(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    await ledger.record_purchase(member, 5000_00, "food", "p1", CASHIER)  # 150 points
    clock.advance(days=10)
    await ledger.record_purchase(member, 5000_00, "food", "p2", CASHIER)  # 150 points

    await ledger.redeem_points(member, 200, CHECK, "r1", CASHIER)

    lots = (
        await PointLot.filter(member_id=member).order_by("id").values_list("remaining", flat=True)
    )
    assert lots == [0, 100]
    await assert_ledger_consistent()


async def test_the_guarded_update_never_overdraws(make_member: MakeMember, give: Give) -> None:
    member = await make_member()
    await give(member, 500)

    async with tortoise_uow_factory() as uow:
        refused = await uow.ledger.change_balance(member, -501, floor=0)
        allowed = await uow.ledger.change_balance(member, -500, floor=0)

    assert (refused, allowed) == (None, 0)


async def test_100_simultaneous_redemptions_against_a_balance_for_10_let_exactly_10_succeed(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 500)

    # 100 requests of 50 points at once, each its own unit of work: the balance covers 10.
    outcomes = await asyncio.gather(
        *(ledger.redeem_points(member, 50, CHECK, f"r{i}", CASHIER) for i in range(100)),
        return_exceptions=True,
    )

    succeeded = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(succeeded) == 10
    assert len(refused) == 90 and all(isinstance(o, InsufficientPoints) for o in refused)
    assert sorted(o.balance for o in succeeded) == list(range(0, 500, 50))
    # Never negative: not at the end, not after any entry on the way.
    assert (await MemberRow.get(id=member)).balance == 0
    afters = await LedgerEntry.filter(member_id=member).values_list("balance_after", flat=True)
    assert len(afters) == 11 and min(afters) == 0
    # The entries sum to the balance (and the lots agree): the product's own check.
    assert sum(await LedgerEntry.filter(member_id=member).values_list("amount", flat=True)) == 0
    await assert_ledger_consistent()


async def test_concurrent_purchases_and_redemptions_keep_the_ledger_consistent(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    anna, boris = await make_member(), await make_member()
    await give(anna, 300)
    await give(boris, 300)

    calls = []
    for i in range(15):
        for member in (anna, boris):
            calls.append(ledger.record_purchase(member, 1000_00, "food", f"p{member}-{i}", CASHIER))
            calls.append(ledger.redeem_points(member, 60, CHECK, f"r{member}-{i}", CASHIER))
    outcomes = await asyncio.gather(*calls, return_exceptions=True)

    unexpected = [
        o
        for o in outcomes
        if isinstance(o, BaseException) and not isinstance(o, InsufficientPoints)
    ]
    assert not unexpected
    for member in (anna, boris):
        balance = (await MemberRow.get(id=member)).balance
        assert balance >= 0
        assert balance == sum(
            await LedgerEntry.filter(member_id=member).values_list("amount", flat=True)
        )
    await assert_ledger_consistent()
