"""Points expiry: the scheduler's run, and what a member is about to lose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import MemberNotFound
from bot.domain.ledger import EntryReason, idempotency_key
from bot.domain.ledger_records import LedgerActor
from bot.domain.lots import expire, expiring_before
from bot.services.ledger_core import LedgerCore

MEMBERS_PER_BATCH = 200


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    members: int
    """Members who lost points."""
    lots: int
    points: int


class Expiry(LedgerCore):
    async def expire_points(self, now: datetime) -> ExpiryRun:
        """Expire what is left in every lot past its expiry at `now`.

        - one EXPIRY entry per lot, for the points remaining in it; the lot is emptied;
        - idempotent: the entry's key is `expiry:<lot id>` and an emptied lot is not seen
          again, so a second run (or two runs at once) expires nothing more;
        - one transaction per member, with the member locked, so a purchase or redemption
          running at the same time sees the lots before or after, never half-expired.
        """
        members = lots = points = 0
        seen: set[int] = set()
        while True:
            async with self._uow() as uow:
                batch = await uow.ledger.members_with_expired_lots(now, MEMBERS_PER_BATCH)
            fresh = [member_id for member_id in batch if member_id not in seen]
            if not fresh:
                break
            for member_id in fresh:
                seen.add(member_id)
                expired_lots, expired_points = await self._expire_member(member_id, now)
                members += expired_lots > 0
                lots += expired_lots
                points += expired_points
        return ExpiryRun(members, lots, points)

    async def _expire_member(self, member_id: int, now: datetime) -> tuple[int, int]:
        async with self._uow() as uow:
            if await uow.ledger.lock_account(member_id) is None:
                return 0, 0
            expiring = expire(await uow.ledger.open_lots(member_id), now)
            for lot_id, points in expiring:
                await self._debit(
                    uow,
                    member_id,
                    points,
                    EntryReason.EXPIRY,
                    idempotency_key("expiry", lot_id),
                    LedgerActor.system(),
                    now,
                    first_lot=lot_id,
                )
        return len(expiring), sum(points for _, points in expiring)

    async def points_expiring_before(self, member_id: int, moment: datetime) -> int:
        """Points of the member that will have expired by `moment` (for the reminder, pass
        now + `expiry.remind_days_before`); lots already past expiry but not yet processed
        count too."""
        async with self._uow() as uow:
            if await uow.ledger.account(member_id) is None:
                raise MemberNotFound("member-not-found")
            return expiring_before(await uow.ledger.open_lots(member_id), moment)
