"""The ledger's repositories on tortoise: accounts, entries, lots, operations, purchases,
certificates. Rows in, domain dataclasses out; they never commit.

A unique violation on an idempotency key (or a certificate digest) becomes `KeyTaken`; any other
integrity error (a foreign key, say) is left as it is.

The statements every accrual sends (the member lock, the idempotency lookup, the guarded balance
update, the purchase, entry, lot and operation inserts, the tier spend) are plain SQL: building
them with tortoise's query builder cost more CPU than the database spent on them
(docs/PERFORMANCE.md, Ledger), and `UPDATE ... RETURNING` saves the balance's re-read. Both
dialects take the same SQL but for the placeholders (`?` here, `$n` on PostgreSQL) and the row
lock, which SQLite does not have. Datetimes go in as they do through tortoise (SQLite: the
adapter tortoise registers, ISO text; PostgreSQL: timestamptz).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Sum
from tortoise.models import Model

from bot.adapters.db.models.certificates import Certificate, CertificateAttempt
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.core import Outlet
from bot.adapters.db.models.ledger import LedgerEntry as EntryRow
from bot.adapters.db.models.ledger import PointLot, Purchase, Refund, TierChange
from bot.adapters.db.models.ledger_ops import LotMovement
from bot.adapters.db.segments import SqlSegments
from bot.domain.ledger import ActorType, EntryReason, LedgerEntry
from bot.domain.ledger_audit import AuditBatch, AuditedEntry, AuditedLot
from bot.domain.ledger_records import (
    Account,
    CertificateRecord,
    NewEntry,
    NewPurchase,
    NewRefund,
    PurchaseRecord,
    StoredOperation,
)
from bot.domain.lots import Lot, Taken
from bot.domain.members import MemberStatus
from bot.domain.ports import KeyTaken

UNIQUE_VIOLATION = "23505"
"""PostgreSQL's SQLSTATE for a unique violation."""


def _is_unique_violation(exc: IntegrityError) -> bool:
    for cause in (*exc.args, exc.__cause__):
        if getattr(cause, "sqlstate", None) == UNIQUE_VIOLATION:
            return True
        if isinstance(cause, sqlite3.IntegrityError) and "UNIQUE" in str(cause):
            return True
    return False


async def _create_unique(connection: Any, model: type[Model], **values: Any) -> Any:
    """Insert a row whose unique key may be taken by a concurrent request.

    No savepoint: on a unique violation the whole unit of work is retried (see KeyTaken), so
    a PostgreSQL transaction aborted by the failed INSERT is only ever rolled back."""
    try:
        return await model.create(using_db=connection, **values)
    except IntegrityError as exc:
        if _is_unique_violation(exc):
            raise KeyTaken(model.__name__) from exc
        raise


_PLACEHOLDER = re.compile(r"\?")


class _Sql:
    """Plain statements on the unit of work's connection, in its dialect."""

    def __init__(self, connection: Any) -> None:
        self._db = connection
        self.postgres = connection.capabilities.dialect == "postgres"

    def _text(self, query: str) -> str:
        if not self.postgres:
            return query
        numbers = iter(range(1, query.count("?") + 1))
        return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", query)

    async def rows(self, query: str, *values: Any) -> list[dict[str, Any]]:
        return list(await self._db.execute_query_dict(self._text(query), list(values)))

    async def insert(self, query: str, *values: Any) -> int:
        """An INSERT ... RETURNING id; KeyTaken on a unique violation."""
        try:
            [row] = await self.rows(query + " RETURNING id", *values)
        except IntegrityError as exc:
            if _is_unique_violation(exc):
                raise KeyTaken(query.split()[2]) from exc
            raise
        return int(row["id"])


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _entry(row: EntryRow) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        member_id=row.member_id,  # type: ignore[attr-defined]
        amount=row.amount,
        reason=EntryReason(row.reason),
        idempotency_key=row.idempotency_key,
        balance_after=row.balance_after,
        created_at=row.created_at,
        actor_type=ActorType(row.actor_type),
        actor_id=row.actor_id,
        note=row.note,
        purchase_id=row.purchase_id,  # type: ignore[attr-defined]
    )


def _lot(row: PointLot) -> Lot:
    return Lot(
        id=row.id,
        amount=row.amount,
        remaining=row.remaining,
        earned_at=row.earned_at,
        expires_at=row.expires_at,
    )


def _purchase(row: Purchase) -> PurchaseRecord:
    return PurchaseRecord(
        id=row.id,
        member_id=row.member_id,  # type: ignore[attr-defined]
        amount=row.amount,
        points_used=row.points_used,
        points_earned=row.points_earned,
        refunded_amount=row.refunded_amount,
        points_earned_reversed=row.points_earned_reversed,
        points_used_returned=row.points_used_returned,
        created_at=row.created_at,
    )


_ACCOUNT_FIELDS = ("id", "status", "balance", "tier_code", "referred_by_id")


def _account(row: MemberRow) -> Account:
    return Account(
        member_id=row.id,
        status=MemberStatus(row.status),
        balance=row.balance,
        tier_code=row.tier_code,
        referred_by=row.referred_by_id,  # type: ignore[attr-defined]
    )


class TortoiseLedgerRepository:
    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._sql = _Sql(connection)

    # --- accounts -----------------------------------------------------------------------------

    async def lock_account(self, member_id: int) -> Account | None:
        # FOR NO KEY UPDATE: blocks other ledger writers of this member until commit, but not
        # inserts elsewhere that only reference the member (outbox rows, scans). SQLite has no
        # row locks; tortoise serializes its transactions on its single connection instead.
        lock = " FOR NO KEY UPDATE" if self._sql.postgres else ""
        rows = await self._sql.rows(
            "SELECT id, status, balance, tier_code, referred_by_id FROM members"
            f" WHERE id = ?{lock}",
            member_id,
        )
        if not rows:
            return None
        row = rows[0]
        return Account(
            member_id=int(row["id"]),
            status=MemberStatus(row["status"]),
            balance=int(row["balance"]),
            tier_code=str(row["tier_code"]),
            referred_by=row["referred_by_id"],
        )

    async def account(self, member_id: int) -> Account | None:
        row = await MemberRow.filter(id=member_id).using_db(self._db).only(*_ACCOUNT_FIELDS).first()
        return _account(row) if row else None

    async def change_balance(self, member_id: int, delta: int, *, floor: int | None) -> int | None:
        # One statement: the guard and the new balance (no re-read).
        guard, values = ("", [delta, member_id])
        if floor is not None:
            guard, values = (" AND balance >= ?", [*values, floor - delta])
        rows = await self._sql.rows(
            f"UPDATE members SET balance = balance + ? WHERE id = ?{guard} RETURNING balance",
            *values,
        )
        return int(rows[0]["balance"]) if rows else None

    async def set_tier(self, member_id: int, tier_code: str) -> None:
        await MemberRow.filter(id=member_id).using_db(self._db).update(tier_code=tier_code)

    async def add_tier_change(
        self, member_id: int, from_tier: str, to_tier: str, reason: str, now: datetime
    ) -> None:
        await TierChange.create(
            using_db=self._db,
            member_id=member_id,
            from_tier=from_tier,
            to_tier=to_tier,
            reason=reason,
            created_at=now,
        )

    # --- entries ------------------------------------------------------------------------------

    async def add_entry(self, entry: NewEntry) -> LedgerEntry:
        entry_id = await self._sql.insert(
            "INSERT INTO ledger_entries (member_id, amount, reason, actor_type, actor_id, "
            "idempotency_key, balance_after, purchase_id, note, created_at, outlet_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entry.member_id,
            entry.amount,
            entry.reason.value,
            entry.actor.type.value,
            entry.actor.id,
            entry.idempotency_key,
            entry.balance_after,
            entry.purchase_id,
            entry.note,
            entry.created_at,
            entry.outlet_id,
        )
        return LedgerEntry(
            id=entry_id,
            member_id=entry.member_id,
            amount=entry.amount,
            reason=entry.reason,
            idempotency_key=entry.idempotency_key,
            balance_after=entry.balance_after,
            created_at=entry.created_at,
            actor_type=entry.actor.type,
            actor_id=entry.actor.id,
            note=entry.note,
            purchase_id=entry.purchase_id,
        )

    async def entries(self, member_id: int, offset: int, limit: int) -> list[LedgerEntry]:
        rows = (
            await EntryRow.filter(member_id=member_id)
            .using_db(self._db)
            .order_by("-created_at", "-id")
            .offset(offset)
            .limit(limit)
        )
        return [_entry(row) for row in rows]

    async def count_entries(self, member_id: int) -> int:
        return int(await EntryRow.filter(member_id=member_id).using_db(self._db).count())

    async def entries_of_purchase(self, purchase_id: int) -> list[LedgerEntry]:
        rows = await EntryRow.filter(purchase_id=purchase_id).using_db(self._db).order_by("id")
        return [_entry(row) for row in rows]

    # --- lots ---------------------------------------------------------------------------------

    async def add_lot(
        self,
        member_id: int,
        entry_id: int,
        points: int,
        earned_at: datetime,
        expires_at: datetime | None,
    ) -> Lot:
        lot_id = await self._sql.insert(
            "INSERT INTO point_lots (member_id, entry_id, amount, remaining, earned_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            member_id,
            entry_id,
            points,
            points,
            earned_at,
            expires_at,
        )
        return Lot(
            id=lot_id, amount=points, remaining=points, earned_at=earned_at, expires_at=expires_at
        )

    async def open_lots(self, member_id: int) -> list[Lot]:
        rows = await PointLot.filter(member_id=member_id, remaining__gt=0).using_db(self._db)
        return [_lot(row) for row in rows]

    async def lots(self, lot_ids: Sequence[int]) -> list[Lot]:
        if not lot_ids:
            return []
        rows = await PointLot.filter(id__in=list(lot_ids)).using_db(self._db)
        return [_lot(row) for row in rows]

    async def lot_of_entry(self, entry_id: int) -> Lot | None:
        row = await PointLot.filter(entry_id=entry_id).using_db(self._db).order_by("id").first()
        return _lot(row) if row else None

    async def move_points(self, entry_id: int, moves: Sequence[Taken]) -> None:
        for lot_id, points in moves:
            # Guarded like the balance: a lot never goes below 0 or above its amount.
            changed = (
                await PointLot.filter(
                    id=lot_id, remaining__gte=-points, amount__gte=F("remaining") + points
                )
                .using_db(self._db)
                .update(remaining=F("remaining") + points)
            )
            if not changed:
                raise RuntimeError(f"lot {lot_id} cannot move by {points}")
        if moves:
            await LotMovement.bulk_create(
                [
                    LotMovement(lot_id=lot_id, entry_id=entry_id, points=points)
                    for lot_id, points in moves
                ],
                using_db=self._db,
            )

    async def movements(self, entry_id: int) -> list[Taken]:
        rows = (
            await LotMovement.filter(entry_id=entry_id)
            .using_db(self._db)
            .order_by("id")
            .values_list("lot_id", "points")
        )
        return [(int(lot_id), int(points)) for lot_id, points in rows]

    async def members_with_expired_lots(self, now: datetime, limit: int) -> list[int]:
        rows: list[Any] = (
            await PointLot.filter(remaining__gt=0, expires_at__lte=now)
            .using_db(self._db)
            .distinct()
            .order_by("member_id")
            .limit(limit)
            .values_list("member_id", flat=True)
        )
        return [int(member_id) for member_id in rows]

    # --- audit -------------------------------------------------------------------------------

    async def audit_batch(self, after_member_id: int, limit: int) -> AuditBatch:
        ids = (
            await MemberRow.filter(id__gt=after_member_id)
            .using_db(self._db)
            .order_by("id")
            .limit(limit)
            .values_list("id", flat=True)
        )
        return await self.audit_members([int(i) for i in ids])  # type: ignore[call-overload]

    async def audit_members(self, member_ids: Sequence[int]) -> AuditBatch:
        if not member_ids:
            return AuditBatch({}, (), ())
        ids = list(member_ids)
        balances = (
            await MemberRow.filter(id__in=ids).using_db(self._db).values_list("id", "balance")
        )
        entries = (
            await EntryRow.filter(member_id__in=ids)
            .using_db(self._db)
            .values_list("id", "member_id", "amount", "balance_after")
        )
        lots = (
            await PointLot.filter(member_id__in=ids)
            .using_db(self._db)
            .values_list("id", "member_id", "amount", "remaining")
        )
        moved_rows = (
            await LotMovement.filter(lot__member_id__in=ids)
            .using_db(self._db)
            .annotate(moved=Sum("points"))
            .group_by("lot_id")
            .values_list("lot_id", "moved")
        )
        moved = {int(lot_id): int(points or 0) for lot_id, points in moved_rows}
        return AuditBatch(
            balances={int(member_id): int(balance) for member_id, balance in balances},
            entries=[
                AuditedEntry(int(i), int(m), int(amount), int(after))
                for i, m, amount, after in entries
            ],
            lots=[
                AuditedLot(int(i), int(m), int(amount), int(remaining), moved.get(int(i), 0))
                for i, m, amount, remaining in lots
            ],
        )

    # --- idempotent operations ----------------------------------------------------------------

    async def operation(self, key: str) -> StoredOperation | None:
        rows = await self._sql.rows(
            "SELECT key, kind, member_id, request_hash, result FROM ledger_operations "
            "WHERE key = ?",
            key,
        )
        if not rows:
            return None
        row = rows[0]
        return StoredOperation(
            key=row["key"],
            kind=row["kind"],
            member_id=int(row["member_id"]),
            request_hash=row["request_hash"],
            result=dict(_json(row["result"])),
        )

    async def add_operation(self, operation: StoredOperation, now: datetime) -> None:
        await self._sql.insert(
            "INSERT INTO ledger_operations (key, kind, member_id, request_hash, result, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?)",
            operation.key,
            operation.kind,
            operation.member_id,
            operation.request_hash,
            json.dumps(dict(operation.result), separators=(",", ":")),
            now,
        )


class TortoisePurchaseRepository:
    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._sql = _Sql(connection)
        self._segments = SqlSegments(connection)

    async def add(self, purchase: NewPurchase) -> PurchaseRecord:
        purchase_id = await self._sql.insert(
            "INSERT INTO purchases (member_id, outlet_id, staff_id, amount, points_used, "
            "points_earned, category, receipt_no, channel, idempotency_key, request_hash, "
            "refunded_amount, points_earned_reversed, points_used_returned, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)",
            purchase.member_id,
            purchase.outlet_id,
            purchase.staff_id,
            purchase.amount,
            purchase.points_used,
            purchase.points_earned,
            purchase.category,
            purchase.receipt_no,
            purchase.channel,
            purchase.idempotency_key,
            purchase.request_hash,
            purchase.created_at,
        )
        # The read models the automations select from, in this transaction.
        await self._segments.purchase_added(
            purchase.member_id, purchase.category, purchase.amount, purchase.created_at
        )
        return PurchaseRecord(
            id=purchase_id,
            member_id=purchase.member_id,
            amount=purchase.amount,
            points_used=purchase.points_used,
            points_earned=purchase.points_earned,
            refunded_amount=0,
            points_earned_reversed=0,
            points_used_returned=0,
            created_at=purchase.created_at,
        )

    async def get(self, purchase_id: int) -> PurchaseRecord | None:
        row = await Purchase.filter(id=purchase_id).using_db(self._db).first()
        return _purchase(row) if row else None

    async def add_refund(self, refund: NewRefund) -> int:
        row = await _create_unique(
            self._db,
            Refund,
            purchase_id=refund.purchase_id,
            amount=refund.amount,
            points_earned_reversed=refund.points_earned_reversed,
            points_used_returned=refund.points_used_returned,
            idempotency_key=refund.idempotency_key,
            request_hash=refund.request_hash,
            created_at=refund.created_at,
        )
        return int(row.id)

    async def record_refund(
        self, purchase_id: int, amount: int, earned_reversed: int, used_returned: int
    ) -> None:
        updated = await (
            Purchase.filter(id=purchase_id, refunded_amount__lte=F("amount") - amount)
            .using_db(self._db)
            .update(
                refunded_amount=F("refunded_amount") + amount,
                points_earned_reversed=F("points_earned_reversed") + earned_reversed,
                points_used_returned=F("points_used_returned") + used_returned,
            )
        )
        if updated:
            await self._segments.purchase_refunded(purchase_id, amount)

    async def spend_since(self, member_id: int, since: datetime) -> int:
        rows = await self._sql.rows(
            "SELECT COALESCE(SUM(amount - refunded_amount), 0) AS spend FROM purchases "
            "WHERE member_id = ? AND created_at >= ?",
            member_id,
            since,
        )
        return int(rows[0]["spend"])

    async def outlet_exists(self, outlet_id: int) -> bool:
        return bool(await Outlet.filter(id=outlet_id).using_db(self._db).exists())


class TortoiseCertificateRepository:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def add(
        self,
        digests: Sequence[str],
        points: int,
        expires_at: datetime | None,
        created_by: int | None,
        now: datetime,
    ) -> None:
        try:
            await Certificate.bulk_create(
                [
                    Certificate(
                        code_digest=digest,
                        points=points,
                        expires_at=expires_at,
                        created_by=created_by,
                        created_at=now,
                    )
                    for digest in digests
                ],
                using_db=self._db,
            )
        except IntegrityError as exc:
            if _is_unique_violation(exc):
                raise KeyTaken("Certificate") from exc
            raise

    async def by_digest(self, digest: str) -> CertificateRecord | None:
        row = await Certificate.filter(code_digest=digest).using_db(self._db).first()
        if row is None:
            return None
        return CertificateRecord(
            id=row.id,
            points=row.points,
            expires_at=row.expires_at,
            used_at=row.used_at,
            used_by_id=row.used_by_id,  # type: ignore[attr-defined]
        )

    async def claim(self, certificate_id: int, member_id: int, now: datetime) -> bool:
        # On PostgreSQL a concurrent claim waits for this row's lock, then re-checks
        # `used_at IS NULL` against the committed row and updates nothing.
        changed = (
            await Certificate.filter(id=certificate_id, used_at__isnull=True)
            .using_db(self._db)
            .update(used_at=now, used_by_id=member_id)
        )
        return bool(changed)

    async def failed_attempts(self, member_id: int, since: datetime) -> list[datetime]:
        rows = (
            await CertificateAttempt.filter(member_id=member_id, created_at__gt=since)
            .using_db(self._db)
            .order_by("created_at")
            .values_list("created_at", flat=True)
        )
        return list(rows)  # type: ignore[arg-type]

    async def add_failed_attempt(self, member_id: int, now: datetime) -> None:
        await CertificateAttempt.create(using_db=self._db, member_id=member_id, created_at=now)
