"""Fixtures of the ledger tests: the real `Ledger` service on the test database (SQLite, or
PostgreSQL with TEST_DATABASE_URL), members created as rows, and a few actors."""

from __future__ import annotations

import itertools
import random
from collections.abc import Awaitable, Callable

import pytest
from tortoise import Tortoise

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.core import Staff
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program
from bot.services.ledger import Ledger
from tests.kit.clock import FixedClock
from tests.kit.database import is_postgres

OWNER = LedgerActor.owner(777)
CASHIER = LedgerActor.staff(1)
POS = LedgerActor.pos()

MakeMember = Callable[..., Awaitable[int]]
Give = Callable[[int, int], Awaitable[None]]

_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
async def _cashier_row(database_url: str) -> None:
    """The staff row behind CASHIER (purchases reference their staff member)."""
    await Staff.create(id=1, telegram_id=5001, name="Cashier", role="cashier", code="c1")
    if is_postgres():
        # The id was given, so the sequence did not move: staff hired later would get id 1.
        await Tortoise.get_connection("default").execute_query(
            "SELECT setval(pg_get_serial_sequence('staff', 'id'), 1)"
        )


@pytest.fixture
def ledger(database_url: str, clock: FixedClock, program: Program) -> Ledger:
    seeded = random.Random(20260302)
    return Ledger(tortoise_uow_factory, clock, program, randbytes=seeded.randbytes)


@pytest.fixture
def make_member(database_url: str) -> MakeMember:
    async def make(*, tier: str = "silver", status: str = "active") -> int:
        n = next(_numbers)
        row = await MemberRow.create(
            telegram_id=900_000 + n,
            status=status,
            first_name=f"Member {n}",
            card_code=f"T{n:010d}",
            referral_code=f"R{n:010d}",
            tier_code=tier,
        )
        return int(row.id)

    return make


@pytest.fixture
def give(ledger: Ledger) -> Give:
    """Credit points through the owner's adjustment, so lots and entries stay consistent."""

    async def credit(member_id: int, points: int) -> None:
        await ledger.adjust(OWNER, member_id, points, "test balance", f"give-{next(_numbers)}")

    return credit
