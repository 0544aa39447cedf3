"""The coalition: partners and outlets from the program file, and the settlement between them
(the rule: `bot/domain/coalition.py`, docs/COALITION.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.coalition import Settlement, parse_period, settle
from bot.domain.errors import DomainError, PermissionDenied
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.program import Program
from bot.domain.staff import Actor


class CoalitionNotConfigured(DomainError):
    """The program file names no partner, or its home partner is not in the database yet
    (`python -m bot migrate` or a start-up syncs it)."""

    code = "coalition-not-configured"


class Coalition:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, program: Program) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program
        self._zone = ZoneInfo(program.timezone)

    async def sync(self) -> None:
        """Bring the program file's partners and outlets into the database: new codes are
        created, names (and an outlet's partner) follow the file, nothing is deleted (old
        purchases and API keys point at them). Idempotent; run by `migrate` and at start-up."""
        async with self._uow() as uow:
            await uow.coalition.sync(self._program.partners)

    async def settlement(self, actor: Actor, period: str | None = None) -> Settlement:
        """Points issued and redeemed per partner over `period` and the transfers that settle
        them (`coalition.settle`).

        - owners and managers only (PermissionDenied), whatever chat asked;
        - `period`: empty (the previous calendar month), `YYYY-MM` or
          `YYYY-MM-DD..YYYY-MM-DD`, whole days in the program's time zone (InvalidInput
          `settlement-period` otherwise);
        - CoalitionNotConfigured without a home partner in the file and the database.
        """
        if not actor.can_manage:
            raise PermissionDenied("settlement")
        days = parse_period(period, self._clock.now().astimezone(self._zone).date())
        async with self._uow() as uow:
            partners = await uow.coalition.partners()
            home = next((p for p in partners if p.code == self._program.home_partner), None)
            if home is None:
                raise CoalitionNotConfigured(CoalitionNotConfigured.code)
            totals = await uow.coalition.settlement_totals(
                self._midnight(days.start), self._midnight(days.end)
            )
        return settle(days, self._program.redeem.point_value, partners, home.id, totals)

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self._zone).astimezone(UTC)
