"""Delivery benchmark: OutboxSender against the Bot API emulator with Telegram's limits enforced.

    python -m bench.delivery [--messages 300] [--paid-messages 3000] [--rtt 0.1] [--no-write]

Runs, each on a fresh SQLite database and a fresh emulator (a separate process, limits on):
1. baseline: a naive sequential sender (send, sleep 1/30 s, obey 429s), the same messages;
2. OutboxSender at the free limit (30 msg/s);
3. OutboxSender in paid-broadcast mode (allow_paid_broadcast, up to 1000 msg/s);
4. crash: a sender process is killed with SIGKILL mid-broadcast, a second one resumes after the
   lease; counts the messages each user got (the duplicate bound, measured).
The emulator answers every sendMessage after `--rtt` seconds, standing in for the round trip to
Telegram. Prints the figures and writes the "Delivery" section of docs/PERFORMANCE.md.

`python -m bench.delivery child ...` is the sender process of the crash scenario (the crash test
in tests/integration/delivery uses it too).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import time as dt_time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.report import publish
from bot.adapters.clock import SystemClock
from bot.adapters.db import close_database, migrate_database, open_database
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.delivery import OutboxMessage as OutboxRow
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.heap import settle_heap
from bot.adapters.i18n import I18n
from bot.delivery.sender import OutboxSender, SenderConfig
from bot.domain.delivery import DeliveryPolicy, DeliveryStatus, MessageContent
from bot.sandbox.client import SandboxClient, sandbox_bot
from bot.services.delivery import Delivery

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "4242:BENCH-DELIVERY"
CONTENT = MessageContent("start-greeting", {"name": "Ann", "program": "Bench"})
FIRST_USER = 900_000_001
FREE_RATE = 30.0
NO_QUIET_HOURS = dt_time(0, 0)  # equal ends: no quiet hours in the benchmark
EMULATOR_START_SECONDS = 180


# The sender process of the crash scenario ---------------------------------------------------


async def run_child(
    database_url: str, api_base: str, token: str, rate: float, paid: bool, workers: int
) -> None:
    await open_database(database_url)
    clock = SystemClock()
    delivery = Delivery(tortoise_uow_factory, clock, bench_policy(lease=1))
    bot = sandbox_bot(api_base, token)
    config = SenderConfig(rate=rate, paid_broadcast=paid, workers=workers, idle_interval=0.1)
    sender = OutboxSender(bot, delivery, I18n("en"), clock, config)
    settle_heap()  # as `python -m bot run` does once it is built
    await sender.start()
    await asyncio.Event().wait()  # until SIGKILL


def child_command(
    database_url: str, api_base: str, token: str, rate: float, paid: bool, workers: int
) -> list[str]:
    command = [sys.executable, "-m", "bench.delivery", "child", database_url, api_base]
    command += ["--token", token, "--rate", str(rate), "--workers", str(workers)]
    return command + (["--paid"] if paid else [])


# Scenarios ----------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    messages: int
    seconds: float
    rate_limited: int
    latencies: list[float]
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds

    def latency(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def emulator(global_rate: int = 30, paid_rate: int = 1000) -> Any:
    """The emulator in its own process (as Telegram would be), limits enforced."""
    port = free_port()
    # bot.sandbox.server.main, called directly (the module has no `__main__` guard).
    run = "import sys; from bot.sandbox.server import main; main(sys.argv[1:])"
    command = [sys.executable, "-c", run, "--port", str(port), "--token", TOKEN]
    command += ["--enforce-limits", "--global-rate", str(global_rate)]
    command += ["--paid-rate", str(paid_rate)]
    with tempfile.TemporaryFile() as errors:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=errors
        )
        url = f"http://127.0.0.1:{port}"
        client = SandboxClient(url)
        try:
            # Its imports alone take seconds, and much longer on a busy machine.
            deadline = asyncio.get_running_loop().time() + EMULATOR_START_SECONDS
            while True:
                if process.returncode is not None:
                    errors.seek(0)
                    raise RuntimeError(f"the emulator exited: {errors.read().decode()[-2000:]}")
                try:
                    await client.stats()
                    break
                except aiohttp.ClientError:
                    if asyncio.get_running_loop().time() > deadline:
                        raise RuntimeError("the emulator did not start") from None
                    await asyncio.sleep(0.05)
            yield url, client
        finally:
            await client.close()
            if process.returncode is None:
                process.terminate()
                await process.wait()


async def fresh_database(directory: Path, name: str, members: int) -> str:
    url = f"sqlite://{directory / name}.sqlite3"
    await migrate_database(url)
    await open_database(url)
    await MemberRow.bulk_create(
        [
            MemberRow(
                telegram_id=FIRST_USER + n,
                status="active",
                locale="en",
                card_code=f"B{n}",
                referral_code=f"BR{n}",
            )
            for n in range(members)
        ],
        batch_size=1000,
    )
    return url


async def prepare(client: SandboxClient, members: int, rtt: float) -> None:
    await client.reset()
    await client.create_users(members, start_id=FIRST_USER, started=True)
    if rtt > 0:
        for method in ("sendMessage", "sendPhoto"):
            await client.inject_fault(hang_seconds=rtt, count=10**7, method=method)


async def enqueue(delivery: Delivery, members: int) -> int:
    ids = [m.id for m in await MemberRow.all().only("id")]
    campaign = await delivery.create_campaign("bench")
    await delivery.enqueue_campaign(campaign.id, ids[:members], CONTENT)
    return campaign.id


def bench_policy(lease: float = 60) -> DeliveryPolicy:
    return DeliveryPolicy(
        quiet_start=NO_QUIET_HOURS,
        quiet_end=NO_QUIET_HOURS,
        frequency_cap_per_week=0,
        lease=timedelta(seconds=lease),
    )


async def baseline(directory: Path, messages: int, rtt: float) -> Result:
    """The naive way: one message after another, a fixed pause, obey retry_after."""
    from aiogram.exceptions import TelegramRetryAfter

    async with emulator() as (url, client):
        await prepare(client, messages, rtt)
        bot = sandbox_bot(url, TOKEN)
        latencies: list[float] = []
        limited = 0
        started = time.perf_counter()
        for n in range(messages):
            while True:
                sent_at = time.perf_counter()
                try:
                    await bot.send_message(FIRST_USER + n, "Hello")
                    latencies.append(time.perf_counter() - sent_at)
                    break
                except TelegramRetryAfter as error:
                    limited += 1
                    await asyncio.sleep(error.retry_after)
            await asyncio.sleep(1 / FREE_RATE)
        seconds = time.perf_counter() - started
        await bot.session.close()
    return Result("baseline: sequential, sleep 1/30 s", messages, seconds, limited, latencies)


async def outbox(directory: Path, name: str, messages: int, rtt: float, *, paid: bool) -> Result:
    await fresh_database(directory, name, messages)
    try:
        async with emulator() as (url, client):
            await prepare(client, messages, rtt)
            clock = SystemClock()
            delivery = Delivery(tortoise_uow_factory, clock, bench_policy())
            campaign_id = await enqueue(delivery, messages)
            bot = sandbox_bot(url, TOKEN)
            rate = 1000.0 if paid else FREE_RATE
            config = SenderConfig(rate=rate, paid_broadcast=paid, idle_interval=0.05)
            sender = OutboxSender(bot, delivery, I18n("en"), clock, config)
            started = time.perf_counter()
            settle_heap()
            await sender.start()
            await sender.wait_idle()
            seconds = time.perf_counter() - started
            await sender.stop()
            await bot.session.close()
            progress = await delivery.status_counts(campaign_id)
            stats = await client.stats()
            assert progress == {DeliveryStatus.SENT: messages}, progress
            assert stats["sends"] == messages, stats["sends"]
    finally:
        await close_database()
    title = (
        f"OutboxSender, {'paid broadcast' if paid else 'free'} ({config.worker_count()} workers)"
    )
    note = f"emulator peak {stats['peak_sends_per_second']}/s"
    return Result(title, messages, seconds, sender.stats.rate_limited, sender.stats.latencies, note)


@dataclass
class CrashResult:
    messages: int
    delivered_before_kill: int
    sending_at_kill: int
    workers: int
    duplicates: int
    users_with_duplicates: int
    missing: int


async def crash(
    directory: Path, messages: int, rtt: float, *, kill_after: int, rate: float, workers: int
) -> CrashResult:
    """SIGKILL a sender process mid-broadcast, resume with another, count what users got."""
    url_db = await fresh_database(directory, f"crash-{workers}", messages)
    try:
        async with emulator() as (url, client):
            await prepare(client, messages, rtt)
            clock = SystemClock()
            delivery = Delivery(tortoise_uow_factory, clock, bench_policy(lease=1))
            await enqueue(delivery, messages)
            outcome = await kill_and_resume(
                url_db, url, client, delivery, clock, messages, kill_after, rate, workers
            )
    finally:
        await close_database()
    return outcome


async def kill_and_resume(
    database_url: str,
    api_base: str,
    client: SandboxClient,
    delivery: Delivery,
    clock: Any,
    messages: int,
    kill_after: int,
    rate: float,
    workers: int,
    token: str = TOKEN,
) -> CrashResult:
    """Shared with tests/integration/delivery/test_crash.py: the rows are already queued."""
    child = await asyncio.create_subprocess_exec(
        *child_command(database_url, api_base, token, rate, True, workers),
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = asyncio.get_running_loop().time() + 180  # imports are slow on a busy machine
        while (await client.stats())["sends"] < kill_after:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the sender process sends nothing (wrong token or URL?)")
            if child.returncode is not None:
                raise RuntimeError(f"the sender process exited with {child.returncode}")
            await asyncio.sleep(0.005)
        child.send_signal(signal.SIGKILL)  # no clean-up of any kind: the hard crash
        await child.wait()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
    delivered_before = (await client.stats())["sends"]
    sending = await OutboxRow.filter(status=DeliveryStatus.SENDING.value).count()
    await asyncio.sleep(delivery.policy.lease.total_seconds() + 0.2)  # the lease runs out
    bot = sandbox_bot(api_base, token)
    config = SenderConfig(rate=rate, paid_broadcast=True, workers=workers, idle_interval=0.05)
    sender = OutboxSender(bot, delivery, I18n("en"), clock, config)
    settle_heap()  # as `python -m bot run` does once it is built
    await sender.start()
    await sender.wait_idle()
    await sender.stop()
    await bot.session.close()
    counts = Counter[int]()
    for n in range(messages):
        counts[len(await client.sent_to(FIRST_USER + n))] += 1
    return CrashResult(
        messages=messages,
        delivered_before_kill=delivered_before,
        sending_at_kill=sending,
        workers=workers,
        duplicates=sum((k - 1) * v for k, v in counts.items() if k > 1),
        users_with_duplicates=sum(v for k, v in counts.items() if k > 1),
        missing=counts[0],
    )


# Report -------------------------------------------------------------------------------------


def report(results: list[Result], crashes: list[CrashResult], rtt: float) -> str:
    base = results[0]
    lines = [
        "## Delivery",
        "",
        "`python -m bench.delivery` — the Bot API emulator in its own process with Telegram's "
        f"limits enforced (30 msg/s free, 1000 msg/s paid, 1 msg/s per chat), each sendMessage "
        f"answered after {rtt * 1000:.0f} ms (a stand-in for the round trip to Telegram); "
        "SQLite; one message per member.",
        "",
        "| sender | messages | msg/s | vs baseline | p50 ms | p99 ms | 429s | |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.messages} | {r.per_second:.1f} | "
            f"{r.per_second / base.per_second:.2f}× | {r.latency(0.5):.0f} | "
            f"{r.latency(0.99):.0f} | {r.rate_limited} | {r.note} |"
        )
    lines += [
        "",
        "Crash: a sender process (paid mode) killed with SIGKILL mid-broadcast, a second one "
        "started after the lease (1 s).",
        "",
        "| messages | delivered before the kill | rows `sending` at the kill (the bound) | workers "
        "| duplicate messages | users with a duplicate | users missed |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in crashes:
        lines.append(
            f"| {c.messages} | {c.delivered_before_kill} | {c.sending_at_kill} | {c.workers} | "
            f"{c.duplicates} | {c.users_with_duplicates} | {c.missing} |"
        )
    lines.append("")
    return "\n".join(lines)


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        results = [await baseline(directory, args.messages, args.rtt)]
        print(f"{results[-1].name}: {results[-1].per_second:.1f} msg/s", flush=True)
        results.append(await outbox(directory, "free", args.messages, args.rtt, paid=False))
        print(f"{results[-1].name}: {results[-1].per_second:.1f} msg/s", flush=True)
        results.append(await outbox(directory, "paid", args.paid_messages, args.rtt, paid=True))
        print(f"{results[-1].name}: {results[-1].per_second:.1f} msg/s", flush=True)
        crashes = [
            await crash(
                directory,
                args.crash_messages,
                args.rtt,
                kill_after=args.crash_messages // 3,
                rate=500,
                workers=workers,
            )
            for workers in (20, 100)
        ]
    section = report(results, crashes, args.rtt)
    publish(section, write=not args.no_write)


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    child = sub.add_parser("child", help="run one sender process (the crash scenario)")
    child.add_argument("database_url")
    child.add_argument("api_base")
    child.add_argument("--token", default=TOKEN)
    child.add_argument("--rate", type=float, default=FREE_RATE)
    child.add_argument("--workers", type=int, default=20)
    child.add_argument("--paid", action="store_true")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--paid-messages", type=int, default=3000)
    parser.add_argument("--crash-messages", type=int, default=1500)
    parser.add_argument("--rtt", type=float, default=0.1)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "child":
        asyncio.run(
            run_child(
                args.database_url, args.api_base, args.token, args.rate, args.paid, args.workers
            )
        )
    else:
        asyncio.run(main(args))


if __name__ == "__main__":
    cli()
