"""The points ledger: every use case that moves points, and what a member sees of them.

`Ledger` is the one service the entry points use. Its use cases live one area per module
(purchases, refunds, redemptions, rewards, certificates, expiry, tiers) on the shared machinery
of `ledger_core`; the rules themselves are pure functions in `bot/domain`. docs/LEDGER.md
describes the rules and the concurrency guarantees.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import InvalidInput, MemberNotFound
from bot.domain.ledger import LedgerEntry
from bot.domain.lots import expiring_before
from bot.domain.members import MemberStatus
from bot.services.audit import Audit
from bot.services.certificates import Certificates
from bot.services.expiry import Expiry
from bot.services.purchases import Purchases
from bot.services.redemptions import Redemptions
from bot.services.refunds import Refunds
from bot.services.rewards import Rewards
from bot.services.tiers import Tiers

EXPIRING_SOON = timedelta(days=30)
"""The balance shows the points expiring within this time."""
PAGE_MAX = 100
PAGE_INVALID = "page-invalid"


@dataclass(frozen=True, slots=True)
class BalanceView:
    member_id: int
    balance: int
    """May be negative after a refund of points already spent."""
    tier_code: str
    spend: int
    """Spend over the tier window, less refunds, in minor units."""
    next_tier_code: str | None
    money_to_next_tier: int | None
    """Spend (minor units) the next tier still needs; None at the top tier."""
    expiring_points: int
    expiring_by: datetime
    """`expiring_points` will have expired by this moment (now + 30 days)."""


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: tuple[LedgerEntry, ...]
    """Newest first."""
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.entries) < self.total


class Ledger(Purchases, Refunds, Redemptions, Rewards, Certificates, Expiry, Tiers, Audit):
    async def balance(self, member_id: int) -> BalanceView:
        """The member's balance, tier, progress to the next tier in money, and the points
        that expire within 30 days. A forgotten or unknown member is MemberNotFound."""
        now = self._clock.now()
        async with self._uow() as uow:
            account = await uow.ledger.account(member_id)
            if account is None or account.status is MemberStatus.FORGOTTEN:
                raise MemberNotFound("member-not-found")
            spend = await uow.purchases.spend_since(member_id, self._window_start(now))
            lots = await uow.ledger.open_lots(member_id)
        next_code, to_next = self._progress(account.tier_code, spend)
        expiring_by = now + EXPIRING_SOON
        return BalanceView(
            member_id=member_id,
            balance=account.balance,
            tier_code=account.tier_code,
            spend=spend,
            next_tier_code=next_code,
            money_to_next_tier=to_next,
            expiring_points=expiring_before(lots, expiring_by),
            expiring_by=expiring_by,
        )

    async def history(self, member_id: int, offset: int = 0, limit: int = 10) -> HistoryPage:
        """A page of the member's ledger entries, newest first (0 <= offset, 1..100 a page)."""
        if offset < 0 or not 1 <= limit <= PAGE_MAX:
            raise InvalidInput(PAGE_INVALID, reason=PAGE_INVALID)
        async with self._uow() as uow:
            if await uow.ledger.account(member_id) is None:
                raise MemberNotFound("member-not-found")
            entries = await uow.ledger.entries(member_id, offset, limit)
            total = await uow.ledger.count_entries(member_id)
        return HistoryPage(tuple(entries), total, offset, limit)
