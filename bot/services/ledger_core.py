"""The machinery every ledger use case shares: the idempotent unit of work, credits and debits
that keep the balance, the entries and the lots in step, tiers and progress.

The invariants (checked by tests/integration/ledger/invariants.py):
- a member's balance is the sum of their entries, and every entry's `balance_after` is the
  running sum at that entry;
- the member's lots hold `max(balance, 0)` points in total: a credit while the balance is
  negative first pays the debt (its lot keeps only the rest), a debit into the negative
  empties the lots;
- for every lot, `remaining = amount + the sum of its movements` and `0 <= remaining <= amount`.

Concurrency: each operation locks the member's row first (`LedgerRepository.lock_account`),
so one member's changes happen one transaction at a time on PostgreSQL (SQLite runs one
transaction at a time anyway); the balance itself moves only through a guarded UPDATE, which
refuses to overdraw even if a caller forgot the lock. See docs/LEDGER.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, TypeVar

from bot.domain.errors import (
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    JoinRequired,
    MemberNotFound,
    PermissionDenied,
)
from bot.domain.ledger import ActorType, EntryReason, LedgerEntry, idempotency_key
from bot.domain.ledger_records import Account, LedgerActor, NewEntry, StoredOperation
from bot.domain.lots import Lot, Taken, consume_fifo, expires_at_for
from bot.domain.members import MemberStatus
from bot.domain.ports import Clock, KeyTaken, UnitOfWork, UnitOfWorkFactory
from bot.domain.program import Program
from bot.domain.rules import next_tier, tier_change
from bot.services.events import EventLog

CLIENT_KEY_MAX_LENGTH = 128
"""The longest idempotency key a client may send (ours are derived from it, ≤ 160)."""
KEY_INVALID = "idempotency-key-invalid"
"""`InvalidInput` reason: an empty, too long or non-printable idempotency key."""

TIER_REASON_PURCHASE = "purchase"
TIER_REASON_RECALCULATION = "recalculation"


class OperationResult(Protocol):
    """A use case's result: a flat frozen dataclass of ints, strs, bools and None, with the
    member it concerns and a `replayed` flag."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def member_id(self) -> int: ...


R = TypeVar("R", bound=OperationResult)


@dataclass(frozen=True, slots=True)
class Operation:
    """An idempotent request as stored: `key` is the client's key scoped by the kind of
    operation (a purchase and a redemption may use the same client key)."""

    kind: str
    client_key: str
    key: str
    request_hash: str

    def entry_key(self, *parts: str | int) -> str:
        return idempotency_key(self.kind, self.client_key, *parts)


def request_hash(request: Mapping[str, object]) -> str:
    """A stable digest of a request's fields (ints, strs, None), to tell a replay of the same
    request from another request with the same key."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _as_dict(result: OperationResult) -> dict[str, object]:
    # A flat dataclass: cheaper than `asdict`, which deep-copies every value.
    return {field.name: getattr(result, field.name) for field in fields(result)}


def check_client_key(key: str) -> str:
    """An idempotency key as a client sent it: 1..128 printable characters."""
    if not 0 < len(key) <= CLIENT_KEY_MAX_LENGTH or not key.isprintable() or key.strip() != key:
        raise InvalidInput(KEY_INVALID, reason=KEY_INVALID)
    return key


def require_owner(actor: LedgerActor, action: str) -> None:
    if actor.type is not ActorType.OWNER:
        raise PermissionDenied(action, reason="owner-only")


def require_not_member(actor: LedgerActor, action: str) -> None:
    """Purchases and refunds are recorded by staff, owners, a POS or the system."""
    if actor.type is ActorType.MEMBER:
        raise PermissionDenied(action, reason="staff-only")


def require_active(account: Account) -> None:
    if account.status is MemberStatus.FORGOTTEN:
        raise MemberNotFound("member-not-found")
    if account.status is not MemberStatus.ACTIVE:
        raise JoinRequired("join-required")


def covered_by_lots(balance_after: int, credit: int) -> int:
    """The part of a credit that goes into lots: lots hold max(balance, 0), so a credit that
    lands on a negative balance first pays the debt."""
    return max(0, balance_after) - max(0, balance_after - credit)


def _take(lots: Sequence[Lot], points: int, first_lot: int | None) -> list[Taken]:
    """FIFO consumption, optionally emptying one lot first (the purchase's own lot when its
    earned points are reversed; the expiring lot itself)."""
    taken: list[Taken] = []
    rest = list(lots)
    if first_lot is not None:
        for index, lot in enumerate(rest):
            if lot.id == first_lot and lot.remaining > 0:
                take = min(lot.remaining, points)
                taken.append((lot.id, take))
                points -= take
                rest[index] = replace(lot, remaining=lot.remaining - take)
    return taken + consume_fifo(rest, points)


class LedgerCore:
    """The base of the ledger use cases: their dependencies and shared steps."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        program: Program,
        *,
        randbytes: Callable[[int], bytes] | None = None,
        card_secret: bytes | None = None,
        events: EventLog | None = None,
    ) -> None:
        self._uow = uow
        self._events = events or EventLog()
        """Webhook events, written in the same unit of work as the change they report."""
        self._clock = clock
        self._program = program
        self._randbytes = randbytes
        self._card_secret = card_secret
        """The key of card codes, for finding a member by the code staff or an owner typed."""

    # --- idempotency ------------------------------------------------------------------------

    async def _once(
        self,
        kind: str,
        client_key: str,
        request: Mapping[str, object],
        member_id: int,
        run: Callable[[UnitOfWork, Account, Operation, datetime], Awaitable[R]],
        load: Callable[..., R],
    ) -> R:
        """Run `run` once per key, in one transaction, with the member's account locked.

        - the same key and the same request again: the first result, `replayed=True`;
        - the same key with another request: IdempotencyConflict, nothing changes;
        - two requests with the same key at once: the member lock makes the second wait and
          then see the first's result; if they name different members, the second's INSERT
          of the key fails (KeyTaken), and its retry, in a new transaction, finds the first.
        """
        check_client_key(client_key)
        operation = Operation(
            kind=kind,
            client_key=client_key,
            key=idempotency_key(kind, client_key),
            request_hash=request_hash(request),
        )
        now = self._clock.now()
        for attempt in (1, 2):
            try:
                async with self._uow() as uow:
                    account = await uow.ledger.lock_account(member_id)
                    if account is None:
                        raise MemberNotFound("member-not-found")
                    stored = await uow.ledger.operation(operation.key)
                    if stored is not None:
                        if stored.request_hash != operation.request_hash:
                            raise IdempotencyConflict(kind, key=client_key)
                        return load(**{**stored.result, "replayed": True})
                    result = await run(uow, account, operation, now)
                    await uow.ledger.add_operation(
                        StoredOperation(
                            key=operation.key,
                            kind=kind,
                            member_id=member_id,
                            request_hash=operation.request_hash,
                            result=_as_dict(result),
                        ),
                        now,
                    )
                    return result
            except KeyTaken:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    # --- moving points ----------------------------------------------------------------------

    async def _credit(
        self,
        uow: UnitOfWork,
        member_id: int,
        points: int,
        reason: EntryReason,
        key: str,
        actor: LedgerActor,
        now: datetime,
        *,
        purchase_id: int | None = None,
        note: str | None = None,
    ) -> LedgerEntry:
        """Add points: the balance, an entry, and a lot expiring per the program."""
        balance = await uow.ledger.change_balance(member_id, points, floor=None)
        assert balance is not None
        entry = await uow.ledger.add_entry(
            NewEntry(member_id, points, reason, key, balance, now, actor, note, purchase_id)
        )
        expires_at = expires_at_for(self._program.expiry, now)
        lot = await uow.ledger.add_lot(member_id, entry.id, points, now, expires_at)
        absorbed = points - covered_by_lots(balance, points)
        if absorbed:
            await uow.ledger.move_points(entry.id, [(lot.id, -absorbed)])
        return entry

    async def _debit(
        self,
        uow: UnitOfWork,
        member_id: int,
        points: int,
        reason: EntryReason,
        key: str,
        actor: LedgerActor,
        now: datetime,
        *,
        allow_negative: bool = False,
        first_lot: int | None = None,
        purchase_id: int | None = None,
        note: str | None = None,
        outlet_id: int | None = None,
    ) -> LedgerEntry:
        """Take points: the guarded balance update, an entry, and the lots, oldest expiry first.

        - without `allow_negative`, InsufficientPoints when the balance is short (the guard);
        - with it (a refund's reversal), the balance may go below 0: the lots are emptied and
          the rest is a debt that later credits pay first.
        """
        balance = await uow.ledger.change_balance(
            member_id, -points, floor=None if allow_negative else 0
        )
        if balance is None:
            raise InsufficientPoints(points=points)
        entry = await uow.ledger.add_entry(
            NewEntry(
                member_id, -points, reason, key, balance, now, actor, note, purchase_id, outlet_id
            )
        )
        from_lots = max(0, balance + points) - max(0, balance)
        if from_lots:
            lots = await uow.ledger.open_lots(member_id)
            taken = _take(lots, from_lots, first_lot)
            await uow.ledger.move_points(entry.id, [(lot_id, -n) for lot_id, n in taken])
        return entry

    # --- tiers ------------------------------------------------------------------------------

    def _window_start(self, now: datetime) -> datetime:
        return now - timedelta(days=self._program.tiers.window_days)

    async def _retier(
        self, uow: UnitOfWork, account: Account, now: datetime, *, allow_downgrade: bool
    ) -> tuple[str, int]:
        """Move the member to the tier their spend over the window earns (an upgrade at
        once; a downgrade only when allowed), recording a TierChange. The tier and spend."""
        spend = await uow.purchases.spend_since(account.member_id, self._window_start(now))
        new = tier_change(self._program, account.tier_code, spend, allow_downgrade=allow_downgrade)
        if new is None:
            return account.tier_code, spend
        await uow.ledger.set_tier(account.member_id, new)
        reason = TIER_REASON_RECALCULATION if allow_downgrade else TIER_REASON_PURCHASE
        await uow.ledger.add_tier_change(account.member_id, account.tier_code, new, reason, now)
        return new, spend

    def _progress(self, tier_code: str, spend: int) -> tuple[str | None, int | None]:
        """The next tier above the member's and the spend it still needs (None at the top)."""
        upper = next_tier(self._program, tier_code)
        if upper is None:
            return None, None
        return upper.code, max(0, upper.threshold - spend)

    def _is_upgrade(self, old: str, new: str) -> bool:
        levels = [tier.code for tier in self._program.tiers.levels]
        return old in levels and new in levels and levels.index(new) > levels.index(old)
