"""The outbox repository: claiming due messages, recording what happened to them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.expressions import F, Q
from tortoise.functions import Count

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.delivery import Campaign as CampaignRow
from bot.adapters.db.models.delivery import MediaFile
from bot.adapters.db.models.delivery import OutboxMessage as OutboxRow
from bot.adapters.db.repositories import insert_or_skip
from bot.domain.delivery import (
    Button,
    Campaign,
    CampaignStatus,
    DeliveryKind,
    DeliveryStatus,
    MessageContent,
    OutboxMessage,
    Recipient,
)

MAX_ERROR = 500
_FINISHED_UNSENT = [
    DeliveryStatus.FAILED.value,
    DeliveryStatus.UNREACHABLE.value,
    DeliveryStatus.SKIPPED.value,
]


def _campaign(row: CampaignRow) -> Campaign:
    return Campaign(row.id, row.name, row.holdout_share, CampaignStatus(row.status))


def _buttons_to_json(content: MessageContent) -> list[list[dict[str, str]]] | None:
    if not content.buttons:
        return None
    return [
        [
            {
                k: v
                for k, v in (
                    ("text", b.text_key),
                    ("callback_data", b.callback_data),
                    ("url", b.url),
                )
                if v is not None
            }
            for b in row
        ]
        for row in content.buttons
    ]


_CLAIM_FIELDS = (
    "id",
    "kind",
    "member_id",
    "campaign_id",
    "content_key",
    "content_vars",
    "photo",
    "buttons",
    "priority",
    "status",
    "attempts",
)
_RECIPIENT_FIELDS = ("id", "telegram_id", "locale", "timezone", "marketing_opt_in", "reachable")


def _json(value: Any) -> Any:
    # `.values()` hands JSON columns back decoded on some backends, as text on others.
    return json.loads(value) if isinstance(value, str | bytes) else value


def _content_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["content_key"], str(row["content_vars"]), row["photo"], str(row["buttons"]))


def _content(row: dict[str, Any]) -> MessageContent:
    buttons = tuple(
        tuple(Button(b["text"], b.get("callback_data"), b.get("url")) for b in line)
        for line in (_json(row["buttons"]) or [])
    )
    variables = _json(row["content_vars"]) or {}
    return MessageContent(row["content_key"], dict(variables), row["photo"], buttons)


def _content_fields(content: MessageContent) -> dict[str, Any]:
    return {
        "content_key": content.key,
        "content_vars": dict(content.variables),
        "photo": content.photo,
        "buttons": _buttons_to_json(content),
    }


class TortoiseOutbox:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    # campaigns

    async def create_campaign(self, name: str, holdout_share: float, now: datetime) -> Campaign:
        row = await CampaignRow.create(
            using_db=self._db, name=name, holdout_share=holdout_share, created_at=now
        )
        return _campaign(row)

    async def campaign(self, campaign_id: int) -> Campaign | None:
        row = await CampaignRow.filter(id=campaign_id).using_db(self._db).first()
        return _campaign(row) if row else None

    async def set_campaign_status(self, campaign_id: int, status: CampaignStatus) -> None:
        await CampaignRow.filter(id=campaign_id).using_db(self._db).update(status=status.value)

    # enqueueing

    async def add(
        self,
        kind: DeliveryKind,
        member_id: int,
        content: MessageContent,
        priority: int,
        now: datetime,
        *,
        not_before: datetime | None = None,
    ) -> int:
        row = await OutboxRow.create(
            using_db=self._db,
            kind=kind.value,
            member_id=member_id,
            priority=priority,
            next_attempt_at=not_before or now,
            created_at=now,
            **_content_fields(content),
        )
        return int(row.id)

    async def add_campaign(
        self,
        campaign_id: int,
        rows: Sequence[tuple[int, DeliveryStatus]],
        content: MessageContent,
        priority: int,
        now: datetime,
    ) -> int:
        fields = _content_fields(content)
        before = await OutboxRow.filter(campaign_id=campaign_id).using_db(self._db).count()
        objects = [
            OutboxRow(
                kind=DeliveryKind.MARKETING.value,
                member_id=member_id,
                campaign_id=campaign_id,
                priority=priority,
                status=status.value,
                next_attempt_at=now,
                created_at=now,
                **fields,
            )
            for member_id, status in rows
        ]
        # ON CONFLICT DO NOTHING on UNIQUE (campaign, member): enqueueing twice is harmless.
        await OutboxRow.bulk_create(
            objects, batch_size=500, ignore_conflicts=True, using_db=self._db
        )
        after = await OutboxRow.filter(campaign_id=campaign_id).using_db(self._db).count()
        return after - before

    # claiming

    async def claim(self, now: datetime, stale_before: datetime, limit: int) -> list[OutboxMessage]:
        due = Q(status=DeliveryStatus.PENDING.value, next_attempt_at__lte=now) | Q(
            status=DeliveryStatus.SENDING.value, claimed_at__lt=stale_before
        )
        # FOR UPDATE SKIP LOCKED on PostgreSQL: concurrent senders each take different rows and
        # never wait for one another. SQLite ignores it (one writer; a single sender there).
        locked = (
            await OutboxRow.filter(due)
            .select_for_update(skip_locked=True)
            .order_by("priority", "next_attempt_at", "id")
            .limit(limit)
            .only("id")
            .using_db(self._db)
        )
        if not locked:
            return []
        ids = [row.id for row in locked]
        # Then plain values (tortoise's `.values()` drops FOR UPDATE, hence two queries): a claim
        # takes up to 2000 rows in paid mode, and full models would cost the event loop more
        # than sending them.
        by_id = {
            row["id"]: row
            for row in await OutboxRow.filter(id__in=ids).using_db(self._db).values(*_CLAIM_FIELDS)
        }
        rows = [by_id[id_] for id_ in ids]
        stale = {row["id"] for row in rows if row["status"] == DeliveryStatus.SENDING.value}
        await (
            OutboxRow.filter(id__in=ids)
            .using_db(self._db)
            .update(status=DeliveryStatus.SENDING.value, claimed_at=now)
        )
        if stale:
            # A sender died holding these: that try counts, so a row that kills every sender
            # that takes it still runs out of attempts.
            await (
                OutboxRow.filter(id__in=list(stale))
                .using_db(self._db)
                .update(attempts=F("attempts") + 1, last_error="lease expired")
            )
        members = {
            m["id"]: m
            for m in await MemberRow.filter(id__in={row["member_id"] for row in rows})
            .using_db(self._db)
            .values(*_RECIPIENT_FIELDS)
        }
        campaign_ids = {row["campaign_id"] for row in rows if row["campaign_id"] is not None}
        campaigns = (
            {
                c["id"]: CampaignStatus(c["status"])
                for c in await CampaignRow.filter(id__in=campaign_ids)
                .using_db(self._db)
                .values("id", "status")
            }
            if campaign_ids
            else {}
        )
        contents: dict[tuple[Any, ...], MessageContent] = {}  # a campaign's rows share one
        claimed = []
        for row in rows:
            member = members[row["member_id"]]
            recipient = Recipient(
                member_id=member["id"],
                telegram_id=member["telegram_id"],
                locale=member["locale"],
                timezone=member["timezone"],
                marketing_opt_in=member["marketing_opt_in"],
                reachable=member["reachable"],
            )
            key = _content_key(row)
            content = contents.get(key)
            if content is None:
                content = contents[key] = _content(row)
            claimed.append(
                OutboxMessage(
                    id=row["id"],
                    kind=DeliveryKind(row["kind"]),
                    member_id=row["member_id"],
                    campaign_id=row["campaign_id"],
                    content=content,
                    priority=row["priority"],
                    attempts=row["attempts"] + (1 if row["id"] in stale else 0),
                    recipient=recipient,
                    campaign_status=campaigns.get(row["campaign_id"])
                    if row["campaign_id"] is not None
                    else None,
                )
            )
        return claimed

    async def marketing_sent_since(
        self, member_ids: Sequence[int], since: datetime
    ) -> dict[int, int]:
        if not member_ids:
            return {}
        rows = (
            await OutboxRow.filter(
                member_id__in=list(member_ids),
                kind=DeliveryKind.MARKETING.value,
                status=DeliveryStatus.SENT.value,
                sent_at__gte=since,
            )
            .using_db(self._db)
            .annotate(count=Count("id"))
            .group_by("member_id")
            .values("member_id", "count")
        )
        return {int(row["member_id"]): int(row["count"]) for row in rows}

    # outcomes

    async def renew(self, ids: Sequence[int], now: datetime) -> None:
        if ids:
            await (
                OutboxRow.filter(id__in=list(ids), status=DeliveryStatus.SENDING.value)
                .using_db(self._db)
                .update(claimed_at=now)
            )

    async def mark_sent(self, ids: Sequence[int], now: datetime) -> None:
        if ids:
            await (
                OutboxRow.filter(id__in=list(ids))
                .using_db(self._db)
                .update(
                    status=DeliveryStatus.SENT.value,
                    sent_at=now,
                    attempts=F("attempts") + 1,
                    last_error=None,
                )
            )

    async def finish(
        self, ids: Sequence[int], status: DeliveryStatus, error: str | None, count_attempt: bool
    ) -> None:
        if not ids:
            return
        values: dict[str, Any] = {"status": status.value, "last_error": _clip(error)}
        if count_attempt:
            values["attempts"] = F("attempts") + 1
        await OutboxRow.filter(id__in=list(ids)).using_db(self._db).update(**values)

    async def reschedule(
        self, ids: Sequence[int], not_before: datetime, error: str | None, count_attempt: bool
    ) -> None:
        if not ids:
            return
        values: dict[str, Any] = {
            "status": DeliveryStatus.PENDING.value,
            "next_attempt_at": not_before,
            "claimed_at": None,
            "last_error": _clip(error),
        }
        if count_attempt:
            values["attempts"] = F("attempts") + 1
        await OutboxRow.filter(id__in=list(ids)).using_db(self._db).update(**values)

    async def mark_member_unreachable(self, member_id: int) -> None:
        await MemberRow.filter(id=member_id).using_db(self._db).update(reachable=False)

    async def cancel_campaign_rows(self, campaign_id: int) -> int:
        return int(
            await OutboxRow.filter(campaign_id=campaign_id, status=DeliveryStatus.PENDING.value)
            .using_db(self._db)
            .update(status=DeliveryStatus.CANCELLED.value)
        )

    async def status_counts(self, campaign_id: int | None = None) -> dict[DeliveryStatus, int]:
        query = OutboxRow.all().using_db(self._db)
        if campaign_id is not None:
            query = query.filter(campaign_id=campaign_id)
        rows = await query.annotate(count=Count("id")).group_by("status").values("status", "count")
        return {DeliveryStatus(row["status"]): int(row["count"]) for row in rows}

    async def campaign_activity(
        self, campaign_id: int, since: datetime
    ) -> tuple[int, datetime | None]:
        rows = OutboxRow.filter(campaign_id=campaign_id).using_db(self._db)
        # A sent row finished at sent_at; a failed, unreachable or skipped one within moments of
        # its claim (claimed_at stays set).
        finished = await rows.filter(
            Q(status=DeliveryStatus.SENT.value, sent_at__gte=since)
            | Q(status__in=_FINISHED_UNSENT, claimed_at__gte=since)
        ).count()
        first = (
            await rows.filter(claimed_at__not_isnull=True)
            .order_by("claimed_at")
            .first()
            .values_list("claimed_at", flat=True)
        )
        return finished, first  # type: ignore[return-value]

    # photos

    async def photo_file_id(self, source: str) -> str | None:
        row = await MediaFile.filter(source=source).using_db(self._db).first()
        return row.file_id if row else None

    async def remember_photo(self, source: str, file_id: str, now: datetime) -> None:
        await insert_or_skip(self._db, MediaFile, source=source, file_id=file_id, created_at=now)


def _clip(error: str | None) -> str | None:
    return error[:MAX_ERROR] if error else error
