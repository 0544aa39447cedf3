"""Segments computed set-based in SQL (SQLite and PostgreSQL), never by loading every member.

Each selection implements a definition of `bot/domain/analytics.py` (the specification and the
tests' oracle) with window functions, which both databases have. Times are compared as epoch
seconds inside the statements that need arithmetic on them; plain window bounds are compared on
the indexed column. Only the selected member ids come back to Python.

Every member selection is wrapped by `_eligible`: active members only, and not targeted by the
same automation since the cooldown start (`automation_targets`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain.analytics import DEFAULT_SAME_VISIT, visit_rhythm

SAME_VISIT_SECONDS = int(DEFAULT_SAME_VISIT.total_seconds())
LATER_PURCHASES_LIMIT = 10_000
"""Purchases dated after a selection's moment up to which the window totals still answer (they
are taken off again); with more (an as-of question about the past) it reads the purchases."""
POSTGRES_WORK_MEM = "256MB"
"""Memory PostgreSQL may use per sort or hash in a selection's transaction (`SET LOCAL`): a
selection groups up to a million members, which at the server default (4 MB) spills every
aggregate and window sort to disk (docs/PERFORMANCE.md, "Segments")."""
_PARAM = re.compile(r":([a-z_]+)")


class SqlSegments:
    def __init__(self, connection: Any) -> None:
        self._connection = connection
        self._postgres = connection.capabilities.dialect == "postgres"
        self._tuned = False

    # -- dialect helpers -------------------------------------------------------------------

    def _epoch(self, column: str) -> str:
        return epoch_sql(self._postgres, column)

    def _value(self, value: Any) -> Any:
        if isinstance(value, datetime) and not self._postgres:
            # The text form tortoise stores on SQLite, so bounds compare as stored values.
            return value.astimezone(UTC).isoformat(sep=" ")
        return value

    def _prepare(self, sql: str, params: dict[str, Any]) -> tuple[str, list[Any]]:
        names: list[str] = []

        def placeholder(match: re.Match[str]) -> str:
            names.append(match.group(1))
            return f"${len(names)}" if self._postgres else "?"

        query = _PARAM.sub(placeholder, sql)
        return query, [self._value(params[name]) for name in names]

    async def _tune(self) -> None:
        if self._postgres and not self._tuned:
            # For the rest of this unit of work's transaction only.
            await self._connection.execute_query(f"SET LOCAL work_mem = '{POSTGRES_WORK_MEM}'")
            self._tuned = True

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        await self._tune()
        query, values = self._prepare(sql, params)
        rows: list[dict[str, Any]] = await self._connection.execute_query_dict(query, values)
        return rows

    async def _tuples(self, sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        """`_rows` as positional rows: a selection may return most members, and a dict per
        row costs more than the query's own work at that size."""
        await self._tune()
        return await self._fetch(sql, params)

    async def _fetch(self, sql: str, params: dict[str, Any]) -> Sequence[Sequence[Any]]:
        query, values = self._prepare(sql, params)
        _, rows = await self._connection.execute_query(query, values)
        return rows  # type: ignore[no-any-return]

    def _eligible(self, segment: str, *columns: str) -> str:
        """The members of `segment` (with its `columns`) an automation may target."""
        selected = ", ".join(["s.member_id", *(f"s.{c}" for c in columns)])
        return f"""
            SELECT {selected} FROM ({segment}) s
            JOIN members m ON m.id = s.member_id AND m.status = 'active'
            WHERE NOT EXISTS (
                SELECT 1 FROM automation_targets t
                WHERE t.member_id = s.member_id AND t.automation = :automation
                  AND t.targeted_at > :cooldown_since)
            ORDER BY s.member_id"""

    async def _members(self, segment: str, params: dict[str, Any]) -> list[int]:
        rows = await self._tuples(self._eligible(segment), params)
        return [int(row[0]) for row in rows]

    # -- selections ------------------------------------------------------------------------

    async def rebuild_activity(self) -> None:
        """Recompute every member's `member_activity` row from the purchases, set-based (the
        migration that made the table); the purchase path keeps one member's row itself."""
        for statement in activity_statements(self._postgres):
            await self._connection.execute_query(statement)

    # -- what the purchase path keeps ------------------------------------------------------
    #
    # Two read models per window length (docs/DECISIONS.md, "Segments"):
    # - member_window_totals: spend and purchases per member and category ('' for none), for
    #   the favourite category;
    # - member_window_buyers: spend, purchases and latest purchase (epoch seconds) per member,
    #   for VIP. A buyer's latest purchase only grows while they stay in the window; the row
    #   goes when their count reaches 0.
    # Both run from the window's start to the latest purchase; a selection cuts them at its
    # own moment (`_later`).

    async def purchase_added(
        self, member_id: int, category: str | None, amount: int, at: datetime
    ) -> None:
        """Keep the read models of a purchase just written in this transaction: the member's
        rhythm, and every window's totals the purchase falls in."""
        await self._member_activity(member_id)
        params = {
            "member": member_id,
            "category": category or "",
            "amount": amount,
            "at": at,
            "at_e": int(at.timestamp()),
        }
        await self._execute(
            f"""
            INSERT INTO member_window_totals (window_seconds, member_id, category, spend, n)
            SELECT window_seconds, :member, :category, :amount, 1 FROM window_rolls
            WHERE boundary < :at
            {self._add_totals}""",
            params,
        )
        await self._execute(
            f"""
            INSERT INTO member_window_buyers (window_seconds, member_id, spend, n, last_e)
            SELECT window_seconds, :member, :amount, 1, :at_e FROM window_rolls
            WHERE boundary < :at
            {self._add_buyers}""",
            params,
        )

    async def _member_activity(self, member_id: int) -> None:
        """One member's `member_activity` row, computed here from their purchase times (an
        index range) by the domain's `visit_rhythm`, the rules `activity_statements` writes in
        SQL: cheaper per purchase than the set-based statement."""
        rows = await self._fetch(
            f"SELECT {self._epoch('created_at')} FROM purchases WHERE member_id = :member "
            "ORDER BY created_at",
            {"member": member_id},
        )
        if not rows:
            return
        last_e, median = visit_rhythm([int(row[0]) for row in rows])
        median_gap = None if median is None else float(median)
        await self._execute(
            """
            INSERT INTO member_activity (member_id, last_e, median_gap)
            VALUES (:member, :last_e, :median_gap)
            ON CONFLICT (member_id) DO UPDATE
                SET last_e = excluded.last_e, median_gap = excluded.median_gap""",
            {
                "member": member_id,
                "last_e": last_e,
                "median_gap": median_gap,
            },
        )

    async def purchase_refunded(self, purchase_id: int, amount: int) -> None:
        """Take a refund of `amount` off the totals of every window its purchase is in."""
        windows = """window_seconds IN (
            SELECT window_seconds FROM window_rolls
            WHERE boundary < (SELECT created_at FROM purchases WHERE id = :purchase))"""
        member = "member_id = (SELECT member_id FROM purchases WHERE id = :purchase)"
        params = {"purchase": purchase_id, "amount": amount}
        await self._execute(
            f"""
            UPDATE member_window_totals SET spend = spend - :amount
            WHERE {member} AND {windows}
              AND category = (SELECT COALESCE(category, '') FROM purchases WHERE id = :purchase)""",
            params,
        )
        await self._execute(
            f"UPDATE member_window_buyers SET spend = spend - :amount WHERE {member} AND {windows}",
            params,
        )

    async def window_totals_at(self, now: datetime, since: datetime) -> int | None:
        """Make the window read models hold the window (since, now] and return its key (its
        length in seconds), or None when they cannot answer for `now`: a purchase after it (an
        as-of question about the past), which the caller answers from the purchases.

        A window length is built from the purchases the first time it is asked for; after that
        each call only moves it: the purchases between the old and the new start leave (or,
        for an earlier start, come back), a day's worth for a daily run. The purchase path adds
        each new purchase and a refund takes its amount off."""
        # Purchases dated after `now` are in the totals; the selections take them off again
        # (`_later`), which is cheap for the few a running shop adds while a job starts, not
        # for an as-of question about last month.
        later = await self._fetch(
            "SELECT COUNT(*) FROM (SELECT 1 FROM purchases WHERE created_at > :now LIMIT :cap) s",
            {"now": now, "cap": LATER_PURCHASES_LIMIT},
        )
        if int(later[0][0]) >= LATER_PURCHASES_LIMIT:
            return None
        window = int((now - since).total_seconds())
        boundary = await self._locked_boundary(window)
        if boundary is None:
            created = await self._rows(
                """
                INSERT INTO window_rolls (window_seconds, boundary) VALUES (:window, :since)
                ON CONFLICT (window_seconds) DO NOTHING RETURNING window_seconds""",
                {"window": window, "since": since},
            )
            if created:
                await self._fill_window(window, since)
                return window
            boundary = await self._locked_boundary(window)  # another process built it
        if boundary is not None and boundary != since:
            low, high, sign = (boundary, since, -1) if boundary < since else (since, boundary, 1)
            await self._move_window(window, low, high, sign)
            await self._execute(
                "UPDATE window_rolls SET boundary = :since WHERE window_seconds = :window",
                {"window": window, "since": since},
            )
        return window

    async def build_window_totals(self, now: datetime, since: datetime) -> int:
        """Build the window (since, now] from the purchases, whatever was there (a one-off:
        `window_totals_at` does it on first use)."""
        window = int((now - since).total_seconds())
        await self._execute(
            "DELETE FROM window_rolls WHERE window_seconds = :window", {"window": window}
        )
        await self._execute(
            "INSERT INTO window_rolls (window_seconds, boundary) VALUES (:window, :since)",
            {"window": window, "since": since},
        )
        await self._fill_window(window, since)
        return window

    async def _fill_window(self, window: int, since: datetime) -> None:
        params = {"window": window, "since": since}
        for table in ("member_window_totals", "member_window_buyers"):
            await self._execute(f"DELETE FROM {table} WHERE window_seconds = :window", params)
        e = self._epoch("MAX(created_at)")
        await self._execute(
            """
            INSERT INTO member_window_totals (window_seconds, member_id, category, spend, n)
            SELECT :window, member_id, COALESCE(category, ''), SUM(amount - refunded_amount),
                   COUNT(*)
            FROM purchases WHERE created_at > :since
            GROUP BY member_id, COALESCE(category, '')
            ORDER BY member_id""",
            params,
        )
        await self._execute(
            f"""
            INSERT INTO member_window_buyers (window_seconds, member_id, spend, n, last_e)
            SELECT :window, member_id, SUM(amount - refunded_amount), COUNT(*), {e}
            FROM purchases WHERE created_at > :since GROUP BY member_id ORDER BY member_id""",
            params,
        )
        # (Written in member order: the selections read them in that order.)
        if self._postgres:
            # The planner's figures for the new rows, before this transaction reads them.
            await self._execute("ANALYZE member_window_totals, member_window_buyers", {})

    async def _move_window(self, window: int, low: datetime, high: datetime, sign: int) -> None:
        """Take out (sign -1) or put back (+1) the purchases in (low, high]."""
        params = {"window": window, "low": low, "high": high}
        moved = "FROM purchases WHERE created_at > :low AND created_at <= :high"
        e = self._epoch("MAX(created_at)")
        await self._execute(
            f"""
            INSERT INTO member_window_totals (window_seconds, member_id, category, spend, n)
            SELECT :window, member_id, COALESCE(category, ''),
                   {sign} * SUM(amount - refunded_amount), {sign} * COUNT(*)
            {moved} GROUP BY member_id, COALESCE(category, '')
            {self._add_totals}""",
            params,
        )
        await self._execute(
            f"""
            INSERT INTO member_window_buyers (window_seconds, member_id, spend, n, last_e)
            SELECT :window, member_id, {sign} * SUM(amount - refunded_amount), {sign} * COUNT(*),
                   {e}
            {moved} GROUP BY member_id
            {self._add_buyers}""",
            params,
        )
        for table in ("member_window_totals", "member_window_buyers"):
            await self._execute(
                f"""
                DELETE FROM {table}
                WHERE window_seconds = :window AND n = 0
                  AND member_id IN (SELECT member_id {moved})""",
                params,
            )

    @property
    def _add_totals(self) -> str:
        return """ON CONFLICT (window_seconds, member_id, category) DO UPDATE
            SET spend = member_window_totals.spend + excluded.spend,
                n = member_window_totals.n + excluded.n"""

    @property
    def _add_buyers(self) -> str:
        greatest = "GREATEST" if self._postgres else "MAX"
        return f"""ON CONFLICT (window_seconds, member_id) DO UPDATE
            SET spend = member_window_buyers.spend + excluded.spend,
                n = member_window_buyers.n + excluded.n,
                last_e = {greatest}(member_window_buyers.last_e, excluded.last_e)"""

    async def _locked_boundary(self, window: int) -> datetime | None:
        # FOR UPDATE: one mover at a time per window length (SQLite runs one transaction).
        lock = " FOR UPDATE" if self._postgres else ""
        rows = await self._rows(
            f"SELECT boundary FROM window_rolls WHERE window_seconds = :window{lock}",
            {"window": window},
        )
        return _moment(rows[0]["boundary"]) if rows else None

    async def _execute(self, sql: str, params: dict[str, Any]) -> None:
        query, values = self._prepare(sql, params)
        await self._connection.execute_query(query, values)

    async def lapsed(
        self,
        now: datetime,
        *,
        min_days: int,
        k: int,
        automation: str,
        cooldown_since: datetime,
    ) -> list[int]:
        """No purchase for longer than max(min_days, k x the member's median gap between
        visits), read from `member_activity` (kept by `purchase_added`): the range on the
        indexed latest purchase keeps only members silent for more than min_days."""
        segment = """
            SELECT member_id FROM member_activity
            WHERE last_e < :quiet_before AND :now_e - last_e > CASE
                WHEN median_gap IS NULL OR :k * median_gap < :min_gap THEN :min_gap
                ELSE :k * median_gap END"""
        now_e = int(now.timestamp())
        return await self._members(
            segment,
            {
                "now_e": now_e,
                "quiet_before": now_e - min_days * 86400,
                "k": k,
                "min_gap": min_days * 86400,
                "automation": automation,
                "cooldown_since": cooldown_since,
            },
        )

    async def vip(
        self,
        now: datetime,
        *,
        since: datetime,
        share_bp: int,
        automation: str,
        cooldown_since: datetime,
    ) -> list[int]:
        """The top `share_bp` of buyers in (since, now] by RFM score (quintile score per
        measure = 1 + 5 x (buyers strictly worse) / buyers, i.e. 1 + 5 x (RANK - 1) / n), then
        spend, purchase count, latest purchase, lower id; the size is rounded up."""
        window = await self.window_totals_at(now, since)
        if window is None:
            buyers = f"""
                SELECT member_id, {self._epoch("MAX(created_at)")} AS last_e, COUNT(*) AS f,
                       SUM(amount - refunded_amount) AS m
                FROM purchases WHERE created_at > :since AND created_at <= :now
                GROUP BY member_id"""
        else:
            # A buyer who also bought after `now` has their latest purchase up to `now` read
            # from the purchases (a handful of members).
            buyers = f"""
                SELECT w.member_id,
                       CASE WHEN x.member_id IS NULL THEN w.last_e ELSE (
                           SELECT {self._epoch("MAX(p.created_at)")} FROM purchases p
                           WHERE p.member_id = w.member_id
                             AND p.created_at > :since AND p.created_at <= :now) END AS last_e,
                       w.n - COALESCE(x.n, 0) AS f, w.spend - COALESCE(x.spend, 0) AS m
                FROM member_window_buyers w
                LEFT JOIN ({_later("member_id")}) x ON x.member_id = w.member_id
                WHERE w.window_seconds = :window AND w.n - COALESCE(x.n, 0) > 0"""
        # The cut is a top-N (ORDER BY ... LIMIT) rather than a numbering of every buyer, over
        # only the buyers whose score reaches the k-th best score (`cut`, from the dozen
        # distinct scores' counts).
        segment = f"""
            WITH b AS ({buyers}),
            scored AS (
                SELECT member_id, last_e, f, m,
                       1 + 5 * (RANK() OVER (ORDER BY last_e) - 1) / COUNT(*) OVER ()
                     + 1 + 5 * (RANK() OVER (ORDER BY f) - 1) / COUNT(*) OVER ()
                     + 1 + 5 * (RANK() OVER (ORDER BY m) - 1) / COUNT(*) OVER () AS score
                FROM b),
            quota AS (SELECT (COUNT(*) * :share_bp + 9999) / 10000 AS k FROM b),
            cut AS (
                SELECT MAX(score) AS score FROM (
                    SELECT score, SUM(c) OVER (ORDER BY score DESC) AS reached
                    FROM (SELECT score, COUNT(*) AS c FROM scored GROUP BY score) h) r
                WHERE reached >= (SELECT k FROM quota))
            SELECT member_id FROM scored
            WHERE score >= (SELECT COALESCE(MAX(score), 0) FROM cut)
            ORDER BY score DESC, m DESC, f DESC, last_e DESC, member_id
            LIMIT (SELECT k FROM quota)"""
        return await self._members(
            segment,
            {
                "now": now,
                "since": since,
                "window": window,
                "share_bp": share_bp,
                "automation": automation,
                "cooldown_since": cooldown_since,
            },
        )

    async def favourite_categories(
        self,
        now: datetime,
        *,
        since: datetime,
        categories: Sequence[str],
        automation: str,
        cooldown_since: datetime,
    ) -> dict[int, str]:
        """Each member's category with the most spend in (since, now], ties to more purchases,
        then the first code; only members whose favourite is one of `categories`."""
        if not categories:
            return {}
        quoted = ", ".join("'" + c.replace("'", "''") + "'" for c in categories)
        window = await self.window_totals_at(now, since)
        if window is None:
            totals = """
                SELECT member_id, category, SUM(amount - refunded_amount) AS spend,
                       COUNT(*) AS n
                FROM purchases
                WHERE created_at > :since AND created_at <= :now AND category IS NOT NULL
                GROUP BY member_id, category"""
        else:
            later = _later("member_id", "COALESCE(category, '')")
            totals = f"""
                SELECT t.member_id, t.category, t.spend - COALESCE(x.spend, 0) AS spend,
                       t.n - COALESCE(x.n, 0) AS n
                FROM member_window_totals t
                LEFT JOIN ({later}) x ON x.member_id = t.member_id AND x.category = t.category
                WHERE t.window_seconds = :window AND t.category <> ''
                  AND t.n - COALESCE(x.n, 0) > 0"""
        sql = f"""
            WITH c AS ({totals}),
            ranked AS (
                SELECT member_id, category, ROW_NUMBER() OVER (
                    PARTITION BY member_id ORDER BY spend DESC, n DESC, category) AS rn
                FROM c),
            fav AS (SELECT member_id, category FROM ranked
                    WHERE rn = 1 AND category IN ({quoted}))
            {self._eligible("SELECT member_id, category FROM fav", "category")}"""
        rows = await self._tuples(
            sql,
            {
                "now": now,
                "since": since,
                "window": window,
                "automation": automation,
                "cooldown_since": cooldown_since,
            },
        )
        return {int(row[0]): str(row[1]) for row in rows}

    async def hourly_traffic(self, since: datetime, now: datetime) -> dict[int, int]:
        """Purchases in (since, now] per UTC hour (epoch seconds // 3600): at most 24 rows a
        day however many purchases; the caller maps hours to local hours of the week."""
        sql = f"""
            SELECT {self._epoch("created_at")} / 3600 AS h, COUNT(*) AS n FROM purchases
            WHERE created_at > :since AND created_at <= :now GROUP BY 1"""
        rows = await self._rows(sql, {"since": since, "now": now})
        return {int(row["h"]): int(row["n"]) for row in rows}

    async def regulars_avoiding(
        self,
        now: datetime,
        *,
        since: datetime,
        min_purchases: int,
        avoided_hours: Sequence[int],
        automation: str,
        cooldown_since: datetime,
    ) -> list[int]:
        """Members with >= min_purchases purchases in (since, now] and none in any of the
        `avoided_hours` (UTC epoch hours)."""
        hours = ", ".join(str(int(h)) for h in avoided_hours) or "-1"
        segment = f"""
            SELECT member_id FROM purchases
            WHERE created_at > :since AND created_at <= :now
            GROUP BY member_id
            HAVING COUNT(*) >= :min_purchases
               AND SUM(CASE WHEN {self._epoch("created_at")} / 3600 IN ({hours})
                            THEN 1 ELSE 0 END) = 0"""
        return await self._members(
            segment,
            {
                "now": now,
                "since": since,
                "min_purchases": min_purchases,
                "automation": automation,
                "cooldown_since": cooldown_since,
            },
        )

    async def member_timezones(self) -> list[str | None]:
        """The distinct time zones of members with a birthday (NULL: the program's)."""
        rows = await self._rows(
            "SELECT DISTINCT timezone FROM members WHERE birthday IS NOT NULL", {}
        )
        return [row["timezone"] for row in rows]

    async def birthdays(
        self,
        month_days: Sequence[str],
        *,
        timezone: str | None,
        automation: str,
        cooldown_since: datetime,
    ) -> list[int]:
        """Members in `timezone` (None: members with no zone of their own) whose birthday's
        month and day ('MM-DD') is one of `month_days`."""
        md = "to_char(birthday, 'MM-DD')" if self._postgres else "strftime('%m-%d', birthday)"
        zone = "timezone IS NULL" if timezone is None else "timezone = :zone"
        days = ", ".join("'" + d + "'" for d in month_days if re.fullmatch(r"\d\d-\d\d", d))
        segment = f"""
            SELECT id AS member_id FROM members
            WHERE birthday IS NOT NULL AND {zone} AND {md} IN ({days})"""
        return await self._members(
            segment,
            {"zone": timezone, "automation": automation, "cooldown_since": cooldown_since},
        )

    async def expiring_points(
        self, after: datetime, until: datetime, *, automation: str, cooldown_since: datetime
    ) -> dict[int, int]:
        """Members with a lot expiring in (after, until], and the points of theirs that will
        have expired by `until`."""
        sql = f"""
            WITH soon AS (
                SELECT DISTINCT member_id FROM point_lots
                WHERE remaining > 0 AND expires_at > :after AND expires_at <= :until),
            e AS ({self._eligible("SELECT member_id FROM soon")})
            SELECT l.member_id, SUM(l.remaining) AS points FROM point_lots l
            JOIN e ON e.member_id = l.member_id
            WHERE l.remaining > 0 AND l.expires_at <= :until
            GROUP BY l.member_id ORDER BY l.member_id"""
        rows = await self._rows(
            sql,
            {
                "after": after,
                "until": until,
                "automation": automation,
                "cooldown_since": cooldown_since,
            },
        )
        return {int(row["member_id"]): int(row["points"]) for row in rows}

    async def tier_candidates(
        self, since: datetime, ladder: Sequence[tuple[int, str]], base: str
    ) -> list[int]:
        """Members not forgotten whose stored tier differs from the one their spend since
        `since` (purchases less refunds) earns; only these ids come back to Python."""
        earned = "".join(
            f" WHEN COALESCE(s.spend, 0) >= {int(threshold)} THEN {_quote(code)}"
            for threshold, code in ladder
        )
        sql = f"""
            WITH s AS (
                SELECT member_id, SUM(amount - refunded_amount) AS spend FROM purchases
                WHERE created_at >= :since GROUP BY member_id)
            SELECT m.id AS member_id FROM members m LEFT JOIN s ON s.member_id = m.id
            WHERE m.status <> 'forgotten'
              AND m.tier_code <> CASE{earned} ELSE {_quote(base)} END
            ORDER BY m.id"""
        rows = await self._rows(sql, {"since": since})
        return [int(row["member_id"]) for row in rows]


def _moment(value: Any) -> datetime:
    """A timestamp as read back: a datetime on PostgreSQL, tortoise's text on SQLite."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _later(*keys: str) -> str:
    """Spend and count of the purchases dated after `:now`, grouped by `keys` (the last one
    named `category` when there are two)."""
    named = ", ".join([*keys[:1], *(f"{k} AS category" for k in keys[1:])])
    return f"""
        SELECT {named}, SUM(amount - refunded_amount) AS spend, COUNT(*) AS n FROM purchases
        WHERE created_at > :now GROUP BY {", ".join(keys)}"""


def epoch_sql(postgres: bool, column: str) -> str:
    """`column` (a timestamp) as whole epoch seconds. On PostgreSQL `date_part` (a float) rather
    than `EXTRACT`, whose numeric result makes per-row arithmetic several times slower."""
    if postgres:
        return f"CAST(FLOOR(date_part('epoch', {column})) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def activity_statements(postgres: bool, scope: str = "") -> tuple[str, str]:
    """The statements that rebuild the `member_activity` rows of the members in `scope` (a
    condition on `purchases.member_id`; empty: every member) from their purchases: the latest
    purchase and the median gap between visits. A visit starts at a purchase an hour or more
    after the one before; the median of n gaps is the mean of the rows numbered (n+1)/2 and
    (n+2)/2 (integer division) in gap order. Shared by the purchase path, the migration and
    `bench.gen_data`'s bulk load."""
    where = f"WHERE {scope}" if scope else ""
    e = epoch_sql(postgres, "created_at")
    return (
        f"DELETE FROM member_activity {where}",
        f"""
        INSERT INTO member_activity (member_id, last_e, median_gap)
        WITH p AS (
            SELECT member_id, {e} AS e,
                   LAG({e}) OVER (PARTITION BY member_id ORDER BY created_at) AS prev
            FROM purchases {where}),
        visits AS (
            SELECT member_id, e, e - LAG(e) OVER (PARTITION BY member_id ORDER BY e) AS gap
            FROM p WHERE prev IS NULL OR e - prev >= {SAME_VISIT_SECONDS}),
        ranked AS (
            SELECT member_id, gap,
                   ROW_NUMBER() OVER (PARTITION BY member_id ORDER BY gap) AS rn,
                   COUNT(*) OVER (PARTITION BY member_id) AS n
            FROM visits WHERE gap IS NOT NULL),
        med AS (
            SELECT member_id, AVG(gap) AS median FROM ranked
            WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2 GROUP BY member_id),
        last AS (SELECT member_id, MAX(e) AS last_e FROM p GROUP BY member_id)
        SELECT last.member_id, last.last_e, med.median
        FROM last LEFT JOIN med ON med.member_id = last.member_id""",
    )
