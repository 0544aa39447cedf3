"""The webhook event outbox: adding events, claiming due ones, recording outcomes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tortoise.expressions import F

from bot.adapters.db.models.events import WebhookEvent as EventRow
from bot.domain.events import NewEvent, PendingEvent

MAX_ERROR = 500
_CLAIM_FIELDS = ("id", "event_id", "type", "payload", "created_at", "attempts")


def _json(value: Any) -> Any:
    # `.values()` hands JSON columns back decoded on some backends, as text on others.
    return json.loads(value) if isinstance(value, str | bytes) else value


class TortoiseEventOutbox:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def add(self, event: NewEvent) -> None:
        await EventRow.create(
            using_db=self._db,
            event_id=event.event_id,
            type=event.type.value,
            payload=dict(event.data),
            created_at=event.created_at,
            next_attempt_at=event.created_at,
        )

    async def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[PendingEvent]:
        # The message outbox's way: FOR UPDATE SKIP LOCKED on PostgreSQL, so concurrent senders
        # take different rows and never wait for one another (SQLite runs one writer at a time).
        locked = (
            await EventRow.filter(
                delivered_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now
            )
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .limit(limit)
            .only("id")
            .using_db(self._db)
        )
        if not locked:
            return []
        ids = [row.id for row in locked]
        await (
            EventRow.filter(id__in=ids)
            .using_db(self._db)
            .update(attempts=F("attempts") + 1, next_attempt_at=lease_until)
        )
        rows = {
            row["id"]: row
            for row in await EventRow.filter(id__in=ids).using_db(self._db).values(*_CLAIM_FIELDS)
        }
        return [
            PendingEvent(
                id=row["id"],
                event_id=str(row["event_id"]),
                type=row["type"],
                data=_json(row["payload"]) or {},
                created_at=row["created_at"],
                attempts=row["attempts"],
            )
            for row in (rows[id_] for id_ in ids)
        ]

    async def mark_delivered(self, row_id: int, now: datetime) -> None:
        await (
            EventRow.filter(id=row_id).using_db(self._db).update(delivered_at=now, last_error=None)
        )

    async def mark_failed(self, row_id: int, error: str | None, now: datetime) -> None:
        await (
            EventRow.filter(id=row_id)
            .using_db(self._db)
            .update(failed_at=now, last_error=_clip(error))
        )

    async def reschedule(self, row_id: int, at: datetime, error: str | None) -> None:
        await (
            EventRow.filter(id=row_id)
            .using_db(self._db)
            .update(next_attempt_at=at, last_error=_clip(error))
        )


def _clip(error: str | None) -> str | None:
    return error[:MAX_ERROR] if error else error
