"""The owner's figures in SQL (SQLite and PostgreSQL): campaign results and the KPIs.

Definitions: `bot/domain/reports.py` and `bot/domain/analytics.py` (the tests check these
statements against the Python definitions on planted data). Only aggregates come back, never a
row per member, except the VIP list (the top decile) and per-buyer spend for its share.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.db.segments import SqlSegments
from bot.domain.analytics import (
    DEFAULT_ACTIVE_DAYS,
    DEFAULT_LAPSE_FACTOR,
    DEFAULT_LAPSE_MIN_DAYS,
    DEFAULT_REGULAR_MIN_PURCHASES,
    DEFAULT_RFM_DAYS,
    DEFAULT_VIP_SHARE_BP,
    hour_of_week,
)
from bot.domain.reports import (
    ATTRIBUTION_DAYS,
    REGULAR_WEEKS,
    SPEND_WINDOW_DAYS,
    CampaignStats,
    Kpis,
    RegularsSpend,
)

_EXPORT_TABLES = {
    "members": ("members", "id"),
    "purchases": ("purchases", "member_id"),
    "ledger": ("ledger_entries", "member_id"),
}
"""Export name -> (table, the column naming the member)."""
_FLAGS = frozenset({"marketing_opt_in", "reachable"})
_NOBODY = "-"
"""No automation has this name: the segments' cooldown filter excludes nobody."""
_DAY = 86400


class SqlReports:
    def __init__(self, connection: Any) -> None:
        self._s = SqlSegments(connection)

    async def _rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        return await self._s._rows(sql, params)

    async def _one(self, sql: str, **params: Any) -> int:
        rows = await self._rows(sql, **params)
        value = next(iter(rows[0].values())) if rows else None
        return int(value or 0)

    async def campaigns(self) -> list[CampaignStats]:
        """Every campaign: sent rows, coupons redeemed by members it was sent to, held-out rows
        and held-out members who bought within the attribution window."""
        e = self._s._epoch
        rows = await self._rows(
            f"""
            SELECT c.id, c.name, c.created_at,
                (SELECT COUNT(*) FROM outbox o
                 WHERE o.campaign_id = c.id AND o.status = 'sent') AS delivered,
                (SELECT COUNT(*) FROM coupons k JOIN outbox o
                   ON o.campaign_id = k.campaign_id AND o.member_id = k.member_id
                 WHERE k.campaign_id = c.id AND k.status = 'redeemed'
                   AND o.status = 'sent') AS redeemed,
                (SELECT COUNT(*) FROM outbox o
                 WHERE o.campaign_id = c.id AND o.status = 'held_out') AS held_out,
                (SELECT COUNT(*) FROM outbox o
                 WHERE o.campaign_id = c.id AND o.status = 'held_out' AND EXISTS (
                    SELECT 1 FROM purchases p WHERE p.member_id = o.member_id
                      AND {e("p.created_at")} > {e("c.created_at")}
                      AND {e("p.created_at")} <= {e("c.created_at")} + :window)
                ) AS converted
            FROM campaigns c ORDER BY c.id""",
            window=ATTRIBUTION_DAYS * _DAY,
        )
        return [
            CampaignStats(
                name=str(r["name"]),
                delivered=int(r["delivered"]),
                redeemed=int(r["redeemed"]),
                held_out=int(r["held_out"]),
                holdout_converted=int(r["converted"]),
                created_at=_as_datetime(r["created_at"]),
            )
            for r in rows
        ]

    async def kpis(self, start: datetime, end: datetime, timezone: str) -> Kpis:
        window = {"start": start, "end": end}
        members_total = await self._one(
            "SELECT COUNT(*) FROM members WHERE status = 'active' AND joined_at < :end", end=end
        )
        channels = await self._rows(
            """SELECT source, COUNT(*) AS n FROM members WHERE status = 'active'
               AND joined_at >= :start AND joined_at < :end GROUP BY source ORDER BY source""",
            **window,
        )
        active = await self._one(
            """SELECT COUNT(DISTINCT member_id) FROM purchases
               WHERE created_at > :since AND created_at <= :end""",
            since=end - timedelta(days=DEFAULT_ACTIVE_DAYS),
            end=end,
        )
        per_buyer = await self._rows(
            """SELECT member_id, COUNT(*) AS n, SUM(amount - refunded_amount) AS spend
               FROM purchases WHERE created_at >= :start AND created_at < :end
               GROUP BY member_id""",
            **window,
        )
        spend_by = {int(r["member_id"]): int(r["spend"]) for r in per_buyer}
        issued = await self._one(
            """SELECT SUM(amount) FROM ledger_entries WHERE amount > 0
               AND reason <> 'refund_used' AND created_at >= :start AND created_at < :end""",
            **window,
        )
        redeemed = await self._one(
            """SELECT -SUM(amount) FROM ledger_entries WHERE reason = 'redemption'
               AND created_at >= :start AND created_at < :end""",
            **window,
        )
        outstanding = await self._one(
            "SELECT SUM(balance) FROM members WHERE balance > 0 AND status = 'active'"
        )
        vip = await self._s.vip(
            end,
            since=end - timedelta(days=DEFAULT_RFM_DAYS),
            share_bp=DEFAULT_VIP_SHARE_BP,
            automation=_NOBODY,
            cooldown_since=end,
        )
        lapsed = await self._s.lapsed(
            end,
            min_days=DEFAULT_LAPSE_MIN_DAYS,
            k=DEFAULT_LAPSE_FACTOR,
            automation=_NOBODY,
            cooldown_since=end,
        )
        returned = await self._one(
            """SELECT COUNT(DISTINCT member_id) FROM automation_targets
               WHERE returned_at >= :start AND returned_at < :end""",
            **window,
        )
        return Kpis(
            start=start,
            end=end,
            members_total=members_total,
            new_by_channel={str(r["source"]): int(r["n"]) for r in channels},
            active=active,
            buyers=len(per_buyer),
            repeat_buyers=sum(1 for r in per_buyer if int(r["n"]) >= 2),
            purchases=sum(int(r["n"]) for r in per_buyer),
            spend=sum(spend_by.values()),
            points_issued=issued,
            points_redeemed=redeemed,
            points_outstanding=outstanding,
            vip_count=len(vip),
            vip_spend=sum(spend_by.get(m, 0) for m in vip),
            lapsed=len(lapsed),
            returned=returned,
            growth=await self._growth(start, end),
            heatmap=await self._heatmap(start, end, ZoneInfo(timezone)),
        )

    async def _growth(self, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        """Active members who had joined by the end of each UTC day of the period."""
        e = self._s._epoch("joined_at")
        before = await self._one(
            "SELECT COUNT(*) FROM members WHERE status = 'active' AND joined_at < :start",
            start=start,
        )
        rows = await self._rows(
            f"""SELECT {e} / {_DAY} AS d, COUNT(*) AS n FROM members WHERE status = 'active'
                AND joined_at >= :start AND joined_at < :end GROUP BY 1""",
            start=start,
            end=end,
        )
        per_day = {int(r["d"]): int(r["n"]) for r in rows}
        first, last = int(start.timestamp()) // _DAY, (int(end.timestamp()) - 1) // _DAY
        growth, total = [], before
        for day in range(first, last + 1):
            total += per_day.get(day, 0)
            growth.append((datetime.fromtimestamp(day * _DAY, UTC), total))
        return growth

    async def _heatmap(self, start: datetime, end: datetime, tz: ZoneInfo) -> dict[int, int]:
        e = self._s._epoch("created_at")
        rows = await self._rows(
            f"""SELECT {e} / 3600 AS h, COUNT(*) AS n FROM purchases
                WHERE created_at >= :start AND created_at < :end GROUP BY 1""",
            start=start,
            end=end,
        )
        slots: dict[int, int] = {}
        for r in rows:
            slot = hour_of_week(datetime.fromtimestamp(int(r["h"]) * 3600, UTC), tz)
            slots[slot] = slots.get(slot, 0) + int(r["n"])
        return slots

    async def sales_by_slot(self, start: datetime, end: datetime, timezone: str) -> dict[int, int]:
        """Purchases in [start, end) per hour of the week in `timezone`."""
        return await self._heatmap(start, end, ZoneInfo(timezone))

    async def nps_counts(
        self, start: datetime, end: datetime, questions: Sequence[tuple[str, str]]
    ) -> dict[int, int]:
        """Answers per score (0..10) to the (survey id, question id) `questions` given in
        [start, end): at most 11 rows."""
        if not questions:
            return {}
        # Parameter names are letters only (`SqlSegments._rows`): survey_a, question_a, ...
        names = [_letters(n) for n in range(len(questions))]
        pairs = " OR ".join(
            f"(r.survey_id = :survey_{n} AND a.question_id = :question_{n})" for n in names
        )
        params: dict[str, Any] = {"start": start, "end": end}
        for n, (survey, question) in zip(names, questions, strict=True):
            params[f"survey_{n}"], params[f"question_{n}"] = survey, question
        rows = await self._rows(
            f"""SELECT a.value AS score, COUNT(*) AS n FROM survey_answers a
                JOIN survey_responses r ON r.id = a.response_id
                WHERE a.answered_at >= :start AND a.answered_at < :end AND ({pairs})
                GROUP BY a.value""",
            **params,
        )
        return {int(r["score"]): int(r["n"]) for r in rows}

    async def export_page(
        self, export: str, columns: Sequence[str], after_id: int, limit: int
    ) -> list[dict[str, Any]]:
        """Up to `limit` rows of an export (`bot/domain/exports.py`) with ids above `after_id`,
        in id order, each with `member_status` (the member's status, for anonymising). Times
        come back as aware datetimes and flags as bools, whichever the database."""
        table, member = _EXPORT_TABLES[export]
        selected = ", ".join(f"x.{column}" for column in columns)
        rows = await self._rows(
            f"""SELECT {selected}, m.status AS member_status FROM {table} x
                JOIN members m ON m.id = x.{member}
                WHERE x.id > :after ORDER BY x.id LIMIT :limit""",
            after=after_id,
            limit=limit,
        )
        for row in rows:
            for column in columns:
                if column.endswith("_at"):
                    row[column] = _as_datetime(row[column])
                elif column in _FLAGS and row[column] is not None:
                    row[column] = bool(row[column])
        return rows

    async def launched_at(self) -> datetime | None:
        """When the first member joined."""
        rows = await self._rows("SELECT MIN(joined_at) AS first FROM members")
        return _as_datetime(rows[0]["first"]) if rows else None

    async def registrations(self) -> dict[str, int]:
        """Active members by joining channel, since launch."""
        rows = await self._rows(
            """SELECT source, COUNT(*) AS n FROM members WHERE status = 'active'
               GROUP BY source ORDER BY source"""
        )
        return {str(r["source"]): int(r["n"]) for r in rows}

    async def redeemed_coupons(self, automation: str) -> int:
        return await self._one(
            "SELECT COUNT(*) FROM coupons WHERE automation = :a AND status = 'redeemed'",
            a=automation,
        )

    async def regulars_spend(self, now: datetime) -> RegularsSpend:
        """Regulars who joined at least 60 days ago: their spend in their first 30 days as
        members and in the last 30 days (see `bot/domain/reports.py`)."""
        e = self._s._epoch
        window = SPEND_WINDOW_DAYS * _DAY
        rows = await self._rows(
            f"""
            WITH r AS (
                SELECT member_id FROM purchases
                WHERE created_at > :since AND created_at <= :now
                GROUP BY member_id HAVING COUNT(*) >= :min_purchases),
            m AS (
                SELECT members.id, {e("members.joined_at")} AS j FROM members
                JOIN r ON r.member_id = members.id
                WHERE members.status = 'active' AND members.joined_at <= :joined_before)
            SELECT COUNT(*) AS n,
                SUM((SELECT COALESCE(SUM(p.amount - p.refunded_amount), 0) FROM purchases p
                     WHERE p.member_id = m.id AND {e("p.created_at")} >= m.j
                       AND {e("p.created_at")} < m.j + :window)) AS first_spend,
                SUM((SELECT COALESCE(SUM(p.amount - p.refunded_amount), 0) FROM purchases p
                     WHERE p.member_id = m.id AND p.created_at > :recent
                       AND p.created_at <= :now)) AS recent_spend
            FROM m""",
            since=now - timedelta(weeks=REGULAR_WEEKS),
            now=now,
            min_purchases=DEFAULT_REGULAR_MIN_PURCHASES,
            joined_before=now - timedelta(days=2 * SPEND_WINDOW_DAYS),
            window=window,
            recent=now - timedelta(days=SPEND_WINDOW_DAYS),
        )
        row = rows[0] if rows else {}
        return RegularsSpend(
            int(row.get("n") or 0),
            int(row.get("first_spend") or 0),
            int(row.get("recent_spend") or 0),
        )


def _letters(number: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "ba": a parameter suffix without digits."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = chr(ord("a") + digit) + letters
        if number == 0:
            return letters


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
