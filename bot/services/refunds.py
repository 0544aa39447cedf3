"""Refunding a purchase, fully or in parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import NotFound
from bot.domain.ledger import EntryReason
from bot.domain.ledger_records import Account, LedgerActor, NewEntry, NewRefund, PurchaseRecord
from bot.domain.lots import Taken, expires_at_for, plan_return, restore
from bot.domain.ports import UnitOfWork
from bot.domain.rules import refund_reversal
from bot.services.ledger_core import LedgerCore, Operation, covered_by_lots, require_not_member

PURCHASE_NOT_FOUND = "purchase-not-found"


@dataclass(frozen=True, slots=True)
class RefundResult:
    refund_id: int
    purchase_id: int
    member_id: int
    amount: int
    """Refunded by this request, in minor units."""
    refunded_total: int
    """Refunded so far, this request included."""
    points_reversed: int
    """Points earned by the purchase taken back by this refund."""
    points_returned: int
    """Points spent on the purchase given back by this refund."""
    balance: int
    """May be negative: the member spent points this refund takes back."""
    replayed: bool = False


def _trim(plan: list[Taken], points: int) -> list[Taken]:
    """The first `points` of a return plan."""
    trimmed: list[Taken] = []
    for lot_id, give in plan:
        if points <= 0:
            break
        trimmed.append((lot_id, min(give, points)))
        points -= give
    return trimmed


class Refunds(LedgerCore):
    async def refund_purchase(
        self, purchase_id: int, amount: int, idempotency_key: str, actor: LedgerActor
    ) -> RefundResult:
        """Refund `amount` (minor units) of a purchase: the whole rest or a part.

        - by staff, an owner, a POS or the system (PermissionDenied for a member); an unknown
          purchase is NotFound;
        - positive and at most what is not refunded yet (InvalidInput);
        - takes back the earned points and gives back the used points in proportion
          (`rules.refund_reversal`, cumulative: partial refunds adding up to the whole
          reverse exactly what the purchase earned and used);
        - used points go back into the lots they came from while those have not expired,
          otherwise into a new lot with a fresh expiry;
        - earned points are taken from the purchase's own lot first, then oldest expiry
          first; when the member spent them already the balance goes negative, and
          redemptions are blocked (RedemptionBlocked) until purchases bring it back up;
        - the refunded amount leaves the tier spend; a downgrade waits for the recalculation;
        - once per idempotency key (a replay returns the first result).
        """
        require_not_member(actor, "refund")
        async with self._uow() as uow:
            found = await uow.purchases.get(purchase_id)
        if found is None:
            raise NotFound(PURCHASE_NOT_FOUND, reason=PURCHASE_NOT_FOUND)
        request: dict[str, object] = {"purchase_id": purchase_id, "amount": amount}

        async def run(
            uow: UnitOfWork, account: Account, operation: Operation, now: datetime
        ) -> RefundResult:
            # Re-read under the member's lock: an earlier refund may have committed since.
            purchase = await uow.purchases.get(purchase_id)
            assert purchase is not None
            reversal = refund_reversal(
                purchase.amount,
                purchase.points_earned,
                purchase.points_used,
                purchase.refunded_amount,
                purchase.points_earned_reversed,
                purchase.points_used_returned,
                amount,
            )
            refund_id = await uow.purchases.add_refund(
                NewRefund(
                    purchase_id=purchase_id,
                    amount=amount,
                    points_earned_reversed=reversal.earned_to_reverse,
                    points_used_returned=reversal.used_to_return,
                    idempotency_key=operation.key,
                    request_hash=operation.request_hash,
                    created_at=now,
                )
            )
            await uow.purchases.record_refund(
                purchase_id, amount, reversal.earned_to_reverse, reversal.used_to_return
            )
            balance = account.balance
            if reversal.used_to_return:
                balance = await self._return_used(
                    uow, purchase, reversal.used_to_return, operation, actor, now
                )
            if reversal.earned_to_reverse:
                entries = await uow.ledger.entries_of_purchase(purchase_id)
                earn = next((e for e in entries if e.reason is EntryReason.PURCHASE), None)
                own_lot = await uow.ledger.lot_of_entry(earn.id) if earn else None
                entry = await self._debit(
                    uow,
                    purchase.member_id,
                    reversal.earned_to_reverse,
                    EntryReason.REFUND_EARNED,
                    operation.entry_key("earned"),
                    actor,
                    now,
                    allow_negative=True,
                    first_lot=own_lot.id if own_lot else None,
                    purchase_id=purchase_id,
                )
                balance = entry.balance_after
            result = RefundResult(
                refund_id=refund_id,
                purchase_id=purchase_id,
                member_id=purchase.member_id,
                amount=amount,
                refunded_total=purchase.refunded_amount + amount,
                points_reversed=reversal.earned_to_reverse,
                points_returned=reversal.used_to_return,
                balance=balance,
            )
            await self._events.purchase_refunded(
                uow,
                now,
                refund_id=refund_id,
                purchase_id=purchase_id,
                member_id=purchase.member_id,
                amount=amount,
                refunded_total=result.refunded_total,
                points_reversed=result.points_reversed,
                points_returned=result.points_returned,
            )
            return result

        return await self._once(
            "refund", idempotency_key, request, found.member_id, run, RefundResult
        )

    async def _return_used(
        self,
        uow: UnitOfWork,
        purchase: PurchaseRecord,
        points: int,
        operation: Operation,
        actor: LedgerActor,
        now: datetime,
    ) -> int:
        """Give back points the purchase used; the balance after."""
        member_id = purchase.member_id
        entries = await uow.ledger.entries_of_purchase(purchase.id)
        use = next(e for e in entries if e.reason is EntryReason.REDEMPTION)
        taken = [(lot_id, -moved) for lot_id, moved in await uow.ledger.movements(use.id)]
        plan = plan_return(taken, purchase.points_used_returned, points)
        balance = await uow.ledger.change_balance(member_id, points, floor=None)
        assert balance is not None
        entry = await uow.ledger.add_entry(
            NewEntry(
                member_id=member_id,
                amount=points,
                reason=EntryReason.REFUND_USED,
                idempotency_key=operation.entry_key("used"),
                balance_after=balance,
                created_at=now,
                actor=actor,
                purchase_id=purchase.id,
            )
        )
        # The part of the return that pays a debt does not go back into lots.
        returns = _trim(plan, covered_by_lots(balance, points))
        lots = await uow.ledger.lots([lot_id for lot_id, _ in returns])
        restoration = restore(lots, returns, now=now)
        await uow.ledger.move_points(entry.id, list(restoration.into_lots))
        if restoration.new_lot_points:
            expires_at = expires_at_for(self._program.expiry, now)
            await uow.ledger.add_lot(
                member_id, entry.id, restoration.new_lot_points, now, expires_at
            )
        return balance
