"""Points that do not come from purchases: the program's rewards and the owner's adjustments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.card_token import member_id_from_card_code, parse_card_code
from bot.domain.errors import DomainError, InvalidInput, MemberNotFound
from bot.domain.joining import normalize_phone
from bot.domain.ledger import EntryReason, reward_entry_reason
from bot.domain.ledger_records import Account, LedgerActor
from bot.domain.members import MemberStatus
from bot.domain.ports import UnitOfWork
from bot.domain.program import RewardReason
from bot.services.ledger_core import LedgerCore, Operation, require_active, require_owner

NOTE_REQUIRED = "note-required"
NOTE_MAX_LENGTH = 500
POINTS_INVALID = "adjustment-points-invalid"
ADJUSTMENT_MAX_POINTS = 10_000_000


@dataclass(frozen=True, slots=True)
class RewardResult:
    member_id: int
    reason: str
    """A `RewardReason` value."""
    points: int
    """Credited; 0 when the program gives nothing for this reason."""
    balance: int
    entry_id: int | None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class AdjustmentResult:
    entry_id: int
    member_id: int
    points: int
    balance: int
    replayed: bool = False


class Rewards(LedgerCore):
    async def grant_reward(
        self,
        member_id: int,
        reason: RewardReason,
        idempotency_key: str,
        actor: LedgerActor,
        points: int | None = None,
        *,
        within: Callable[[UnitOfWork], Awaitable[None]] | None = None,
    ) -> RewardResult:
        """Credit a non-purchase reward (welcome, birthday, survey, referral, channel).

        - an active member;
        - the amount is the program's for the reason (`[rewards]`), unless the caller names
          it from the program (a survey's own `points`); 0 credits nothing;
        - paid once per idempotency key (e.g. `welcome:<member id>`, `birthday:<id>:<year>`):
          the same key again returns the first result; the key with another member or reason
          is IdempotencyConflict;
        - the points expire like earned points;
        - `within`, when given, is the step that earns the reward (completing a survey): it
          runs first in the reward's own transaction, with the member locked, so the step and
          its reward commit together or not at all; an exception from it pays nothing. A
          replay (the key was paid before) does not run it.
        """
        reason = RewardReason(reason)
        request: dict[str, object] = {"member_id": member_id, "reason": reason.value}
        if points is not None:
            request["points"] = points
        amount = self._program.reward(reason) if points is None else points

        async def run(
            uow: UnitOfWork, account: Account, operation: Operation, now: datetime
        ) -> RewardResult:
            require_active(account)
            if within is not None:
                await within(uow)
            if amount <= 0:
                return RewardResult(member_id, reason.value, 0, account.balance, None)
            entry = await self._credit(
                uow,
                member_id,
                amount,
                reward_entry_reason(reason),
                operation.entry_key(),
                actor,
                now,
            )
            return RewardResult(member_id, reason.value, amount, entry.balance_after, entry.id)

        return await self._once("reward", idempotency_key, request, member_id, run, RewardResult)

    async def grant_offer_bonus(
        self, member_id: int, points: int, idempotency_key: str, actor: LedgerActor
    ) -> RewardResult:
        """Credit the bonus points of an offer coupon redeemed at the till.

        - an active member; the points are positive (InvalidInput);
        - once per idempotency key (`coupon:<id>`): the same key again returns the first
          result; the points expire like earned points.
        """
        if points <= 0:
            raise InvalidInput(POINTS_INVALID, reason=POINTS_INVALID)
        request: dict[str, object] = {"member_id": member_id, "points": points}

        async def run(
            uow: UnitOfWork, account: Account, operation: Operation, now: datetime
        ) -> RewardResult:
            require_active(account)
            entry = await self._credit(
                uow, member_id, points, EntryReason.OFFER, operation.entry_key(), actor, now
            )
            return RewardResult(
                member_id, EntryReason.OFFER.value, points, entry.balance_after, entry.id
            )

        return await self._once("offer", idempotency_key, request, member_id, run, RewardResult)

    async def adjust(
        self,
        actor: LedgerActor,
        member_id: int,
        points: int,
        note: str,
        idempotency_key: str,
    ) -> AdjustmentResult:
        """A manual correction of a member's points by the owner.

        - owners only (PermissionDenied for anyone else, checked before anything);
        - a note saying why is mandatory (InvalidInput `note-required`), at most 500
          characters; the points are not 0;
        - a credit adds a lot that expires like earned points (and pays a debt first);
        - a debit never takes the balance below 0 (InsufficientPoints);
        - a forgotten member cannot be adjusted (MemberNotFound);
        - once per idempotency key.
        """
        require_owner(actor, "adjust")
        note = note.strip()
        if not note:
            raise InvalidInput(NOTE_REQUIRED, reason=NOTE_REQUIRED)
        if len(note) > NOTE_MAX_LENGTH:
            raise InvalidInput(NOTE_REQUIRED, reason="note-too-long", max_length=NOTE_MAX_LENGTH)
        if points == 0 or abs(points) > ADJUSTMENT_MAX_POINTS:
            raise InvalidInput(POINTS_INVALID, reason=POINTS_INVALID)
        request: dict[str, object] = {"member_id": member_id, "points": points, "note": note}

        async def run(
            uow: UnitOfWork, account: Account, operation: Operation, now: datetime
        ) -> AdjustmentResult:
            if account.status is MemberStatus.FORGOTTEN:
                raise MemberNotFound("member-not-found")
            key = operation.entry_key()
            reason = EntryReason.ADJUSTMENT
            if points > 0:
                entry = await self._credit(
                    uow, member_id, points, reason, key, actor, now, note=note
                )
            else:
                entry = await self._debit(
                    uow, member_id, -points, reason, key, actor, now, note=note
                )
            return AdjustmentResult(entry.id, member_id, points, entry.balance_after)

        return await self._once(
            "adjustment", idempotency_key, request, member_id, run, AdjustmentResult
        )

    async def adjust_member(
        self,
        actor: LedgerActor,
        lookup: str,
        points: int,
        note: str,
        idempotency_key: str,
    ) -> AdjustmentResult:
        """`adjust` for the member an owner names by card code or phone, as typed.

        - owners only, checked before the member is looked up (nobody else learns who is a
          member);
        - the card code is read like at the till (spaces and dashes ignored, the check digit
          verified), a phone is normalized like a shared contact; an unknown, malformed or
          forgotten member is MemberNotFound.
        """
        require_owner(actor, "adjust")
        member_id = await self._find_member(lookup)
        return await self.adjust(actor, member_id, points, note, idempotency_key)

    async def _find_member(self, lookup: str) -> int:
        async with self._uow() as uow:
            member_id: int | None
            if parse_card_code(lookup) is not None and self._card_secret is not None:
                member_id = member_id_from_card_code(lookup, self._card_secret)
            else:
                try:
                    member_id = await uow.members.phone_owner(normalize_phone(lookup))
                except DomainError:
                    member_id = None
            account = await uow.ledger.account(member_id) if member_id else None
        if account is None or account.status is MemberStatus.FORGOTTEN:
            raise MemberNotFound("member-not-found")
        return account.member_id
