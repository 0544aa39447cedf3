"""Ledger benchmark: accruals (purchases that earn points) per second through the `Ledger`
service, against bare tortoise inserts of the same rows, in the same run.

    python -m bench.ledger [--operations 600] [--no-write]

On a fresh SQLite database (WAL, synchronous=FULL, as the bot runs it), and also on PostgreSQL
when BENCH_DATABASE_URL=postgres://... is set (a throwaway database is created next to the one
named, and dropped afterwards). Each database runs in its own process.

- service: `Ledger.record_purchase` (a 450 ₽ check, 13 points), one unit of work per accrual:
  the member lock, the idempotency lookup, the purchase, the guarded balance update, the entry,
  the lot, the tier check, the stored result;
- baseline: the same rows written by bare tortoise calls in one transaction per accrual (the
  purchase, the balance update, the entry, the lot, the operation row), with no lock, no
  lookup, no guard and no tier check;
both sequential (one accrual after another) and concurrent (a round's accruals started at once,
each its own transaction), spread over 200 members each (the service's and the baseline's) so
that nobody changes tier; each scenario in 6 rounds with the two paths alternating. The
statements each accrual sends are counted from tortoise's `tortoise.db_client` log on a
separate small run (logging slows the timed runs, so it is off there). Prints accruals per
second and the ratio service / baseline; writes the "Ledger" section of docs/PERFORMANCE.md
(the notes after its `<!-- notes -->` marker stay).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tortoise.expressions import F
from tortoise.transactions import in_transaction

from bench.report import publish
from bot.adapters.clock import SystemClock
from bot.adapters.db import close_database, migrate_database, open_database
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry as EntryRow
from bot.adapters.db.models.ledger import PointLot, Purchase
from bot.adapters.db.models.ledger_ops import LedgerOperation
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.program_file import load_program
from bot.domain.ledger_records import LedgerActor
from bot.domain.rules import points_for_purchase
from bot.services.ledger import Ledger
from bot.services.ledger_core import request_hash

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = 200
CHECK = 450_00
"""A 450 ₽ food check: 13 points at silver; 200 members x a few checks stay below gold."""
CATEGORY = "food"
POS = LedgerActor.pos()
PROFILED = 20
"""Accruals run with statement logging on, to count statements per accrual."""
ROUNDS = 6
"""Each scenario runs in this many rounds, service and baseline alternating."""


@dataclass(frozen=True)
class Figure:
    name: str
    operations: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0


@dataclass
class DatabaseRun:
    label: str
    figures: dict[str, Figure]
    statements: dict[str, float]
    """Statements per accrual: service, baseline."""
    breakdown: dict[str, float] = field(default_factory=dict)
    """The service's statements per accrual by kind (SELECT, INSERT, UPDATE...)."""
    consistent: bool = True


class StatementCounter(logging.Handler):
    """Counts the statements tortoise sends (its `tortoise.db_client` debug log)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.kinds: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        query = str(record.args[0] if record.args else record.msg).lstrip()
        self.kinds[query.split(None, 1)[0].upper() if query else "?"] += 1

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


@contextmanager
def counting() -> Iterator[StatementCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = StatementCounter()
    level, propagate = logger.level, logger.propagate
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
        logger.propagate = propagate


async def timed(
    name: str, calls: list[Callable[[], Awaitable[object]]], concurrent: bool
) -> Figure:
    started = time.perf_counter()
    if concurrent:
        await asyncio.gather(*(call() for call in calls))
    else:
        for call in calls:
            await call()
    return Figure(name, len(calls), time.perf_counter() - started)


async def add_members(count: int, tag: str) -> list[int]:
    await MemberRow.bulk_create(
        [
            MemberRow(
                telegram_id=None,
                status="active",
                card_code=f"{tag}{n:08d}",
                referral_code=f"{tag}{n:08d}",
                tier_code="silver",
            )
            for n in range(count)
        ]
    )
    ids = (
        await MemberRow.filter(card_code__startswith=tag)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return [int(i) for i in ids]


async def bare_accrual(member_id: int, key: str, points: int) -> None:
    """The baseline: the rows an accrual writes, by bare tortoise calls, nothing checked."""
    now = datetime.now(UTC)
    async with in_transaction("default") as connection:
        purchase = await Purchase.create(
            using_db=connection,
            member_id=member_id,
            amount=CHECK,
            points_earned=points,
            category=CATEGORY,
            channel="pos",
            idempotency_key=f"purchase:{key}",
            request_hash="0" * 64,
            created_at=now,
        )
        await (
            MemberRow.filter(id=member_id)
            .using_db(connection)
            .update(balance=F("balance") + points)
        )
        entry = await EntryRow.create(
            using_db=connection,
            member_id=member_id,
            amount=points,
            reason="purchase",
            actor_type="pos",
            idempotency_key=f"purchase:{key}:earn",
            balance_after=points,
            purchase_id=purchase.id,
            created_at=now,
        )
        await PointLot.create(
            using_db=connection,
            member_id=member_id,
            entry_id=entry.id,
            amount=points,
            remaining=points,
            earned_at=now,
            expires_at=now + timedelta(days=365),
        )
        await LedgerOperation.create(
            using_db=connection,
            key=f"purchase:{key}",
            kind="purchase",
            member_id=member_id,
            request_hash=request_hash({"key": key}),
            result={"purchase_id": purchase.id, "member_id": member_id, "balance": points},
            created_at=now,
        )


async def run_database(label: str, url: str, operations: int) -> DatabaseRun:
    await migrate_database(url)
    await open_database(url)
    try:
        program = load_program(ROOT / "program.toml")
        ledger = Ledger(tortoise_uow_factory, SystemClock(), program)
        points = points_for_purchase(program, "silver", CHECK, CATEGORY)
        members = await add_members(MEMBERS, "S")
        bare_members = await add_members(MEMBERS, "B")

        def service(tag: str) -> list[Callable[[], Awaitable[object]]]:
            return [
                lambda i=i: ledger.record_purchase(
                    members[i % MEMBERS], CHECK, CATEGORY, f"{tag}-{i}", POS
                )
                for i in range(operations)
            ]

        def baseline(tag: str) -> list[Callable[[], Awaitable[object]]]:
            return [
                lambda i=i: bare_accrual(bare_members[i % MEMBERS], f"bare-{tag}-{i}", points)
                for i in range(operations)
            ]

        # Warm up both paths (connections, statement caches), then count statements.
        for call in service("warm")[:10] + baseline("warm")[:10]:
            await call()
        with counting() as counted:
            for call in service("profile")[:PROFILED]:
                await call()
        breakdown = {kind: n / PROFILED for kind, n in sorted(counted.kinds.items())}
        with counting() as counted_baseline:
            for call in baseline("profile")[:PROFILED]:
                await call()
        statements = {
            "service": counted.total / PROFILED,
            "baseline": counted_baseline.total / PROFILED,
        }

        figures: dict[str, Figure] = {}
        # In rounds, the two paths alternating, so that a noisy neighbour on a shared machine
        # (a fsync burst, another process) hits both alike; the times of a path add up.
        for mode in ("sequential", "concurrent"):
            seconds = {"service": 0.0, "baseline": 0.0}
            per_round = -(-operations // ROUNDS)
            for n in range(ROUNDS):
                for path, calls in (("service", service), ("baseline", baseline)):
                    chunk = calls(f"{mode}-{n}")[:per_round]
                    seconds[path] += (await timed(path, chunk, mode == "concurrent")).seconds
            for path in ("service", "baseline"):
                figure = Figure(f"{path}, {mode}", per_round * ROUNDS, seconds[path])
                figures[figure.name] = figure
                print(
                    f"  {label:10} {figure.name:22} {figure.per_second:8.1f} accruals/s",
                    file=sys.stderr,
                    flush=True,
                )
        # The baseline's rows are not consistent (no running balance): judge the service's.
        report = await ledger.check_consistency()
        wrong = {found.member_id for found in report.offending} & set(members)
        return DatabaseRun(label, figures, statements, breakdown, not wrong)
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


def _ratio(run: DatabaseRun, mode: str) -> float:
    service = run.figures[f"service, {mode}"].per_second
    baseline = run.figures[f"baseline, {mode}"].per_second
    return service / baseline if baseline else 0.0


def render(runs: list[DatabaseRun], operations: int) -> str:
    labels = [run.label for run in runs]
    lines = [
        "## Ledger",
        "",
        f"`python -m bench.ledger --operations {operations}` on {platform.machine()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s), "
        f"{time.strftime('%Y-%m-%d')}. An accrual is a 450 ₽ purchase earning 13 points, "
        f"spread over {MEMBERS} members. Service: `Ledger.record_purchase`, one unit of work "
        "each. Baseline: bare tortoise inserts of the same rows (purchase, balance update, "
        "entry, lot, operation) in one transaction each, with no lock, idempotency lookup, "
        f"guard or tier check. Each scenario runs in {ROUNDS} rounds, the two paths "
        "alternating. SQLite in WAL mode with `synchronous=FULL`; PostgreSQL over "
        "asyncpg (pool of 10) on the same machine.",
        "",
        "| accruals/s | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for name in runs[0].figures:
        lines.append(
            f"| {name} | "
            + " | ".join(f"{run.figures[name].per_second:.0f}" for run in runs)
            + " |"
        )
    for mode in ("sequential", "concurrent"):
        lines.append(
            f"| **service / baseline, {mode}** | "
            + " | ".join(f"**{_ratio(run, mode):.0%}**" for run in runs)
            + " |"
        )
    lines.append(
        "| statements per accrual: service / baseline | "
        + " | ".join(
            f"{run.statements['service']:g} / {run.statements['baseline']:g}" for run in runs
        )
        + " |"
    )
    lines.append(
        "| service statements by kind | "
        + " | ".join(
            ", ".join(f"{kind} {n:g}" for kind, n in run.breakdown.items()) for run in runs
        )
        + " |"
    )
    lines.append(
        "| `check_consistency` of the service's members after the run | "
        + " | ".join("clean" if run.consistent else "**INCONSISTENT**" for run in runs)
        + " |"
    )
    lines.append("")
    return "\n".join(lines)


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
    publish(section, write=not args.no_write)


def cli(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"]:
        label, url, operations = argv[1:4]
        asyncio.run(child(label, url, int(operations)))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--operations", type=int, default=600, help="accruals per scenario")
    parser.add_argument("--no-write", action="store_true", help="do not update PERFORMANCE.md")
    main(parser.parse_args(argv))


if __name__ == "__main__":
    cli()
