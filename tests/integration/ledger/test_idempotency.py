"""Idempotency keys: replays return the first result, other data under a key is refused, and
concurrent submissions of one key write once."""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry, Purchase
from bot.adapters.db.models.ledger_ops import LedgerOperation
from bot.domain.errors import IdempotencyConflict, InvalidInput
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, POS, Give, MakeMember
from tests.integration.ledger.invariants import assert_ledger_consistent


async def test_a_replayed_purchase_returns_the_first_result(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()
    first = await ledger.record_purchase(member, 1000_00, "food", "pos-42", POS)
    await ledger.record_purchase(member, 500_00, "food", "pos-43", POS)

    again = await ledger.record_purchase(member, 1000_00, "food", "pos-42", POS)

    assert again.replayed and not first.replayed
    assert again.purchase_id == first.purchase_id
    # The first answer, balance included, even though later purchases changed the balance.
    assert again.balance == first.balance == 30
    assert await Purchase.all().count() == 2
    assert (await MemberRow.get(id=member)).balance == 45


async def test_the_same_key_with_other_data_is_a_conflict(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()
    await ledger.record_purchase(member, 1000_00, "food", "pos-42", POS)

    with pytest.raises(IdempotencyConflict):
        await ledger.record_purchase(member, 1001_00, "food", "pos-42", POS)
    with pytest.raises(IdempotencyConflict):
        await ledger.record_purchase(member, 1000_00, "coffee", "pos-42", POS)

    assert await Purchase.all().count() == 1


async def test_keys_are_scoped_by_operation(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 500)

    await ledger.record_purchase(member, 1000_00, "food", "k1", POS)
    redemption = await ledger.redeem_points(member, 100, 1000_00, "k1", POS)

    assert not redemption.replayed
    assert await LedgerOperation.filter(kind__in=["purchase", "redemption"]).count() == 2


@pytest.mark.parametrize("key", ["", " padded ", "x" * 129, "line\nbreak"])
async def test_a_malformed_key_is_refused(
    ledger: Ledger, make_member: MakeMember, key: str
) -> None:
    member = await make_member()

    with pytest.raises(InvalidInput):
        await ledger.record_purchase(member, 1000_00, "food", key, POS)


async def test_50_simultaneous_retries_of_one_key_write_one_entry(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()

    results = await asyncio.gather(
        *(ledger.record_purchase(member, 1000_00, "food", "pos-42", POS) for _ in range(50))
    )

    assert len({r.purchase_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert {r.balance for r in results} == {30}  # every retry got the first answer
    assert await Purchase.all().count() == 1
    assert await LedgerEntry.filter(member_id=member).count() == 1
    assert await LedgerOperation.all().count() == 1
    assert (await MemberRow.get(id=member)).balance == 30
    await assert_ledger_consistent()


async def test_a_redemption_key_submitted_concurrently_spends_once(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    member = await make_member()
    await give(member, 100)

    # The whole balance, 50 times at once under one key: one spend, 49 replays (not 49
    # "insufficient points", which a retrying till would show as a failure).
    results = await asyncio.gather(
        *(ledger.redeem_points(member, 100, 1000_00, "r-1", CASHIER) for _ in range(50))
    )

    assert len({r.entry_id for r in results}) == 1
    assert sum(r.replayed for r in results) == 49
    assert (await MemberRow.get(id=member)).balance == 0
    await assert_ledger_consistent()


async def test_one_key_raced_for_two_members_is_applied_to_one(
    ledger: Ledger, make_member: MakeMember
) -> None:
    anna, boris = await make_member(), await make_member()

    # Different members are locked separately, so here the unique key itself decides: the
    # loser's INSERT fails, its retry finds the winner's request and reports the conflict.
    outcomes = await asyncio.gather(
        *(
            ledger.record_purchase(member, 1000_00, "food", "pos-42", CASHIER)
            for member in (anna, boris) * 5
        ),
        return_exceptions=True,
    )

    conflicts = [o for o in outcomes if isinstance(o, IdempotencyConflict)]
    applied = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(conflicts) == 5 and len(applied) == 5
    assert len({r.member_id for r in applied}) == 1
    assert await Purchase.all().count() == 1
    await assert_ledger_consistent()
