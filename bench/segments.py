"""Segments benchmark: the time of each automation's member selection on a database filled by
`bench.gen_data` (1 000 000 members, 10 000 000 purchases by default), on SQLite and PostgreSQL,
and the peak memory of the process.

    python -m bench.gen_data sqlite:///tmp/bench_segments.sqlite3
    python -m bench.gen_data postgres://postgres@127.0.0.1:5432/bench_segments
    python -m bench.segments [--sqlite sqlite:///tmp/bench_segments.sqlite3]
        [--postgres postgres://postgres@127.0.0.1:5432/bench_segments] [--runs 2] [--no-write]

Each database is measured in its own process (tortoise keeps per-dialect state in its model
classes), at the moment the data was generated for (`bench.gen_data.NOW`, or `--now`), with the
program's thresholds (program.toml) and nobody in cooldown. A selection is what the automation
asks the database before it writes anything: the `SqlSegments` statements
(bot/adapters/db/segments.py) the service sends, with the Python around them (the off-peak
slots from the hourly counts; each member time zone's birthdays), and, for points expiry and
tier recalculation, the ledger repository's reads that pick whom to process. Each is run
`--runs` times and the best time kept (the machine is shared).

Baseline: one plain aggregate scan of the whole purchases table (`SELECT COUNT(*),
SUM(amount - refunded_amount) FROM purchases`), run in the same process: the floor of any
selection that has to read every purchase. Prints each time, its ratio to the baseline, the
members selected and the process's peak RSS (`ru_maxrss`) after it; writes the "Segments"
section of docs/PERFORMANCE.md (the notes after its `<!-- notes -->` marker stay). Goals: at
most 5 s each on PostgreSQL, 15 s on SQLite, 500 MB peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tortoise import connections

from bench.gen_data import NOW
from bench.report import publish
from bot.adapters.db import close_database, open_database
from bot.adapters.db.uow import TortoiseUnitOfWork, tortoise_uow_factory
from bot.adapters.program_file import load_program
from bot.domain.analytics import (
    DEFAULT_FAVOURITE_DAYS,
    DEFAULT_LAPSE_FACTOR,
    DEFAULT_LAPSE_MIN_DAYS,
    DEFAULT_OFF_PEAK_WEEKS,
    DEFAULT_REGULAR_MIN_PURCHASES,
    DEFAULT_RFM_DAYS,
    OpeningHours,
)
from bot.domain.program import Program
from bot.domain.rules import tier_ladder
from bot.services.automations import quiet_slots, utc_hours_in_slots, window_days

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"SQLite": 15.0, "PostgreSQL": 5.0}
RSS_GOAL_MB = 500
EXPIRY_BATCH = 200
"""`bot.services.expiry.MEMBERS_PER_BATCH`: the expiry run selects its members in pages."""

Selection = Callable[[TortoiseUnitOfWork, datetime, Program], Awaitable[int]]


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float
    selected: int
    rss_mb: float


@dataclass
class DatabaseRun:
    label: str
    purchases: int
    members: int
    baseline: float
    figures: list[Figure]
    peak_rss_mb: float


# -- the selections, with the parameters the services pass ----------------------------------------


async def favourite(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    config = program.automation("favourite")
    categories = sorted({o.category for o in program.offers if o.category is not None})
    found = await uow.segments.favourite_categories(
        now,
        since=now - timedelta(days=config.threshold("days", DEFAULT_FAVOURITE_DAYS)),
        categories=categories,
        automation="favourite",
        cooldown_since=now,
    )
    return len(found)


async def off_peak(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    config = program.automation("off_peak")
    tz = ZoneInfo(program.timezone)
    since = now - timedelta(weeks=config.threshold("weeks", DEFAULT_OFF_PEAK_WEEKS))
    hours = OpeningHours.every_day(
        config.threshold("open_hour", 8), config.threshold("close_hour", 22)
    )
    traffic = await uow.segments.hourly_traffic(since, now)
    quiet = quiet_slots(traffic, hours, tz)
    found = await uow.segments.regulars_avoiding(
        now,
        since=since,
        min_purchases=config.threshold("min_purchases", DEFAULT_REGULAR_MIN_PURCHASES),
        avoided_hours=utc_hours_in_slots(since, now, quiet, tz),
        automation="off_peak",
        cooldown_since=now,
    )
    return len(found)


async def winback(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    config = program.automation("winback")
    found = await uow.segments.lapsed(
        now,
        min_days=config.threshold("min_days", DEFAULT_LAPSE_MIN_DAYS),
        k=config.threshold("k", DEFAULT_LAPSE_FACTOR),
        automation="winback",
        cooldown_since=now,
    )
    return len(found)


async def vip(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    config = program.automation("vip")
    found = await uow.segments.vip(
        now,
        since=now - timedelta(days=config.threshold("days", DEFAULT_RFM_DAYS)),
        share_bp=config.threshold("share_percent", 10) * 100,
        automation="vip",
        cooldown_since=now,
    )
    return len(found)


async def birthday(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    found = 0
    for zone in await uow.segments.member_timezones():
        local = now.astimezone(ZoneInfo(zone or program.timezone)).date()
        found += len(
            await uow.segments.birthdays(
                [f"{local:%m-%d}"], timezone=zone, automation="birthday", cooldown_since=now
            )
        )
    return found


async def expiry_reminder(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    days = program.automation("expiry_reminder").threshold(
        "days_before", program.expiry.remind_days_before
    )
    until = now + timedelta(days=days)
    found = await uow.segments.expiring_points(
        until - timedelta(days=1), until, automation="expiry_reminder", cooldown_since=now
    )
    return len(found)


async def points_expiry(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    """The first page of members with expired lots, as `Expiry.expire_points` asks for it
    (one page per 200 members; expiring them empties the lots, so the next page is new)."""
    return len(await uow.ledger.members_with_expired_lots(now, EXPIRY_BATCH))


async def tier_recalculation(uow: TortoiseUnitOfWork, now: datetime, program: Program) -> int:
    """The candidates of `Tiers.recalculate_tiers`: the members whose stored tier differs from
    the one their window spend earns (the run then re-checks each under its lock)."""
    ladder = tier_ladder(program)
    since = now - timedelta(days=program.tiers.window_days)
    return len(await uow.segments.tier_candidates(since, ladder, program.base_tier.code))


BUILD = "(one-off) window totals built from the purchases, first use"
HOURLY = "(hourly job) window totals moved by an hour, mean"
READS_WINDOW_TOTALS = {"favourite (personalised offer)", "vip (top decile by RFM)"}
"""These read the window totals (`SqlSegments.window_totals_at`): built once; before each timed
run the hourly job moves them through the day before it (untimed here, its mean is a row of its
own); each run is a day after the one before (the days after the data ends, when nobody bought)
and moves them by the last 10 minutes itself, as in production."""

SELECTIONS: dict[str, Selection] = {
    "favourite (personalised offer)": favourite,
    "off_peak (slots + regulars avoiding them)": off_peak,
    "winback (lapsed by own rhythm)": winback,
    "vip (top decile by RFM)": vip,
    "birthday (every member time zone)": birthday,
    "expiry_reminder (lots expiring in 7 days)": expiry_reminder,
    "points_expiry (members with expired lots, first page)": points_expiry,
    "tier_recalculation (members whose tier changes)": tier_recalculation,
}


# -- one database ----------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def scalar(sql: str) -> Any:
    rows = await connections.get("default").execute_query_dict(sql)
    return next(iter(rows[0].values()))


async def best_of(
    runs: int,
    call: Callable[[], Awaitable[int]],
    prepare: Callable[[], Awaitable[object]] | None = None,
) -> tuple[float, int]:
    best, selected = float("inf"), 0
    for _ in range(runs):
        if prepare is not None:
            await prepare()  # untimed: what ran before the selection
        started = time.perf_counter()
        selected = await call()
        best = min(best, time.perf_counter() - started)
    return best, selected


async def run_database(label: str, url: str, now: datetime, runs: int) -> DatabaseRun:
    program = load_program(ROOT / "program.toml")
    await open_database(url)
    try:
        purchases = int(await scalar("SELECT COUNT(*) AS n FROM purchases"))
        members = int(await scalar("SELECT COUNT(*) AS n FROM members"))

        async def baseline_scan() -> int:
            sql = "SELECT COUNT(*) AS n, SUM(amount - refunded_amount) AS s FROM purchases"
            return int(await scalar(sql))

        baseline, _ = await best_of(runs, baseline_scan)
        print(f"  {label:10} baseline scan {baseline:7.2f} s", file=sys.stderr, flush=True)
        figures = []
        windows = window_days(program)

        async def build_totals() -> int:
            """The window totals built from the purchases (their first use), as of `now`."""
            async with tortoise_uow_factory() as uow:
                for days in windows:
                    await uow.segments.build_window_totals(now, now - timedelta(days=days))
            if label == "PostgreSQL":
                await connections.get("default").execute_script(
                    "VACUUM (ANALYZE) member_window_totals, member_window_buyers"
                )
            return len(windows)

        seconds, _ = await best_of(1, build_totals)
        figures.append(Figure(BUILD, seconds, 0, peak_rss_mb()))
        print(f"  {label:10} {BUILD:55} {seconds:7.2f} s", file=sys.stderr, flush=True)
        days_after = itertools.count(1)
        moment = now
        hourly: list[float] = []

        async def hourly_job() -> None:
            """The day before the next run, as the hourly job (`move_window_totals`) spends
            it: a move at 50 past each hour, the last 10 minutes before the run."""
            nonlocal moment
            moment = now + timedelta(days=next(days_after))
            for hour in range(24):
                at = moment - timedelta(days=1) + timedelta(minutes=50, hours=hour)
                started = time.perf_counter()
                async with tortoise_uow_factory() as uow:
                    for days in windows:
                        await uow.segments.window_totals_at(at, at - timedelta(days=days))
                hourly.append(time.perf_counter() - started)

        for name, selection in SELECTIONS.items():

            async def call(selection: Selection = selection, name: str = name) -> int:
                at = moment if name in READS_WINDOW_TOTALS else now
                async with tortoise_uow_factory() as uow:
                    return await selection(uow, at, program)

            prepare = hourly_job if name in READS_WINDOW_TOTALS else None
            seconds, selected = await best_of(runs, call, prepare)
            figures.append(Figure(name, seconds, selected, peak_rss_mb()))
            print(
                f"  {label:10} {name:55} {seconds:7.2f} s {seconds / baseline:6.2f}x "
                f"{selected:>8} selected, peak RSS {peak_rss_mb():.0f} MB",
                file=sys.stderr,
                flush=True,
            )
        mean = sum(hourly) / len(hourly)
        figures.insert(1, Figure(HOURLY, mean, 0, peak_rss_mb()))
        print(f"  {label:10} {HOURLY:55} {mean:7.2f} s (max {max(hourly):.2f})", file=sys.stderr)
        return DatabaseRun(label, purchases, members, baseline, figures, peak_rss_mb())
    finally:
        await close_database()


def run_child(label: str, url: str, now: datetime, runs: int) -> DatabaseRun:
    command = [sys.executable, "-m", "bench.segments", "child", label, url, now.isoformat()]
    done = subprocess.run(
        [*command, str(runs)], check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    figures = [Figure(**figure) for figure in data.pop("figures")]
    return DatabaseRun(figures=figures, **data)


async def child(label: str, url: str, now: datetime, runs: int) -> None:
    run = await run_database(label, url, now, runs)
    print(json.dumps(asdict(run)))


# -- the report ------------------------------------------------------------------------------------


def render(runs: list[DatabaseRun], now: datetime, repeats: int) -> str:
    sizes = ", ".join(f"{r.label} {r.members:,} members / {r.purchases:,} purchases" for r in runs)
    lines = [
        "## Segments",
        "",
        f"`python -m bench.segments --runs {repeats}` on {platform.machine()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPU(s), {time.strftime('%Y-%m-%d')}, "
        f"load average {os.getloadavg()[0]:.1f} at the end (the machine is shared: other "
        f"work ran beside it, so the times are pessimistic). Data: `python -m bench.gen_data` "
        f"({sizes}), selections at {now:%Y-%m-%d %H:%M} UTC with the thresholds of "
        "program.toml, nobody in cooldown; best of the runs. Baseline: one aggregate scan of "
        "the whole purchases table (`SELECT COUNT(*), SUM(amount - refunded_amount) FROM "
        "purchases`). Goals: ≤ 5 s each on PostgreSQL, ≤ 15 s on SQLite, ≤ 500 MB peak RSS.",
        "",
        "| selection | " + " | ".join(f"{r.label} s | × baseline | selected" for r in runs) + " |",
        "|---|" + "---:|---:|---:|" * len(runs),
        "| baseline: aggregate scan of purchases | "
        + " | ".join(f"{r.baseline:.2f} | 1.00 | " for r in runs)
        + " |",
    ]
    for i, figure in enumerate(runs[0].figures):
        cells = []
        for run in runs:
            f = run.figures[i]
            goal = float("inf") if f.name in (BUILD, HOURLY) else GOALS.get(run.label, float("inf"))
            mark = "" if f.seconds <= goal else " **over goal**"
            cells.append(f"{f.seconds:.2f}{mark} | {f.seconds / run.baseline:.2f} | {f.selected:,}")
        lines.append(f"| {figure.name} | " + " | ".join(cells) + " |")
    lines.append(
        "| peak RSS of the process | "
        + " | ".join(f"{r.peak_rss_mb:.0f} MB | | " for r in runs)
        + " |"
    )
    lines.append("")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> None:
    runs = []
    for label, url in (("SQLite", args.sqlite), ("PostgreSQL", args.postgres)):
        if url:
            runs.append(run_child(label, url, args.now, args.runs))
    section = render(runs, args.now, args.runs)
    publish(section, write=not args.no_write)


def cli(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        label, url, now, runs = argv[1:5]
        asyncio.run(child(label, url, datetime.fromisoformat(now), int(runs)))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sqlite", default="sqlite:///tmp/bench_segments.sqlite3")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_segments"
        ),
        help="empty: SQLite only",
    )
    parser.add_argument("--now", type=datetime.fromisoformat, default=NOW)
    parser.add_argument("--runs", type=int, default=2, help="runs of each selection; best kept")
    parser.add_argument("--no-write", action="store_true", help="do not update PERFORMANCE.md")
    main(parser.parse_args(argv))


if __name__ == "__main__":
    cli()
