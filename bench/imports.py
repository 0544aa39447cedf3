"""Import benchmark: rows per second of `python -m bot import` on generated POS exports.

    python -m bench.imports [--rows 10000]

Writes a members file and a purchases file of `--rows` rows each (one purchase per member, over
the last 300 days, every fifth row with an opening balance), then imports them the way the
command does (`bot.cli.imports.import_file`): first with the command's batches (`BATCH_SIZE`
rows per transaction), then, on a second fresh database, with one transaction per row (the
baseline). Then the batched files are imported again (every row skipped as already imported).
Prints rows per second and the ratio batched / baseline, on temporary SQLite files (WAL,
synchronous=FULL, as the bot runs it).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.clock import SystemClock
from bot.adapters.db import close_database, migrate_database, open_database
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.program_file import load_program
from bot.cli.imports import BATCH_SIZE, ImportOptions, Summary, import_file
from bot.services.imports import Imports

ROOT = Path(__file__).resolve().parents[1]
SECRET = b"bench-card-secret"


def write_files(directory: Path, rows: int, timezone: str) -> tuple[Path, Path]:
    rng = random.Random(9)
    members, purchases = directory / "members.csv", directory / "purchases.csv"
    now = datetime.now(ZoneInfo(timezone))
    with members.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["phone", "name", "birthday", "joined", "points", "external_id"])
        for n in range(rows):
            joined = now - timedelta(days=rng.randint(30, 900))
            out.writerow(
                [
                    f"+7999{n:07d}",
                    rng.choice(["Анна Петрова", "Ivan", "Olga Smirnova", ""]),
                    f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1960, 2005)}",
                    joined.date().isoformat(),
                    rng.choice([0, 0, 0, 0, rng.randint(1, 2000)]),
                    f"C{n}",
                ]
            )
    with purchases.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, delimiter=";")
        out.writerow(["external_id", "receipt", "amount", "category", "date"])
        moments = sorted(now - timedelta(minutes=rng.randint(60, 300 * 1440)) for _ in range(rows))
        for n, moment in enumerate(moments):
            out.writerow(
                [
                    f"C{rng.randrange(rows)}",
                    f"R-{n}",
                    f"{rng.randint(100, 5000)},{rng.randint(0, 99):02d}",
                    rng.choice(["coffee", "food", "merch", ""]),
                    moment.strftime("%Y-%m-%d %H:%M"),
                ]
            )
    return members, purchases


async def run(url: str, files: tuple[Path, ...], batch: int, again: bool) -> list[Summary]:
    program = load_program(ROOT / "program.toml")
    await migrate_database(url)
    await open_database(url)
    clock = SystemClock()
    imports = Imports(tortoise_uow_factory, clock, program, card_secret=SECRET)
    summaries = []
    try:
        for _ in range(2 if again else 1):
            for path in files:
                summaries.append(
                    await import_file(
                        path,
                        imports,
                        program,
                        clock.now(),
                        ("ru", "en"),
                        "ru",
                        ImportOptions(batch_size=batch),
                        out=lambda line: None,
                    )
                )
    finally:
        await close_database()
    return summaries


def line(label: str, summary: Summary) -> str:
    rows = summary.imported + summary.present + summary.bad
    rate = rows / summary.seconds
    return (
        f"{label:<34} {rows:>6} rows {summary.seconds:>7.1f} s {rate:>7.0f} rows/s"
        f"  ({summary.imported} imported, {summary.present} skipped, {summary.bad} bad)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        files = write_files(directory, args.rows, load_program(ROOT / "program.toml").timezone)
        urls = [f"sqlite://{directory}/batched.sqlite3", f"sqlite://{directory}/rows.sqlite3"]
        started = time.perf_counter()
        batched = asyncio.run(run(urls[0], files, BATCH_SIZE, again=True))
        single = asyncio.run(run(urls[1], files, 1, again=False))
    print(f"python -m bench.imports --rows {args.rows}, {datetime.now(UTC):%Y-%m-%d}")
    print(line(f"members, {BATCH_SIZE} rows a transaction", batched[0]))
    print(line(f"purchases, {BATCH_SIZE} rows a transaction", batched[1]))
    print(line("members again (all skipped)", batched[2]))
    print(line("purchases again (all skipped)", batched[3]))
    print(line("members, a transaction a row", single[0]))
    print(line("purchases, a transaction a row", single[1]))
    for kind, fast, slow in (
        ("members", batched[0], single[0]),
        ("purchases", batched[1], single[1]),
    ):
        print(f"{kind}: batched / baseline = {slow.seconds / fast.seconds:.2f}x")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
