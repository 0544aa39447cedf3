"""The unit of work over tortoise: one transaction, the repositories bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from tortoise.transactions import in_transaction

from bot.adapters.db.api_keys import TortoiseApiKeys
from bot.adapters.db.broadcasts import TortoiseBroadcasts
from bot.adapters.db.coalition import TortoiseCoalition
from bot.adapters.db.events import TortoiseEventOutbox
from bot.adapters.db.ledger_repository import (
    TortoiseCertificateRepository,
    TortoiseLedgerRepository,
    TortoisePurchaseRepository,
)
from bot.adapters.db.offers import TortoiseOffers
from bot.adapters.db.outbox import TortoiseOutbox
from bot.adapters.db.reports import SqlReports
from bot.adapters.db.repositories import TortoiseMemberRepository, TortoiseUpdateLog
from bot.adapters.db.segments import SqlSegments
from bot.adapters.db.staff_repository import TortoiseStaffRepository
from bot.adapters.db.surveys import TortoiseReferrals, TortoiseSurveys


class TortoiseUnitOfWork:
    members: TortoiseMemberRepository
    updates: TortoiseUpdateLog
    outbox: TortoiseOutbox
    ledger: TortoiseLedgerRepository
    purchases: TortoisePurchaseRepository
    certificates: TortoiseCertificateRepository
    staff: TortoiseStaffRepository
    offers: TortoiseOffers
    segments: SqlSegments
    surveys: TortoiseSurveys
    referrals: TortoiseReferrals
    broadcasts: TortoiseBroadcasts
    reports: SqlReports
    api_keys: TortoiseApiKeys
    coalition: TortoiseCoalition
    events: TortoiseEventOutbox

    def __init__(self) -> None:
        self._context: Any = None

    async def __aenter__(self) -> Self:
        self._context = in_transaction("default")
        connection = await self._context.__aenter__()
        self.members = TortoiseMemberRepository(connection)
        self.updates = TortoiseUpdateLog(connection)
        self.outbox = TortoiseOutbox(connection)
        self.ledger = TortoiseLedgerRepository(connection)
        self.purchases = TortoisePurchaseRepository(connection)
        self.certificates = TortoiseCertificateRepository(connection)
        self.staff = TortoiseStaffRepository(connection)
        self.offers = TortoiseOffers(connection)
        self.segments = SqlSegments(connection)
        self.surveys = TortoiseSurveys(connection)
        self.referrals = TortoiseReferrals(connection)
        self.broadcasts = TortoiseBroadcasts(connection)
        self.reports = SqlReports(connection)
        self.api_keys = TortoiseApiKeys(connection)
        self.coalition = TortoiseCoalition(connection)
        self.events = TortoiseEventOutbox(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # tortoise commits on a clean exit and rolls back when an exception passes through.
        context, self._context = self._context, None
        await context.__aexit__(exc_type, exc, tb)


def tortoise_uow_factory() -> TortoiseUnitOfWork:
    return TortoiseUnitOfWork()
