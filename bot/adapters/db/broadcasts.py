"""Broadcasts: their rows, and the members a segment names, selected in SQL.

The plain segments (all, tier, active, new, channel) are one statement each; VIP, lapsed and
favourite category reuse the automations' window-function selections (`SqlSegments`, no
cooldown). Every audience is then limited, in SQL, to members the bot may write to: active, with
a Telegram account, opted in to marketing and not known to be unreachable.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.adapters.db.models.broadcasts import Broadcast
from bot.adapters.db.segments import SqlSegments
from bot.domain.analytics import (
    DEFAULT_ACTIVE_DAYS,
    DEFAULT_FAVOURITE_DAYS,
    DEFAULT_LAPSE_FACTOR,
    DEFAULT_LAPSE_MIN_DAYS,
    DEFAULT_RFM_DAYS,
    DEFAULT_VIP_SHARE_BP,
)
from bot.domain.broadcasts import (
    BroadcastDraft,
    BroadcastStatus,
    ScheduledBroadcast,
    Segment,
    SegmentKind,
)

_AUTOMATION = "broadcast"
"""Never an automation's name: the segments' cooldown filter excludes nobody."""

_CONTACTABLE = """
    SELECT m.id AS member_id FROM members m
    WHERE m.status = 'active' AND m.telegram_id IS NOT NULL
      AND m.marketing_opt_in = :yes AND m.reachable = :yes"""


def _row(row: Broadcast) -> ScheduledBroadcast:
    draft = BroadcastDraft(
        segment=Segment(SegmentKind(row.segment), row.segment_arg),
        text=row.text,
        photo=row.photo,
        button_url=row.button_url,
        offer_code=row.offer_code,
    )
    return ScheduledBroadcast(
        id=row.id,
        campaign_id=row.campaign_id,
        draft=draft,
        status=BroadcastStatus(row.status),
        scheduled_for=row.scheduled_for,
        created_by=row.created_by,
    )


class TortoiseBroadcasts:
    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._segments = SqlSegments(connection)

    async def audience(self, segment: Segment, now: datetime) -> list[int]:
        """The contactable members of `segment` at `now`, ascending ids."""
        kind = segment.kind
        if kind in (SegmentKind.VIP, SegmentKind.LAPSED, SegmentKind.FAVOURITE):
            selected = set(await self._analytic(segment, now))
            rows = await self._segments._rows(_CONTACTABLE, {"yes": True})
            return sorted(int(r["member_id"]) for r in rows if int(r["member_id"]) in selected)
        conditions: dict[SegmentKind, tuple[str, dict[str, Any]]] = {
            SegmentKind.ALL: ("", {}),
            SegmentKind.TIER: (" AND m.tier_code = :arg", {"arg": segment.argument}),
            SegmentKind.CHANNEL: (" AND m.source = :arg", {"arg": segment.argument}),
            SegmentKind.NEW: (
                " AND m.joined_at > :since",
                {"since": now - timedelta(days=segment.days if kind is SegmentKind.NEW else 0)},
            ),
            SegmentKind.ACTIVE: (
                " AND EXISTS (SELECT 1 FROM purchases p WHERE p.member_id = m.id"
                " AND p.created_at > :since AND p.created_at <= :now)",
                {"since": now - timedelta(days=DEFAULT_ACTIVE_DAYS), "now": now},
            ),
        }
        condition, params = conditions[kind]
        rows = await self._segments._rows(
            _CONTACTABLE + condition + " ORDER BY m.id", {"yes": True, **params}
        )
        return [int(r["member_id"]) for r in rows]

    async def _analytic(self, segment: Segment, now: datetime) -> list[int]:
        if segment.kind is SegmentKind.VIP:
            return await self._segments.vip(
                now,
                since=now - timedelta(days=DEFAULT_RFM_DAYS),
                share_bp=DEFAULT_VIP_SHARE_BP,
                automation=_AUTOMATION,
                cooldown_since=now,
            )
        if segment.kind is SegmentKind.LAPSED:
            return await self._segments.lapsed(
                now,
                min_days=DEFAULT_LAPSE_MIN_DAYS,
                k=DEFAULT_LAPSE_FACTOR,
                automation=_AUTOMATION,
                cooldown_since=now,
            )
        assert segment.argument is not None
        favourites = await self._segments.favourite_categories(
            now,
            since=now - timedelta(days=DEFAULT_FAVOURITE_DAYS),
            categories=[segment.argument],
            automation=_AUTOMATION,
            cooldown_since=now,
        )
        return sorted(favourites)

    async def add(
        self,
        draft: BroadcastDraft,
        campaign_id: int,
        status: BroadcastStatus,
        scheduled_for: datetime | None,
        created_by: int,
        now: datetime,
    ) -> int:
        row = await Broadcast.create(
            campaign_id=campaign_id,
            segment=draft.segment.kind.value,
            segment_arg=draft.segment.argument,
            text=draft.text,
            photo=draft.photo,
            button_url=draft.button_url,
            offer_code=draft.offer_code,
            status=status.value,
            scheduled_for=scheduled_for,
            created_by=created_by,
            created_at=now,
            using_db=self._db,
        )
        return int(row.id)

    async def by_campaign(self, campaign_id: int) -> ScheduledBroadcast | None:
        row = await Broadcast.filter(campaign_id=campaign_id).using_db(self._db).first()
        return _row(row) if row else None

    async def due(self, now: datetime) -> list[ScheduledBroadcast]:
        rows = (
            await Broadcast.filter(status=BroadcastStatus.SCHEDULED.value, scheduled_for__lte=now)
            .using_db(self._db)
            .order_by("scheduled_for", "id")
        )
        return [_row(row) for row in rows]

    async def mark_enqueued(self, broadcast_id: int, recipients: int, now: datetime) -> bool:
        """scheduled -> enqueued; False when another run (or a cancel) got there first."""
        updated = (
            await Broadcast.filter(id=broadcast_id, status=BroadcastStatus.SCHEDULED.value)
            .using_db(self._db)
            .update(status=BroadcastStatus.ENQUEUED.value, enqueued_at=now, recipients=recipients)
        )
        return bool(updated)

    async def set_recipients(self, broadcast_id: int, recipients: int, now: datetime) -> None:
        await (
            Broadcast.filter(id=broadcast_id)
            .using_db(self._db)
            .update(enqueued_at=now, recipients=recipients)
        )

    async def cancel(self, campaign_id: int) -> None:
        await (
            Broadcast.filter(campaign_id=campaign_id)
            .using_db(self._db)
            .update(status=BroadcastStatus.CANCELLED.value)
        )
