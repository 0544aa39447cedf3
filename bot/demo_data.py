"""Demo data for the sandbox: a cashier, and members with some months of purchase history, all
made through the same services the bot uses (so the data obeys every rule of the program)."""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.adapters.db.uow import tortoise_uow_factory
from bot.bootstrap import build_services, card_secret
from bot.config import Settings
from bot.domain.errors import DomainError
from bot.domain.ledger import ActorType
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program
from bot.domain.staff import Actor, Role, StaffRole
from bot.services.membership import Visitor

DEMO_MEMBERS = 24
FIRST_DEMO_ID = 900_001
NAMES = ["Ivan", "Maria", "Pavel", "Elena", "Sergey", "Olga", "Dmitry", "Anna", "Nikita", "Irina"]


@dataclass
class MovableClock:
    current: datetime

    def now(self) -> datetime:
        return self.current


async def seed_demo(
    settings: Settings, program: Program, *, cashier_id: int, owner_id: int, cashier_name: str
) -> bool:
    """Seed once: False when the database already has staff (seeded before)."""
    now = datetime.now(UTC)
    clock = MovableClock(now - timedelta(days=120))
    services = build_services(
        tortoise_uow_factory,
        clock,
        program,
        card_secret=card_secret(settings),
        card_ttl=timedelta(seconds=settings.card_ttl_seconds),
        locales=("ru", "en"),
        owner_ids=[owner_id],
    )
    owner = Actor(owner_id, Role.OWNER)
    if await services.staff.list_staff(owner):
        return False
    invite = await services.staff.create_invite(owner, StaffRole.CASHIER)
    cashier = await services.staff.accept_invite(cashier_id, cashier_name, invite.token)
    as_cashier = LedgerActor(ActorType.STAFF, cashier.id)

    rng = random.Random(20261123)
    sources = [*program.sources, "direct"]
    categories: list[str | None] = [c.code for c in program.categories] or [None]
    for index in range(DEMO_MEMBERS):
        telegram_id = FIRST_DEMO_ID + index
        clock.current = now - timedelta(days=rng.randint(60, 120))
        name = NAMES[index % len(NAMES)]
        source = rng.choice(sources)
        visitor = Visitor(telegram_id, name, None, None, rng.choice(["ru", "ru", "en"]))
        await services.membership.open(visitor, f"src_{source}")
        await services.membership.accept_terms(telegram_id)
        await services.membership.share_phone(telegram_id, telegram_id, f"+7900{telegram_id:07d}")
        await services.membership.confirm_name(telegram_id, None)
        joined = await services.membership.finish_join(telegram_id, None)
        member_id = joined.member.id
        # Some buy weekly, some monthly, a few stopped coming (for the win-back automation).
        gap_days = rng.choice([3, 7, 7, 14, 30])
        stops_after = now - timedelta(days=rng.choice([0, 0, 0, 45]))
        visit = clock.current + timedelta(days=1)
        number = 0
        while visit < stops_after:
            clock.current = visit.replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59))
            amount = rng.randint(150, 2500) * 100
            # A demo purchase the rules refuse (a velocity limit, say) is simply not made.
            with contextlib.suppress(DomainError):
                await services.ledger.record_purchase(
                    member_id,
                    amount,
                    rng.choice(categories),
                    f"demo:{telegram_id}:{number}",
                    as_cashier,
                )
            number += 1
            visit += timedelta(days=gap_days + rng.randint(-1, 2))
    return True
