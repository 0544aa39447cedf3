"""Synthetic loyalty data for tests and benchmarks: members with their own rhythm (daily to
monthly), a favourite category, preferred hours, a birthday and a time zone, some of them lapsed,
with the purchases, earn entries and point lots the ledger would have written.

    python -m bench.gen_data sqlite:///tmp/segments.sqlite3 [--members 1000000]
        [--purchases 10000000] [--seed 8] [--now 2026-11-20T15:00:00+00:00]
    python -m bench.gen_data postgres://postgres@127.0.0.1:5432/bench_segments ...

The database is migrated first (`migrate_database`); rows are then bulk loaded in chunks of
members (memory stays bounded whatever the size): PostgreSQL through asyncpg's COPY
(`copy_records_to_table`), SQLite through `executemany`, one transaction per chunk, with
`synchronous=OFF` and a large page cache on the loading connection only. Ids continue after the
highest ones present, so the generator can add to a database that has rows. From tests,
`await generate(database_url, Spec(members=300, ...), program)` writes into the test database
and returns what was planted.

What is planted, by construction, so that tests can check the selections of
`bot/adapters/db/segments.py` against it (`Planted`):
- rhythm: gaps between visits are `rhythm x U(0.75, 1.25)` whole days at a preferred hour (open
  hours only); a lapsed member's silence is well above `max(min_days, k x any median gap
  their gaps allow)`, an active member's well below it, so the planted lapsed members are
  exactly those the definition calls lapsed;
- favourite category: counting back from the latest purchase, two of every three are in the
  favourite category and cost more than any other one, so the favourite over any recent window
  is the planted one;
- quiet slots: a quarter of the open hours of the week (at most 4 a weekday) that only the
  "quiet goers" (2 %) visit, in one purchase of four; everyone else never does;
- whales (1 %): daily buyers with triple checks who bought in the last hours: top of any RFM
  ranking;
- birthdays today in the member's own time zone (0.3 %); every other birthday avoids today;
- point lots expire `points.expire_after_days` after their purchase: lots already past expiry
  by more than a day are empty (earlier expiry runs), those due today are not, a fifth of the
  rest were spent; the ones expiring in the reminder window are recorded;
- tiers: each stored tier is what the member's lifetime spend earns, so those whose older
  purchases left the tier window are due a downgrade at the recalculation.

Not modelled: redemptions, refunds and expiry entries (the ledger of a generated member does not
pass `check-ledger`: its balance is the sum of its open lots), coupons, outbox rows.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import math
import random
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.adapters.db import migrate_database
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry, PointLot, Purchase
from bot.adapters.db.segments import activity_statements
from bot.adapters.program_file import load_program
from bot.domain.analytics import (
    DEFAULT_LAPSE_FACTOR,
    DEFAULT_LAPSE_MIN_DAYS,
    OpeningHours,
)
from bot.domain.program import Program
from bot.domain.rules import points_for_purchase, tier_for_spend

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
"""The default moment the data leads up to (`bench.segments` selects at it)."""
DAY = 86_400
RHYTHMS = ((1, 3), (2, 7), (7, 35), (14, 25), (30, 30))
"""(days between visits, percent of members)."""
TIMEZONES = (
    (None, 85),
    ("Europe/Kaliningrad", 5),
    ("Asia/Yekaterinburg", 5),
    ("Asia/Vladivostok", 5),
)
"""(member's own time zone, percent); None: the program's."""
FORGOTTEN, JOINING, WHALES, LAPSED, QUIET_GOERS = 0.01, 0.01, 0.01, 0.15, 0.02
BIRTHDAYS, SPENT_LOTS = 0.8, 0.2
HOUR_WEIGHTS = {8: 5, 9: 6, 10: 4, 11: 3, 12: 6, 13: 6, 14: 3, 15: 2, 16: 3, 17: 5, 18: 6, 19: 4}
"""Popularity of the local hours of day (others: 2), for the members' preferred hours."""


@dataclass(frozen=True)
class Spec:
    members: int
    purchases: int
    """Aimed at: each member's count is drawn around purchases / members, then capped by the
    history; the written total is in `Planted.purchases`."""
    seed: int = 8
    now: datetime = NOW
    history_days: int = 730
    chunk: int = 10_000
    """Members generated and written per transaction."""
    birthday_today: float = 0.003
    """The share of members whose birthday is today in their time zone."""


@dataclass
class Planted:
    """What `generate` wrote on purpose. Ids are kept only with `keep_ids` (small runs); the
    counts always."""

    quiet_slots: list[int]
    """Local hours of the week (weekday x 24 + hour, program time zone) nobody but the quiet
    goers visits."""
    members: int = 0
    purchases: int = 0
    lots: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    lapsed: set[int] = field(default_factory=set)
    whales: set[int] = field(default_factory=set)
    quiet_goers: set[int] = field(default_factory=set)
    birthday_today: set[int] = field(default_factory=set)
    favourite: dict[int, str] = field(default_factory=dict)
    """Every active member with a purchase: their favourite category."""
    expiring: dict[int, int] = field(default_factory=dict)
    """Active members with a lot expiring in the reminder window: points gone by its end."""
    expired_due: set[int] = field(default_factory=set)
    """Members with a non-empty lot past expiry (the next expiry run's)."""
    tier_moves: dict[int, str] = field(default_factory=dict)
    """Members whose stored tier differs from what their spend in the tier window earns."""

    def add(self, name: str, member_id: int, keep: bool) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        if keep:
            collection = getattr(self, name)
            collection.add(member_id)


@dataclass(frozen=True)
class _Rules:
    """The program's numbers the generator plants around."""

    tz: ZoneInfo
    min_days: int
    k: int
    open_slots: list[int]
    expire_days: int | None
    remind_days: int
    tier_window_days: int
    categories: list[str]

    @classmethod
    def of(cls, program: Program) -> _Rules:
        winback = program.automation("winback")
        off_peak = program.automation("off_peak")
        hours = OpeningHours.every_day(
            off_peak.threshold("open_hour", 8), off_peak.threshold("close_hour", 22)
        )
        return cls(
            tz=ZoneInfo(program.timezone),
            min_days=winback.threshold("min_days", DEFAULT_LAPSE_MIN_DAYS),
            k=winback.threshold("k", DEFAULT_LAPSE_FACTOR),
            open_slots=hours.slots(),
            expire_days=program.expiry.after_days,
            remind_days=program.automation("expiry_reminder").threshold(
                "days_before", program.expiry.remind_days_before
            ),
            tier_window_days=program.tiers.window_days,
            categories=[c.code for c in program.categories],
        )


# -- sinks: where rows go ----------------------------------------------------------------------


class _Sink(Protocol):
    def time(self, epoch: int) -> object: ...

    def day(self, value: date) -> object: ...

    async def next_id(self, table: str) -> int: ...

    async def write(
        self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
    ) -> None: ...

    postgres: bool

    async def execute(self, sql: str) -> None: ...

    async def commit(self) -> None: ...

    async def finish(self) -> None: ...


class _SqliteSink:
    """sqlite3 on the database file, beside any other connection (WAL): executemany, one
    transaction per chunk, no fsync while loading (this connection only)."""

    postgres = False

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA cache_size = -262144")  # 256 MiB
        self._db.execute("PRAGMA temp_store = MEMORY")
        self._db.execute("BEGIN")
        self._days: dict[int, str] = {}

    def time(self, epoch: int) -> object:
        # The text tortoise stores on SQLite for an aware UTC datetime with whole seconds
        # ('2026-11-20 15:00:00+00:00'); the date part is cached per day.
        day, seconds = divmod(epoch, DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * DAY))
        hours, seconds = divmod(seconds, 3600)
        return f"{prefix}{hours:02d}:{seconds // 60:02d}:{seconds % 60:02d}+00:00"

    def day(self, value: date) -> object:
        return value.isoformat()

    async def next_id(self, table: str) -> int:
        (top,) = self._db.execute(f'SELECT MAX(id) FROM "{table}"').fetchone()
        return int(top or 0) + 1

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self._db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)

    async def execute(self, sql: str) -> None:
        self._db.execute(sql)

    async def commit(self) -> None:
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    async def finish(self) -> None:
        self._db.execute("COMMIT")
        self._db.close()


class _PostgresSink:
    """asyncpg COPY, one transaction per chunk; sequences moved past the ids written, and the
    tables vacuumed and analysed at the end (what autovacuum would do after a bulk load)."""

    TABLES = ("members", "purchases", "ledger_entries", "point_lots")
    postgres = True

    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._transaction: Any = None

    @classmethod
    async def open(cls, url: str) -> _PostgresSink:
        import asyncpg

        sink = cls(await asyncpg.connect(url.replace("postgres://", "postgresql://", 1)))
        await sink._begin()
        return sink

    async def _begin(self) -> None:
        self._transaction = self._db.transaction()
        await self._transaction.start()

    def time(self, epoch: int) -> object:
        return datetime.fromtimestamp(epoch, UTC)

    def day(self, value: date) -> object:
        return value

    async def next_id(self, table: str) -> int:
        return int(await self._db.fetchval(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"'))

    async def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        await self._db.copy_records_to_table(table, records=rows, columns=list(columns))

    async def execute(self, sql: str) -> None:
        await self._db.execute(sql)

    async def commit(self) -> None:
        await self._transaction.commit()
        await self._begin()

    async def finish(self) -> None:
        await self._transaction.commit()
        for table in self.TABLES:
            await self._db.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
        for table in (*self.TABLES, "member_activity"):
            await self._db.execute(f'VACUUM (ANALYZE) "{table}"')
        await self._db.close()


async def _open_sink(url: str) -> _Sink:
    if url.startswith(("postgres://", "postgresql://")):
        return await _PostgresSink.open(url)
    parts = urlsplit(url)
    return _SqliteSink(parts.netloc + parts.path)


# -- tables ------------------------------------------------------------------------------------


class _Table:
    """The columns the generator sets, then every other column of the model that has a
    non-null default (tortoise applies defaults in Python, not in the schema)."""

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
        meta = model._meta
        self.name: str = meta.db_table
        defaults = {
            meta.fields_db_projection[name]: meta.fields_map[name].default
            for name in meta.fields_db_projection
            if meta.fields_map[name].default is not None
            and not callable(meta.fields_map[name].default)
        }
        extra = {c: v for c, v in defaults.items() if c not in columns}
        self.columns = (*columns, *extra)
        self.defaults = tuple(extra.values())


MEMBERS = _Table(
    MemberRow,
    (
        "id", "telegram_id", "status", "locale", "first_name", "birthday", "card_code",
        "referral_code", "balance", "tier_code", "timezone", "consented_at", "joined_at",
        "forgotten_at", "created_at", "updated_at",
    ),
)  # fmt: skip
PURCHASES = _Table(
    Purchase,
    (
        "id", "member_id", "amount", "points_earned", "category", "channel", "idempotency_key",
        "request_hash", "created_at",
    ),
)  # fmt: skip
ENTRIES = _Table(
    LedgerEntry,
    (
        "id", "member_id", "amount", "reason", "actor_type", "idempotency_key", "balance_after",
        "purchase_id", "created_at",
    ),
)  # fmt: skip
LOTS = _Table(
    PointLot,
    ("id", "member_id", "entry_id", "amount", "remaining", "earned_at", "expires_at"),
)


# -- members -----------------------------------------------------------------------------------


def _pick(rng: random.Random, choices: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([c for c, _ in choices], [w for _, w in choices])[0]


def _quiet_slots(rng: random.Random, open_slots: list[int]) -> list[int]:
    """A quarter of the open slots (rounded up, like the definition's bottom quartile), at most
    4 on any weekday so that every day keeps open hours people visit."""
    wanted = -(-len(open_slots) // 4)
    per_day: dict[int, int] = {}
    chosen: list[int] = []
    for slot in rng.sample(open_slots, len(open_slots)):
        if len(chosen) < wanted and per_day.get(slot // 24, 0) < 4:
            chosen.append(slot)
            per_day[slot // 24] = per_day.get(slot // 24, 0) + 1
    return sorted(chosen)


@dataclass
class _Member:
    id: int
    status: str
    rhythm: int
    visits: int
    silence_days: int
    lapsed: bool
    whale: bool
    quiet_goer: bool
    favourite: str
    others: list[str]
    hours: list[int]
    timezone: str | None
    birthday: date | None
    birthday_today: bool
    allowed: dict[int, list[int]] = field(default_factory=dict)
    """Preferred hours outside the quiet slots, per weekday (filled as needed)."""


@dataclass
class _Rows:
    members: list[tuple[Any, ...]] = field(default_factory=list)
    purchases: list[tuple[Any, ...]] = field(default_factory=list)
    entries: list[tuple[Any, ...]] = field(default_factory=list)
    lots: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class _LotState:
    due: bool = False
    """A lot past expiry still holds points."""
    reminded: bool = False
    """A lot expires in the reminder window (the last day before now + remind days)."""
    points_by_reminder: int = 0
    """Points of the lots that will have expired by the end of the reminder window."""


class _Generator:
    def __init__(
        self, spec: Spec, program: Program, sink: _Sink, planted: Planted, keep: bool
    ) -> None:
        self.spec, self.program, self.sink, self.planted, self.keep = (
            spec, program, sink, planted, keep
        )  # fmt: skip
        self.rules = rules = _Rules.of(program)
        self.rng = random.Random(spec.seed)
        self.now = int(spec.now.timestamp())
        self.today = spec.now.astimezone(rules.tz).date()
        self.quiet = set(planted.quiet_slots)
        self.open_hours = sorted({slot % 24 for slot in rules.open_slots})
        self.hour_weights = [HOUR_WEIGHTS.get(h, 2) for h in self.open_hours]
        self.mean_visits = max(1.0, spec.purchases / max(1, spec.members))
        self.points: dict[tuple[str, str, int], int] = {}
        self.local_today: dict[str | None, date] = {
            zone: spec.now.astimezone(ZoneInfo(zone) if zone else rules.tz).date()
            for zone, _ in TIMEZONES
        }
        self.midnights: dict[int, tuple[int, int]] = {}
        self.quiet_hours = [[s % 24 for s in self.quiet if s // 24 == d] for d in range(7)]
        self.busy_hours = [
            [h for h in self.open_hours if d * 24 + h not in self.quiet] for d in range(7)
        ]

    # -- a member's profile -----------------------------------------------------------------

    def _thresholds(self, rhythm: int) -> tuple[float, float]:
        """(lowest, highest) lapse threshold in days any median gap of this rhythm can give:
        gaps are whole days in [0.75, 1.25] x rhythm (at least 1), each moved by up to the
        open hours' span (< 0.6 day) by the hour of the visit."""
        k, min_days = self.rules.k, self.rules.min_days
        low = max(min_days, k * max(0.4, max(1, round(0.75 * rhythm)) - 0.6))
        high = max(min_days, k * (max(1, round(1.25 * rhythm)) + 0.6))
        return low, high

    def _profile(self, member_id: int) -> _Member:
        rng, rules = self.rng, self.rules
        roll = rng.random()
        status = (
            "forgotten"
            if roll < FORGOTTEN
            else "joining"
            if roll < FORGOTTEN + JOINING
            else "active"
        )
        whale = status == "active" and rng.random() < WHALES
        rhythm = 1 if whale else _pick(rng, RHYTHMS)
        lapsed = not whale and status == "active" and rng.random() < LAPSED
        low, high = self._thresholds(rhythm)
        if whale:
            silence = 0
        elif lapsed:
            silence = math.ceil(high * rng.uniform(1.1, 1.8)) + 2
        else:
            silence = int(rng.uniform(0, min(low - 2, 1.25 * rhythm)))
        room = max(0, self.spec.history_days - silence)
        cap = 1 + room // max(1, round(1.25 * rhythm))
        wanted = (
            rng.randint(60, 150)
            if whale
            else 1 + int(rng.expovariate(1 / max(0.5, self.mean_visits - 1)))
        )
        visits = 0 if status == "joining" else min(cap, wanted)
        if visits == 1 and not lapsed:
            silence = max(0, min(silence, rules.min_days - 2))  # no gap: threshold min_days
        categories = rules.categories
        favourite = rng.choices(categories, [2**-i for i in range(len(categories))])[0]
        zone = None if status == "forgotten" else _pick(rng, TIMEZONES)
        birthday, today = None, False
        if status == "active" and rng.random() < BIRTHDAYS:
            today = rng.random() < self.spec.birthday_today
            birthday = self._birthday(self.local_today[zone], today)
        return _Member(
            id=member_id,
            status=status,
            rhythm=rhythm,
            visits=visits,
            silence_days=silence,
            lapsed=lapsed and visits > 0,
            whale=whale,
            quiet_goer=rng.random() < QUIET_GOERS,
            favourite=favourite,
            others=[c for c in categories if c != favourite] or [favourite],
            hours=rng.choices(self.open_hours, self.hour_weights, k=3),
            timezone=zone,
            birthday=birthday,
            birthday_today=today,
        )

    def _birthday(self, local_today: date, today: bool) -> date:
        rng = self.rng
        if today:
            year = rng.choice([y for y in range(1960, 2006) if calendar.isleap(y)])
            return local_today.replace(year=year)
        avoid = {(local_today.month, local_today.day)}
        if (local_today.month, local_today.day) == (2, 28):
            avoid.add((2, 29))  # celebrated on the 28th in common years
        while True:
            candidate = date(rng.choice([1970, 1984, 1992, 2000]), 1, 1) + timedelta(
                rng.randrange(366)
            )
            if (candidate.month, candidate.day) not in avoid:
                return candidate

    # -- a member's purchases ------------------------------------------------------------------

    def _midnight(self, days_ago: int) -> tuple[int, int]:
        """The epoch of local midnight `days_ago` days before today (program time zone), and
        that day's weekday."""
        if days_ago not in self.midnights:
            day = self.today - timedelta(days=days_ago)
            local = datetime(day.year, day.month, day.day, tzinfo=self.rules.tz)
            self.midnights[days_ago] = (int(local.timestamp()), day.weekday())
        return self.midnights[days_ago]

    def _visit(self, member: _Member, days_ago: int, quiet: bool) -> int:
        """The epoch of a visit on the local day `days_ago`, at a preferred hour that is not a
        quiet slot (at a quiet slot of that weekday when `quiet`)."""
        midnight, weekday = self._midnight(days_ago)
        if quiet:
            hours = self.quiet_hours[weekday] or member.hours
        elif weekday in member.allowed:
            hours = member.allowed[weekday]
        else:
            hours = member.allowed[weekday] = [
                h for h in member.hours if weekday * 24 + h not in self.quiet
            ] or self.busy_hours[weekday]
        return (
            midnight
            + hours[int(self.rng.random() * len(hours))] * 3600
            + int(self.rng.random() * 60) * 60
        )

    def _slot(self, epoch: int) -> int:
        local = datetime.fromtimestamp(epoch, self.rules.tz)
        return local.weekday() * 24 + local.hour

    def _times(self, member: _Member) -> list[int]:
        """Visit epochs, latest first."""
        rng, now = self.rng, self.now
        if member.whale:
            latest = now - rng.randrange(3600, 6 * 3600)
            while self._slot(latest) in self.quiet:
                latest -= 3600
            times = [latest]
            days_ago = 1
        else:
            days_ago = member.silence_days
            first = self._visit(member, days_ago, False)
            if first > now:  # later today than now: the day before
                days_ago += 1
                first = self._visit(member, days_ago, False)
            times = [first]
        while len(times) < member.visits:
            days_ago += max(1, round(member.rhythm * rng.uniform(0.75, 1.25)))
            quiet = member.quiet_goer and len(times) % 4 == 1
            times.append(self._visit(member, days_ago, quiet))
        return times

    def _points(self, tier: str, category: str, amount: int) -> int:
        key = (tier, category, amount)
        if key not in self.points:
            self.points[key] = points_for_purchase(self.program, tier, amount, category)
        return self.points[key]

    # -- a chunk of members ---------------------------------------------------------------------

    async def chunk(self, first_id: int, count: int, ids: dict[str, int]) -> None:
        """Generate `count` members from `first_id` with their rows, write them, commit."""
        rows = _Rows()
        for member_id in range(first_id, first_id + count):
            member = self._profile(member_id)
            times = self._times(member) if member.visits else []
            checks = self._checks(member, len(times))
            tier = self._tier(member, times, checks)
            balance, lots = self._ledger_rows(member, times, checks, tier, ids, rows)
            rows.members.append(self._member_row(member, times, tier, balance))
            self._plant(member, times, lots)
        for table, table_rows in (
            (MEMBERS, rows.members),
            (PURCHASES, rows.purchases),
            (ENTRIES, rows.entries),
            (LOTS, rows.lots),
        ):
            await self.sink.write(table.name, table.columns, table_rows)
        # Each member's rhythm, as the purchase path keeps it (`member_activity`).
        scope = f"member_id >= {first_id} AND member_id < {first_id + count}"
        for statement in activity_statements(self.sink.postgres, scope):
            await self.sink.execute(statement)
        await self.sink.commit()
        self.planted.members += count
        self.planted.purchases += len(rows.purchases)
        self.planted.lots += len(rows.lots)

    def _checks(self, member: _Member, visits: int) -> list[tuple[int, str]]:
        """(amount, category) of each visit, latest first: every third one in another category
        and cheaper, so the favourite leads any window that ends now."""
        rng, checks = self.rng, []
        for n in range(visits):
            if n % 3 == 2:
                check = (rng.randrange(100, 251, 10) * 100, rng.choice(member.others))
            else:
                check = (rng.randrange(300, 601, 10) * 100, member.favourite)
            checks.append((check[0] * 3, check[1]) if member.whale else check)
        return checks

    def _tier(self, member: _Member, times: list[int], checks: list[tuple[int, str]]) -> str:
        """The tier the lifetime spend earns (upgrades are immediate); the planted move is to
        what the spend in the tier window earns."""
        window_start = self.now - self.rules.tier_window_days * DAY
        lifetime = sum(amount for amount, _ in checks)
        recent = sum(a for (a, _), t in zip(checks, times, strict=True) if t >= window_start)
        tier = tier_for_spend(self.program, lifetime).code
        target = tier_for_spend(self.program, recent).code
        if member.status != "forgotten" and target != tier:
            self.planted.counts["tier_moves"] = self.planted.counts.get("tier_moves", 0) + 1
            if self.keep:
                self.planted.tier_moves[member.id] = target
        return tier

    def _ledger_rows(
        self,
        member: _Member,
        times: list[int],
        checks: list[tuple[int, str]],
        tier: str,
        ids: dict[str, int],
        rows: _Rows,
    ) -> tuple[int, _LotState]:
        """The member's purchases, earn entries and lots, oldest first; returns the balance
        (the points left in lots) and what the lots plant."""
        sink, rules = self.sink, self.rules
        expire_after = rules.expire_days * DAY if rules.expire_days else None
        remind_until = self.now + rules.remind_days * DAY
        balance = earned = 0
        state = _LotState()
        for epoch, (amount, category) in zip(reversed(times), reversed(checks), strict=True):
            purchase_id, at = ids["purchases"], sink.time(epoch)
            ids["purchases"] += 1
            points = self._points(tier, category, amount)
            rows.purchases.append(
                (purchase_id, member.id, amount, points, category, "pos", f"gen:{purchase_id}",
                 "gen", at, *PURCHASES.defaults)
            )  # fmt: skip
            if points <= 0:
                continue
            earned += points
            entry_id = ids["ledger_entries"]
            ids["ledger_entries"] += 1
            rows.entries.append(
                (entry_id, member.id, points, "purchase", "pos", f"gen:{purchase_id}:earn",
                 earned, purchase_id, at, *ENTRIES.defaults)
            )  # fmt: skip
            expires = epoch + expire_after if expire_after else None
            if expires is not None and expires <= self.now - DAY:
                remaining = 0  # expired by an earlier run
            elif expires is not None and expires <= self.now:
                remaining = points  # due: the next expiry run takes it
                state.due = True
            else:
                remaining = points if self.rng.random() >= SPENT_LOTS else 0
            if remaining and expires is not None and expires <= remind_until:
                state.points_by_reminder += remaining
                state.reminded = state.reminded or expires > remind_until - DAY
            balance += remaining
            rows.lots.append(
                (ids["point_lots"], member.id, entry_id, points, remaining, at,
                 sink.time(expires) if expires else None, *LOTS.defaults)
            )  # fmt: skip
            ids["point_lots"] += 1
        return balance, state

    def _member_row(
        self, member: _Member, times: list[int], tier: str, balance: int
    ) -> tuple[Any, ...]:
        sink = self.sink
        joined = (times[-1] if times else self.now - DAY) - self.rng.randrange(30) * DAY
        forgotten = member.status == "forgotten"
        return (
            member.id,
            None if forgotten else 5000000000 + member.id,
            member.status,
            "ru",
            None if forgotten else f"Member {member.id}",
            sink.day(member.birthday) if member.birthday else None,
            f"G{member.id:011d}",
            f"R{member.id:011d}",
            balance,
            tier,
            member.timezone,
            sink.time(joined),
            sink.time(joined),
            sink.time(self.now - DAY) if forgotten else None,
            sink.time(joined),
            sink.time(joined),
            *MEMBERS.defaults,
        )

    def _plant(self, member: _Member, times: list[int], lots: _LotState) -> None:
        planted, keep = self.planted, self.keep
        if lots.due:
            planted.add("expired_due", member.id, keep)
        if member.status != "active":
            return
        if member.lapsed:
            planted.add("lapsed", member.id, keep)
        if member.whale:
            planted.add("whales", member.id, keep)
        if member.quiet_goer and member.visits:
            planted.add("quiet_goers", member.id, keep)
        if member.birthday_today:
            planted.add("birthday_today", member.id, keep)
        if lots.reminded:
            planted.counts["expiring"] = planted.counts.get("expiring", 0) + 1
            if keep:
                planted.expiring[member.id] = lots.points_by_reminder
        if times and keep:
            planted.favourite[member.id] = member.favourite


async def generate(
    database_url: str,
    spec: Spec,
    program: Program,
    *,
    keep_ids: bool = True,
    progress: bool = False,
) -> Planted:
    """Write `spec.members` members and their rows into a migrated database; returns what was
    planted (ids only with `keep_ids`)."""
    open_slots = _Rules.of(program).open_slots
    planted = Planted(quiet_slots=_quiet_slots(random.Random(spec.seed), open_slots))
    sink = await _open_sink(database_url)
    generator = _Generator(spec, program, sink, planted, keep_ids)
    try:
        ids = {
            t: await sink.next_id(t)
            for t in ("members", "purchases", "ledger_entries", "point_lots")
        }
        started = time.perf_counter()
        for offset in range(0, spec.members, spec.chunk):
            await generator.chunk(
                ids["members"] + offset, min(spec.chunk, spec.members - offset), ids
            )
            if progress:
                rate = planted.purchases / (time.perf_counter() - started)
                print(
                    f"  {planted.members:>9} members {planted.purchases:>10} purchases "
                    f"({rate:,.0f} purchases/s)",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        await sink.finish()
    return planted


async def _main(args: argparse.Namespace) -> None:
    program = load_program(ROOT / "program.toml")
    spec = Spec(members=args.members, purchases=args.purchases, seed=args.seed, now=args.now)
    started = time.perf_counter()
    await migrate_database(args.url)
    planted = await generate(args.url, spec, program, keep_ids=False, progress=True)
    seconds = time.perf_counter() - started
    print(
        f"{planted.members} members, {planted.purchases} purchases, {planted.lots} lots in "
        f"{seconds:.0f} s; planted: "
        + ", ".join(f"{name} {n}" for name, n in sorted(planted.counts.items()))
        + f"; quiet slots {planted.quiet_slots}"
    )


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("url", help="sqlite:///path or postgres://... (migrated first)")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--purchases", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--now", type=datetime.fromisoformat, default=NOW)
    asyncio.run(_main(parser.parse_args(argv)))


if __name__ == "__main__":
    cli()
