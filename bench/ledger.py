"""Ledger benchmark: purchases and redemptions per second through the `Ledger` service.

    python -m bench.ledger [--operations 300] [--no-write]

On a fresh SQLite database, and also on PostgreSQL when BENCH_DATABASE_URL=postgres://... is
set (a throwaway database is created next to the one named, and dropped afterwards):
1. purchases and redemptions recorded one after another (sequential), each in its own unit of
   work, spread over 50 members;
2. the same, all started at once (`asyncio.gather`, each its own unit of work): concurrent;
3. redemptions all at once on ONE member (a hot account): they queue on the member's lock;
4. baseline, in the same process: a naive redemption that reads the balance, writes
   `balance = read - points` and appends an entry (no guard, no lock, no lots, no
   idempotency), sequential and concurrent on one member.
Prints operations per second, the ratios (concurrent / sequential, service / naive), and how
many balances disagree with their entries afterwards (lost updates); writes the "Ledger"
section of docs/PERFORMANCE.md. Times are wall-clock on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tortoise.transactions import in_transaction

from bot.adapters.clock import SystemClock
from bot.adapters.db import close_database, migrate_database, open_database
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry as EntryRow
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.program_file import load_program
from bot.domain.errors import InsufficientPoints
from bot.domain.ledger_records import LedgerActor
from bot.services.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = 50
CHECK = 1000_00
"""A 1 000 ₽ check: earns 30 points at silver, takes up to 300 points."""
POINTS = 50
OWNER = LedgerActor.owner(1)
POS = LedgerActor.pos()


@dataclass(frozen=True)
class Figure:
    name: str
    operations: int
    seconds: float
    failed: int = 0

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0


@dataclass
class DatabaseRun:
    label: str
    figures: dict[str, Figure]
    service_drift: int
    naive_drift: int
    naive_lost_points: int


async def timed(
    name: str, calls: list[Callable[[], Awaitable[object]]], *, concurrent: bool
) -> Figure:
    failed = 0
    started = time.perf_counter()
    if concurrent:
        outcomes = await asyncio.gather(*(call() for call in calls), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, InsufficientPoints):
                failed += 1
            elif isinstance(outcome, BaseException):
                raise outcome
    else:
        for call in calls:
            try:
                await call()
            except InsufficientPoints:
                failed += 1
    return Figure(name, len(calls) - failed, time.perf_counter() - started, failed)


async def add_members(count: int, tag: str) -> list[int]:
    ids = []
    for n in range(count):
        row = await MemberRow.create(
            telegram_id=None,
            status="active",
            card_code=f"{tag}{n:06d}",
            referral_code=f"{tag}{n:06d}",
            tier_code="silver",
        )
        ids.append(int(row.id))
    return ids


async def naive_redeem(member_id: int, points: int, key: str) -> None:
    """The baseline: read, compute, write back. Correct alone; loses updates when two run at
    once on PostgreSQL (both read the same balance). SQLite runs them one at a time."""
    async with in_transaction("default") as connection:
        member = await MemberRow.filter(id=member_id).using_db(connection).get()
        if member.balance < points:
            raise InsufficientPoints(points=points)
        balance = member.balance - points
        await MemberRow.filter(id=member_id).using_db(connection).update(balance=balance)
        await EntryRow.create(
            using_db=connection,
            member_id=member_id,
            amount=-points,
            reason="redemption",
            actor_type="pos",
            idempotency_key=key,
            balance_after=balance,
            created_at=datetime.now(UTC),
        )


async def drift(member_ids: list[int]) -> tuple[int, int]:
    """Members whose balance disagrees with their entries, and by how many points in all."""
    members, points = 0, 0
    for member_id in member_ids:
        balance = (await MemberRow.get(id=member_id)).balance
        total = sum(await EntryRow.filter(member_id=member_id).values_list("amount", flat=True))
        if balance != total:
            members += 1
            points += abs(balance - total)
    return members, points


async def run_database(label: str, url: str, operations: int) -> DatabaseRun:
    await migrate_database(url)
    await open_database(url)
    try:
        ledger = Ledger(tortoise_uow_factory, SystemClock(), load_program(ROOT / "program.toml"))
        figures: dict[str, Figure] = {}

        def note(figure: Figure) -> None:
            figures[figure.name] = figure
            print(
                f"  {label:10} {figure.name:36} {figure.per_second:8.1f} ops/s",
                file=sys.stderr,
                flush=True,
            )

        buyers = await add_members(MEMBERS, "B")
        for mode in ("sequential", "concurrent"):
            calls: list[Callable[[], Awaitable[object]]] = [
                lambda i=i, m=mode: ledger.record_purchase(
                    buyers[i % MEMBERS], CHECK, "food", f"{m}-p{i}", POS
                )
                for i in range(operations)
            ]
            note(await timed(f"purchases, {mode}", calls, concurrent=mode == "concurrent"))

        spenders = await add_members(MEMBERS, "S")
        for member_id in spenders:
            await ledger.adjust(OWNER, member_id, 1_000_000, "bench", f"fund-{member_id}")
        for mode in ("sequential", "concurrent"):
            calls = [
                lambda i=i, m=mode: ledger.redeem_points(
                    spenders[i % MEMBERS], POINTS, CHECK, f"{m}-r{i}", POS
                )
                for i in range(operations)
            ]
            note(await timed(f"redemptions, {mode}", calls, concurrent=mode == "concurrent"))

        # One member, everything at once: exactly balance // POINTS succeed.
        [hot] = await add_members(1, "H")
        await ledger.adjust(OWNER, hot, POINTS * operations // 2, "bench", "fund-hot")
        calls = [
            lambda i=i: ledger.redeem_points(hot, POINTS, CHECK, f"hot-r{i}", POS)
            for i in range(operations)
        ]
        note(await timed("redemptions, one member, concurrent", calls, concurrent=True))
        service_drift, _ = await drift([*buyers, *spenders, hot])

        naive_members = await add_members(2, "N")
        for member_id in naive_members:
            await ledger.adjust(OWNER, member_id, 1_000_000, "bench", f"fund-n{member_id}")
        seq, conc = naive_members
        calls = [lambda i=i: naive_redeem(seq, POINTS, f"naive-seq-{i}") for i in range(operations)]
        note(await timed("baseline naive, sequential", calls, concurrent=False))
        calls = [
            lambda i=i: naive_redeem(conc, POINTS, f"naive-conc-{i}") for i in range(operations)
        ]
        note(await timed("baseline naive, one member, conc.", calls, concurrent=True))
        naive_drift, lost = await drift(naive_members)
        return DatabaseRun(label, figures, service_drift, naive_drift, lost)
    finally:
        await close_database()


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _ratio(a: Figure | None, b: Figure | None) -> str:
    if a is None or b is None or not b.per_second:
        return "-"
    return f"{a.per_second / b.per_second:.2f}x"


def render(runs: list[DatabaseRun], operations: int) -> str:
    names = list(runs[0].figures)
    header = "| operation | " + " | ".join(f"{run.label} ops/s" for run in runs) + " |"
    lines = [
        "## Ledger",
        "",
        f"`python -m bench.ledger --operations {operations}` on {platform.machine()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"{time.strftime('%Y-%m-%d')}. Each operation is one call of the `Ledger` service "
        "(its own transaction) except the baseline; purchases spread over "
        f"{MEMBERS} members; a redemption is {POINTS} points on a 1 000 ₽ check.",
        "",
        header,
        "|---|" + "---:|" * len(runs),
    ]
    for name in names:
        cells = []
        for run in runs:
            figure = run.figures[name]
            refused = f" ({figure.failed} refused)" if figure.failed else ""
            cells.append(f"{figure.per_second:.0f}{refused}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| ratio | " + " | ".join(run.label for run in runs) + " |"]
    lines.append("|---|" + "---:|" * len(runs))
    rows = [
        ("purchases: concurrent / sequential", "purchases, concurrent", "purchases, sequential"),
        (
            "redemptions: concurrent / sequential",
            "redemptions, concurrent",
            "redemptions, sequential",
        ),
        (
            "redemption: service / naive baseline",
            "redemptions, sequential",
            "baseline naive, sequential",
        ),
    ]
    for title, a, b in rows:
        cells = [_ratio(run.figures.get(a), run.figures.get(b)) for run in runs]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append(
        "| balances disagreeing with their entries: service / naive | "
        + " | ".join(
            f"{run.service_drift} / {run.naive_drift} ({run.naive_lost_points} points)"
            for run in runs
        )
        + " |"
    )
    lines += [
        "",
        "The service does more than the baseline on every redemption (a member lock, a guarded "
        "UPDATE, FIFO lots and their movements, the stored idempotent result), and in exchange "
        "stays exact: on PostgreSQL the naive read-modify-write run concurrently on one member "
        "loses updates (its balance no longer matches its entries), the service never does. On "
        "SQLite tortoise runs one transaction at a time on its single connection, so concurrency "
        "buys interleaving, not parallelism, and the naive baseline cannot lose updates there.",
        "Figures from one run; on a machine shared with other work they vary by a third or more "
        "between runs, the ratios less.",
        "",
    ]
    return "\n".join(lines)


def write_section(section: str, path: Path = ROOT / "docs" / "PERFORMANCE.md") -> None:
    """Replace (or add) the "## Ledger" section; other sections are left as they are."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    start = text.find("## Ledger\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end == -1 else text[end + 1 :])
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def run_child(label: str, url: str, operations: int) -> DatabaseRun:
    """One database in its own process: tortoise keeps per-dialect state in its model classes,
    so SQLite and PostgreSQL do not share a process."""
    command = [sys.executable, "-m", "bench.ledger", "child", label, url, str(operations)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    figures = {name: Figure(**figure) for name, figure in data.pop("figures").items()}
    return DatabaseRun(figures=figures, **data)


async def child(label: str, url: str, operations: int) -> None:
    run = await run_database(label, url, operations)
    print(json.dumps({**asdict(run), "figures": {k: asdict(v) for k, v in run.figures.items()}}))


def main(args: argparse.Namespace) -> None:
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        runs.append(run_child("SQLite", f"sqlite://{tmp}/bench.sqlite3", args.operations))
    postgres = os.environ.get("BENCH_DATABASE_URL", "")
    if postgres.startswith(("postgres://", "postgresql://")):
        name = f"loyalty_bench_{uuid.uuid4().hex[:8]}"
        asyncio.run(_admin(postgres, f'CREATE DATABASE "{name}"'))
        try:
            url = _with_database(postgres, name)
            runs.append(run_child("PostgreSQL", url, args.operations))
        finally:
            asyncio.run(_admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    section = render(runs, args.operations)
    print()
    print(section)
    if not args.no_write:
        write_section(section)
        print("written to docs/PERFORMANCE.md")


def cli(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        label, url, operations = argv[1:4]
        asyncio.run(child(label, url, int(operations)))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--operations", type=int, default=300, help="operations per scenario")
    parser.add_argument("--no-write", action="store_true", help="do not update PERFORMANCE.md")
    main(parser.parse_args(argv))


if __name__ == "__main__":
    cli()
