"""Non-purchase rewards (once per key) and the owner's adjustments."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    PermissionDenied,
)
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program, RewardReason
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, OWNER, MakeMember
from tests.integration.ledger.invariants import assert_ledger_consistent
from tests.kit.clock import FixedClock


@pytest.mark.parametrize(
    ("reason", "points"),
    [
        (RewardReason.WELCOME, 100),
        (RewardReason.BIRTHDAY, 300),
        (RewardReason.SURVEY, 50),
        (RewardReason.REFERRAL_REFERRER, 200),
        (RewardReason.REFERRAL_FRIEND, 100),
        (RewardReason.CHANNEL_JOIN, 50),
    ],
)
async def test_reward_pays_the_program_amount_once_per_key(
    ledger: Ledger, make_member: MakeMember, reason: RewardReason, points: int
) -> None:
    member = await make_member()
    system = LedgerActor.system()

    first = await ledger.grant_reward(member, reason, f"{reason}:{member}", system)
    again = await ledger.grant_reward(member, reason, f"{reason}:{member}", system)

    assert (first.points, first.balance, again.replayed) == (points, points, True)
    entries = await LedgerEntry.filter(member_id=member).values_list("reason", "amount")
    assert entries == [(reason.value, points)]


async def test_another_key_pays_again_and_a_reused_key_is_a_conflict(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()
    system = LedgerActor.system()

    await ledger.grant_reward(member, RewardReason.BIRTHDAY, "birthday:2026", system)
    later = await ledger.grant_reward(member, RewardReason.BIRTHDAY, "birthday:2027", system)
    with pytest.raises(IdempotencyConflict):
        await ledger.grant_reward(member, RewardReason.SURVEY, "birthday:2027", system)

    assert later.balance == 600


async def test_a_reward_the_program_does_not_give_credits_nothing(
    database_url: str, program: Program, clock: FixedClock, make_member: MakeMember
) -> None:
    member = await make_member()
    stingy = Ledger(tortoise_uow_factory, clock, replace(program, rewards={}))

    result = await stingy.grant_reward(member, RewardReason.WELCOME, "w", LedgerActor.system())

    assert (result.points, result.entry_id) == (0, None)
    assert await LedgerEntry.all().count() == 0


async def test_adjustment_needs_the_owner(ledger: Ledger, make_member: MakeMember) -> None:
    member = await make_member()

    for actor in (CASHIER, LedgerActor.member(member), LedgerActor.system()):
        with pytest.raises(PermissionDenied):
            await ledger.adjust(actor, member, 100, "goodwill", "a1")

    assert await LedgerEntry.all().count() == 0


@pytest.mark.parametrize("note", ["", "   ", "x" * 501])
async def test_adjustment_needs_a_note(ledger: Ledger, make_member: MakeMember, note: str) -> None:
    member = await make_member()

    with pytest.raises(InvalidInput):
        await ledger.adjust(OWNER, member, 100, note, "a1")


async def test_adjustment_credits_and_debits_with_the_note(
    ledger: Ledger, make_member: MakeMember
) -> None:
    member = await make_member()

    await ledger.adjust(OWNER, member, 100, "goodwill: cold coffee", "a1")
    debit = await ledger.adjust(OWNER, member, -40, "double credit on 2 March", "a2")
    with pytest.raises(InsufficientPoints):
        await ledger.adjust(OWNER, member, -61, "too much", "a3")

    assert debit.balance == 60
    entries = (
        await LedgerEntry.filter(member_id=member)
        .order_by("id")
        .values_list("amount", "note", "actor_type", "actor_id")
    )
    assert entries == [
        (100, "goodwill: cold coffee", "owner", 777),
        (-40, "double credit on 2 March", "owner", 777),
    ]
    await assert_ledger_consistent()
