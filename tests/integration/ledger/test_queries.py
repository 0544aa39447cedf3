"""What a member sees: the balance with tier progress and expiring points, and the history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.errors import InvalidInput, MemberNotFound
from bot.domain.ledger import EntryReason
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import RewardReason
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, MakeMember
from tests.kit.clock import FixedClock


async def test_balance_shows_tier_progress_and_points_expiring_within_30_days(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    await ledger.record_purchase(member, 4_000_00, "food", "p1", CASHIER)  # 120 points
    clock.advance(days=340)
    await ledger.record_purchase(member, 1_000_00, "food", "p2", CASHIER)  # 30 points

    view = await ledger.balance(member)

    assert (view.balance, view.tier_code, view.spend) == (150, "silver", 5_000_00)
    assert (view.next_tier_code, view.money_to_next_tier) == ("gold", 10_000_00)
    assert view.expiring_points == 120  # the first lot expires in 25 days
    assert view.expiring_by == clock.now() + timedelta(days=30)


async def test_history_pages_newest_first(
    ledger: Ledger, make_member: MakeMember, clock: FixedClock
) -> None:
    member = await make_member()
    await ledger.grant_reward(member, RewardReason.WELCOME, "w", LedgerActor.system())
    for i in range(4):
        clock.advance(hours=1)
        await ledger.record_purchase(member, 1_000_00, "food", f"p{i}", CASHIER)

    first = await ledger.history(member, 0, 3)
    rest = await ledger.history(member, 3, 3)

    assert (first.total, first.has_more, rest.has_more) == (5, True, False)
    assert [e.balance_after for e in first.entries] == [220, 190, 160]
    assert [e.reason for e in rest.entries] == [EntryReason.PURCHASE, EntryReason.WELCOME]


async def test_queries_refuse_bad_pages_and_unknown_members(ledger: Ledger) -> None:
    with pytest.raises(InvalidInput):
        await ledger.history(1, 0, 0)
    with pytest.raises(MemberNotFound):
        await ledger.history(12345)
    with pytest.raises(MemberNotFound):
        await ledger.balance(12345)
