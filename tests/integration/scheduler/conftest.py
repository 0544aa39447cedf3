"""Fixtures of the automation tests: the real services on the test database, members and
purchases planted as rows, and a program with the automations switched on."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Awaitable, Callable
from datetime import date, datetime

import pytest

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.analytics import PurchaseFact
from bot.domain.ledger_records import NewPurchase
from bot.domain.program import Program
from bot.services.automations import Automations
from bot.services.delivery import Delivery
from bot.services.ledger import Ledger
from bot.services.offers import Offers
from tests.kit.clock import FixedClock

_numbers = itertools.count(1)

MakeMember = Callable[..., Awaitable[int]]
Buy = Callable[..., Awaitable[PurchaseFact]]


def with_automation(program: Program, name: str, **settings: object) -> Program:
    config = dataclasses.replace(program.automation(name), enabled=True, **settings)  # type: ignore[arg-type]
    return dataclasses.replace(program, automations={**program.automations, name: config})


@pytest.fixture
def build(database_url: str, clock: FixedClock) -> Callable[[Program], Automations]:
    def make(program: Program) -> Automations:
        ledger = Ledger(tortoise_uow_factory, clock, program)
        delivery = Delivery(tortoise_uow_factory, clock)
        return Automations(tortoise_uow_factory, clock, program, delivery, ledger)

    return make


@pytest.fixture
def offers(database_url: str, clock: FixedClock, program: Program) -> Offers:
    return Offers(tortoise_uow_factory, clock, program)


@pytest.fixture
def make_member(database_url: str) -> MakeMember:
    async def make(
        *, birthday: date | None = None, timezone: str | None = None, status: str = "active"
    ) -> int:
        n = next(_numbers)
        row = await MemberRow.create(
            telegram_id=800_000 + n,
            status=status,
            first_name=f"Member {n}",
            card_code=f"S{n:010d}",
            referral_code=f"Q{n:010d}",
            tier_code="silver",
            birthday=birthday,
            timezone=timezone,
        )
        return int(row.id)

    return make


async def record_purchase(
    member_id: int, at: datetime, amount: int, category: str | None = None
) -> int:
    """A purchase through the purchase repository, as every purchase path writes it (with the
    read models the automations select from); returns its id."""
    async with tortoise_uow_factory() as uow:
        record = await uow.purchases.add(
            NewPurchase(
                member_id=member_id,
                amount=amount,
                points_used=0,
                points_earned=0,
                category=category,
                receipt_no=None,
                outlet_id=None,
                staff_id=None,
                channel="bot",
                idempotency_key=f"plant-{next(_numbers)}",
                request_hash="x",
                created_at=at,
            )
        )
    return record.id


@pytest.fixture
def buy(database_url: str) -> Buy:
    async def purchase(
        member_id: int, at: datetime, amount: int = 30_000, category: str | None = None
    ) -> PurchaseFact:
        await record_purchase(member_id, at, amount, category)
        return PurchaseFact(member_id, amount, at, category)

    return purchase
