"""Spending points on a check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import PermissionDenied
from bot.domain.ledger import ActorType, EntryReason
from bot.domain.ledger_records import Account, LedgerActor
from bot.domain.ports import UnitOfWork
from bot.domain.rules import points_value, validate_purchase_amount, validate_redemption
from bot.services.ledger_core import LedgerCore, Operation, require_active


@dataclass(frozen=True, slots=True)
class RedemptionResult:
    entry_id: int
    member_id: int
    points: int
    discount: int
    """What the points take off the check, in minor units."""
    balance: int
    replayed: bool = False


class Redemptions(LedgerCore):
    async def redeem_points(
        self,
        member_id: int,
        points: int,
        check_amount: int,
        idempotency_key: str,
        actor: LedgerActor,
        outlet_id: int | None = None,
    ) -> RedemptionResult:
        """Spend `points` on a check of `check_amount` (minor units) at the outlet `outlet_id`
        (None: unknown; the settlement counts it for the home partner).

        - an active member; a member may only spend their own points (PermissionDenied);
        - the check is a valid purchase amount; `rules.validate_redemption` in its order:
          positive points, not while the balance is negative (RedemptionBlocked), no more than
          the balance (InsufficientPoints), at least the minimum, at most the share of the
          check (InvalidInput);
        - the balance moves by a guarded UPDATE that never overdraws, whatever runs at once;
        - the points leave the lots that expire first;
        - once per idempotency key (a replay returns the first result).
        """
        if actor.type is ActorType.MEMBER and actor.id != member_id:
            raise PermissionDenied("redeem", reason="not-own-account")
        validate_purchase_amount(self._program, check_amount)
        request: dict[str, object] = {
            "member_id": member_id,
            "points": points,
            "check_amount": check_amount,
        }

        async def run(
            uow: UnitOfWork, account: Account, operation: Operation, now: datetime
        ) -> RedemptionResult:
            require_active(account)
            validate_redemption(self._program, account.balance, check_amount, points)
            entry = await self._debit(
                uow,
                member_id,
                points,
                EntryReason.REDEMPTION,
                operation.entry_key(),
                actor,
                now,
                outlet_id=outlet_id,
            )
            result = RedemptionResult(
                entry_id=entry.id,
                member_id=member_id,
                points=points,
                discount=points_value(self._program, points),
                balance=entry.balance_after,
            )
            await self._events.points_redeemed(
                uow,
                now,
                entry_id=entry.id,
                member_id=member_id,
                points=points,
                discount=result.discount,
                check_amount=check_amount,
            )
            return result

        return await self._once(
            "redemption", idempotency_key, request, member_id, run, RedemptionResult
        )
