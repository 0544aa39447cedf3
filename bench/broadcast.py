"""Broadcast benchmark: a campaign to many members against the Bot API emulator enforcing limits.

    python -m bench.broadcast [--recipients 10000] [--rtt 0.1] [--no-write]

Each scenario runs on a fresh SQLite database and a fresh emulator in its own process (as
Telegram would be), enforcing 30 msg/s overall (1000 with allow_paid_broadcast) and 1 msg/s per
chat by answering 429, and answering every sendMessage after `--rtt` seconds (a stand-in for the
round trip to Telegram):

1. baseline: the naive sender (one message after another, sleep 1/30 s, obey retry_after), on a
   sample of `--baseline-recipients` (its rate does not depend on the count);
2. free: OutboxSender at the free limit (30 msg/s), every recipient. Asserts the achieved rate is
   at least 97 % of the limit and the emulator refused nothing (no 429 caused by the bot);
3. faults: the same campaign with a 5 % holdout, some members who blocked the bot (403), random
   5xx answers, requests that time out and a few 400s: nothing is lost (every member who can be
   reached got the message), the totals reconcile;
4. crash: a sender process killed with SIGKILL mid-broadcast, a second one started after the
   lease: the totals reconcile and duplicates are at most the rows the dead sender held
   `sending` (the documented bound, docs/DELIVERY.md);
5. paid: allow_paid_broadcast at 1000 msg/s, every recipient. Asserts at least 90 % of the limit.
Scenarios 3 and 4 send in paid mode, so that they take seconds rather than minutes; their rules
are the free mode's. Prints the figures and writes the "Broadcast" section of
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from aiogram.exceptions import TelegramRetryAfter

from bench.delivery import (
    FIRST_USER,
    NO_QUIET_HOURS,
    ROOT,
    TOKEN,
    child_command,
    emulator,
    fresh_database,
)
from bench.report import publish
from bot.adapters.clock import SystemClock
from bot.adapters.db import close_database
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.delivery import OutboxMessage as OutboxRow
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.heap import settle_heap
from bot.adapters.i18n import I18n
from bot.delivery.sender import OutboxSender, SenderConfig, default_margin
from bot.domain.delivery import (
    CampaignProgress,
    DeliveryPolicy,
    DeliveryStatus,
    MessageContent,
    in_holdout,
)
from bot.sandbox.client import SandboxClient, sandbox_bot
from bot.services.delivery import Delivery

CONTENT = MessageContent("start-greeting", {"name": "Ann", "program": "Bench"})
FREE_RATE = 30.0
PAID_RATE = 1000.0
HOLDOUT = 0.05
LEASE = 1.0  # seconds, in the crash scenario: short, so that it resumes at once
FAULT_TIMEOUT = 1.0  # request timeout where the emulator hangs (1.5 s) to inject timeouts


def policy(lease: float = 60.0) -> DeliveryPolicy:
    return DeliveryPolicy(
        quiet_start=NO_QUIET_HOURS,
        quiet_end=NO_QUIET_HOURS,
        frequency_cap_per_week=0,
        backoff_base=timedelta(seconds=0.5),
        lease=timedelta(seconds=lease),
    )


@dataclass
class Run:
    name: str
    recipients: int
    limit: float
    seconds: float = 0.0
    sent: int = 0
    bot_429s: int = 0  # 429s the emulator answered because the bot went too fast
    emulator_peak: int = 0
    workers: int = 0
    progress: CampaignProgress | None = None
    missed: int = 0  # reachable members who got nothing
    duplicates: int = 0
    bound: int | None = None  # rows `sending` at the kill
    faults: dict[str, int] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def of_limit(self) -> float:
        return self.per_second / self.limit

    @property
    def reconciles(self) -> bool:
        p = self.progress
        if p is None:
            return True
        return p.pending == 0 and p.sent + p.failed + p.unreachable + p.held_out == self.recipients


async def member_ids() -> list[int]:
    return [m.id for m in await MemberRow.all().order_by("id").only("id")]


async def latency(client: SandboxClient, rtt: float) -> None:
    if rtt > 0:
        await client.inject_fault(hang_seconds=rtt, count=10**8, method="sendMessage")


async def received(client: SandboxClient, recipients: int) -> list[int]:
    """How many messages each user got, by user (FIRST_USER + n)."""
    counts: list[int] = []
    for start in range(0, recipients, 200):
        batch = range(start, min(recipients, start + 200))
        chats = await asyncio.gather(*(client.sent_to(FIRST_USER + n) for n in batch))
        counts += [len(messages) for messages in chats]
    return counts


def make_sender(
    url: str, delivery: Delivery, *, paid: bool, request_timeout: float | None = None
) -> OutboxSender:
    # The pool is sized for the default expected round trip (200 ms): twice the emulator's
    # latency, as a loaded emulator answers later than its 100 ms. The request timeout is the
    # product's (15 s) unless a scenario injects hangs: a 1 s timeout would also cut short
    # answers that a busy machine merely delays, and turn them into retries after a backoff
    # (and duplicates, when the emulator did deliver them).
    config = SenderConfig(
        rate=PAID_RATE if paid else FREE_RATE,
        paid_broadcast=paid,
        margin=default_margin(paid),  # the product's default (bot/bootstrap.py sender_config)
        idle_interval=0.05,
    )
    if request_timeout is not None:
        config = dataclasses.replace(config, request_timeout=request_timeout)
    sender = OutboxSender(sandbox_bot(url, TOKEN), delivery, I18n("en"), SystemClock(), config)
    settle_heap()  # as `python -m bot run` does once it is built (bot/bootstrap.py)
    return sender


async def until_done(sender: OutboxSender, delivery: Delivery, campaign_id: int) -> None:
    """Until no row of the campaign is pending (retries wait out their backoff meanwhile)."""
    while True:
        await sender.wait_idle()
        if (await delivery.progress(campaign_id)).pending == 0:
            return
        await asyncio.sleep(0.1)


async def baseline(directory: Path, recipients: int, rtt: float) -> Run:
    """The naive way: one message after another, a fixed pause, obey retry_after."""
    run = Run("baseline: sequential, sleep 1/30 s", recipients, FREE_RATE, workers=1)
    async with emulator() as (url, client):
        await client.reset()
        await client.create_users(recipients, start_id=FIRST_USER, started=True)
        await latency(client, rtt)
        bot = sandbox_bot(url, TOKEN)
        started = time.perf_counter()
        for n in range(recipients):
            while True:
                try:
                    await bot.send_message(FIRST_USER + n, "Hello")
                    break
                except TelegramRetryAfter as error:
                    await asyncio.sleep(error.retry_after)
            await asyncio.sleep(1 / FREE_RATE)
        run.seconds = time.perf_counter() - started
        await bot.session.close()
        stats = await client.stats()
    run.sent = recipients
    run.bot_429s = int(stats["rate_limited"])
    run.emulator_peak = int(stats["peak_sends_per_second"])
    return run


async def campaign(delivery: Delivery, holdout: float = 0.0) -> int:
    created = await delivery.create_campaign("bench", holdout)
    await delivery.enqueue_campaign(created.id, await member_ids(), CONTENT)
    return created.id


async def broadcast(directory: Path, name: str, recipients: int, rtt: float, *, paid: bool) -> Run:
    """Every member, no faults: the rate, and nothing refused."""
    run = Run(name, recipients, PAID_RATE if paid else FREE_RATE)
    await fresh_database(directory, name.split()[0], recipients)
    try:
        async with emulator() as (url, client):
            await client.reset()
            await client.create_users(recipients, start_id=FIRST_USER, started=True)
            await latency(client, rtt)
            delivery = Delivery(tortoise_uow_factory, SystemClock(), policy())
            campaign_id = await campaign(delivery)
            sender = make_sender(url, delivery, paid=paid)
            run.workers = sender.config.worker_count()
            started = time.perf_counter()
            await sender.start()
            await until_done(sender, delivery, campaign_id)
            run.seconds = time.perf_counter() - started
            await sender.stop()
            await sender.bot.session.close()
            run.progress = await delivery.progress(campaign_id)
            stats = await client.stats()
            run.sent = int(stats["sends"])  # what the emulator accepted, not what we think
            run.bot_429s = int(stats["rate_limited"])
            run.emulator_peak = int(stats["peak_sends_per_second"])
            counts = await received(client, recipients)
            run.missed = sum(1 for count in counts if count == 0)
            run.duplicates = sum(count - 1 for count in counts if count > 1)
    finally:
        await close_database()
    return run


@dataclass
class FaultPlan:
    blocked: set[int]  # users who blocked the bot: 403
    server_errors: set[int]  # 500/502 on the first try
    timeouts: set[int]  # the first try hangs past the request timeout
    bad: set[int]  # 400 on the first try

    @classmethod
    def draw(cls, recipients: int, seed: int = 7) -> FaultPlan:
        rng = random.Random(seed)
        users = [FIRST_USER + n for n in range(recipients)]
        chosen = rng.sample(users, k=min(recipients, max(4, recipients * 66 // 1000)))
        parts = (10, 40, 10, 6)  # per mille: blocked, 5xx, timeouts, 400
        cuts, total, out = [], 0, []
        for part in parts:
            total += part
            cuts.append(len(chosen) * total // sum(parts))
        start = 0
        for cut in cuts:
            out.append(set(chosen[start:cut]))
            start = cut
        return cls(*out)

    async def inject(self, client: SandboxClient, rtt: float) -> None:
        """Per-chat faults first: the emulator takes the first rule that matches, and the
        latency rule matches every call."""
        for user in self.blocked:
            await client.block(user)
        rng = random.Random(11)
        for user in self.server_errors:
            code = rng.choice((500, 502))
            await client.inject_fault(error_code=code, chat_id=user, hang_seconds=rtt)
        for user in self.timeouts:
            await client.inject_fault(error_code=502, chat_id=user, hang_seconds=1.5)
        for user in self.bad:
            await client.inject_fault(error_code=400, chat_id=user, hang_seconds=rtt)


async def faults(directory: Path, recipients: int, rtt: float) -> Run:
    run = Run("faults (paid mode)", recipients, PAID_RATE)
    plan = FaultPlan.draw(recipients)
    await fresh_database(directory, "faults", recipients)
    try:
        async with emulator() as (url, client):
            await client.reset()
            await client.create_users(recipients, start_id=FIRST_USER, started=True)
            await plan.inject(client, rtt)
            await latency(client, rtt)
            delivery = Delivery(tortoise_uow_factory, SystemClock(), policy())
            campaign_id = await campaign(delivery, HOLDOUT)
            sender = make_sender(url, delivery, paid=True, request_timeout=FAULT_TIMEOUT)
            run.workers = sender.config.worker_count()
            started = time.perf_counter()
            await sender.start()
            await until_done(sender, delivery, campaign_id)
            run.seconds = time.perf_counter() - started
            await sender.stop()
            await sender.bot.session.close()
            run.sent = sender.stats.sent
            run.progress = await delivery.progress(campaign_id)
            stats = await client.stats()
            run.bot_429s = int(stats["rate_limited"])
            run.emulator_peak = int(stats["peak_sends_per_second"])
            counts = await received(client, recipients)
            held = await held_out_users(campaign_id)
            expected_silent = held | plan.blocked | plan.bad
            run.missed = sum(
                1
                for n, count in enumerate(counts)
                if count == 0 and FIRST_USER + n not in expected_silent
            )
            run.duplicates = sum(count - 1 for count in counts if count > 1)
            run.faults = {
                "403 blocked": len(plan.blocked),
                "5xx": len(plan.server_errors),
                "timeouts": len(plan.timeouts),
                "400": len(plan.bad),
            }
            p = run.progress
            run.checks.append(
                f"unreachable {p.unreachable} = blocked not held out "
                f"{len(plan.blocked - held)}; failed {p.failed} = 400s not held out "
                f"{len(plan.bad - held)}"
            )
            assert p.unreachable == len(plan.blocked - held), (p, len(plan.blocked - held))
            assert p.failed == len(plan.bad - held), (p, len(plan.bad - held))
    finally:
        await close_database()
    return run


async def held_out_users(campaign_id: int) -> set[int]:
    members = await MemberRow.all().only("id", "telegram_id")
    return {
        int(m.telegram_id)
        for m in members
        if m.telegram_id is not None and in_holdout(campaign_id, m.id, HOLDOUT)
    }


async def crash(directory: Path, recipients: int, rtt: float, *, workers: int) -> Run:
    """SIGKILL a sender process mid-broadcast (paid mode), resume with another after the lease."""
    run = Run(f"crash: kill -9 at 1/3, resume ({workers} workers)", recipients, PAID_RATE)
    run.workers = workers
    plan = FaultPlan(
        blocked=set(FaultPlan.draw(recipients).blocked),
        server_errors=set(),
        timeouts=set(),
        bad=set(),
    )
    database_url = await fresh_database(directory, f"crash-{workers}", recipients)
    try:
        async with emulator() as (url, client):
            await client.reset()
            await client.create_users(recipients, start_id=FIRST_USER, started=True)
            await plan.inject(client, rtt)
            await latency(client, rtt)
            delivery = Delivery(tortoise_uow_factory, SystemClock(), policy(LEASE))
            campaign_id = await campaign(delivery, HOLDOUT)
            child = await asyncio.create_subprocess_exec(
                *child_command(database_url, url, TOKEN, PAID_RATE, True, workers),
                cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            started = time.perf_counter()
            try:
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 120
                while (await client.stats())["sends"] < recipients // 3:
                    if loop.time() > deadline or child.returncode is not None:
                        raise RuntimeError("the sender process does not send")
                    await asyncio.sleep(0.005)
                child.send_signal(signal.SIGKILL)  # no clean-up of any kind
                await child.wait()
            finally:
                if child.returncode is None:
                    child.kill()
                    await child.wait()
            run.bound = await OutboxRow.filter(status=DeliveryStatus.SENDING.value).count()
            await asyncio.sleep(LEASE + 0.2)  # the dead sender's lease runs out
            sender = make_sender(url, delivery, paid=True, request_timeout=FAULT_TIMEOUT)
            await sender.start()
            await until_done(sender, delivery, campaign_id)
            run.seconds = time.perf_counter() - started
            await sender.stop()
            await sender.bot.session.close()
            run.progress = await delivery.progress(campaign_id)
            run.sent = run.progress.sent
            stats = await client.stats()
            run.bot_429s = int(stats["rate_limited"])
            run.emulator_peak = int(stats["peak_sends_per_second"])
            counts = await received(client, recipients)
            silent = await held_out_users(campaign_id) | plan.blocked
            run.missed = sum(
                1 for n, count in enumerate(counts) if count == 0 and FIRST_USER + n not in silent
            )
            run.duplicates = sum(count - 1 for count in counts if count > 1)
    finally:
        await close_database()
    return run


# Report -------------------------------------------------------------------------------------


def report(runs: list[Run], base: Run, rtt: float, problems: list[str]) -> str:
    lines = [
        "## Broadcast",
        "",
        "`python -m bench.broadcast` — one campaign to every member; the Bot API emulator in its "
        "own process enforcing Telegram's limits (30 msg/s, 1000 msg/s with "
        "`allow_paid_broadcast`, 1 msg/s per chat: 429 past them), each sendMessage answered "
        f"after {rtt * 1000:.0f} ms; SQLite; 2 shared cores. The baseline sends one message after "
        f"another with a 1/30 s pause ({base.recipients} recipients; its rate does not depend on "
        "the count). msg/s = messages the emulator accepted ÷ the elapsed time `s`, which runs "
        "from `sender.start()` (the campaign already queued) until every row is recorded and "
        "none is pending: the first claim, the last answers and the last write included.",
        "",
        "| run | recipients | workers | s | msg/s | of the limit | vs baseline | 429s caused "
        "by the bot | emulator peak/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [base, *runs]:
        if r.bound is not None:  # the crash: its time is mostly the restart, not sending
            rate = "— | — | —"
        else:
            rate = (
                f"{r.per_second:.1f} | {r.of_limit:.1%} of {r.limit:.0f} | "
                f"{r.per_second / base.per_second:.1f}×"
            )
        lines.append(
            f"| {r.name} | {r.recipients} | {r.workers} | {r.seconds:.1f} | {rate} | "
            f"{r.bot_429s} | {r.emulator_peak} |"
        )
    lines += [
        "",
        "Totals (sent + failed + unreachable + held out = recipients, nothing pending):",
        "",
        "| run | sent | failed | unreachable | held out | pending | reconciles | reachable "
        "members missed | duplicates | bound (rows `sending` at the kill) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in runs:
        p = r.progress
        assert p is not None
        lines.append(
            f"| {r.name} | {p.sent} | {p.failed} | {p.unreachable} | {p.held_out} | {p.pending} | "
            f"{'yes' if r.reconciles else 'NO'} | {r.missed} | {r.duplicates} | "
            f"{'' if r.bound is None else r.bound} |"
        )
    fault_runs = [r for r in runs if r.faults]
    if fault_runs:
        injected = ", ".join(f"{count} {kind}" for kind, count in fault_runs[0].faults.items())
        lines += [
            "",
            f"Injected faults (first try of each): {injected}; 5xx and timeouts (1 s request "
            "timeout, the emulator hangs 1.5 s) are retried, 403 marks the member unreachable, "
            "400 fails the row. " + "; ".join(fault_runs[0].checks) + ".",
        ]
    lines += [
        "",
        "Targets (free ≥ 97 % with no 429, paid ≥ 90 %, totals reconcile, duplicates ≤ bound): ",
    ]
    lines[-1] += "all met." if not problems else "NOT MET: " + "; ".join(problems) + "."
    lines.append("")
    return "\n".join(lines)


def verdicts(free: Run | None, paid: Run | None, others: list[Run]) -> list[str]:
    problems = []
    if free is not None and (free.of_limit < 0.97 or free.bot_429s):
        problems.append(f"free: {free.of_limit:.1%} of the limit, {free.bot_429s} 429s")
    if paid is not None and paid.of_limit < 0.90:
        problems.append(f"paid: {paid.of_limit:.1%} of the limit")
    for r in [x for x in (free, paid) if x is not None] + others:
        if not r.reconciles or r.missed:
            problems.append(f"{r.name}: totals {r.progress}, {r.missed} missed")
        if r.bound is not None and r.duplicates > r.bound:
            problems.append(f"{r.name}: {r.duplicates} duplicates > bound {r.bound}")
        if r.bound is None and r.duplicates:  # no crash: a duplicate would inflate the rate
            problems.append(f"{r.name}: {r.duplicates} duplicates")
    return problems


async def main(args: argparse.Namespace) -> int:
    n = args.recipients
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        base = await baseline(directory, min(n, args.baseline_recipients), args.rtt)
        print(f"{base.name}: {base.per_second:.1f} msg/s", flush=True)
        runs: list[Run] = []
        free = paid = None
        for scenario in args.only or ["free", "faults", "crash", "paid"]:
            if scenario == "free":
                free = await broadcast(directory, "free 30/s", n, args.rtt, paid=False)
                runs.append(free)
            elif scenario == "paid":
                paid = await broadcast(directory, "paid 1000/s", n, args.rtt, paid=True)
                runs.append(paid)
            elif scenario == "faults":
                runs.append(await faults(directory, n, args.rtt))
            elif scenario == "crash":
                runs.append(await crash(directory, n, args.rtt, workers=args.crash_workers))
            r = runs[-1]
            print(
                f"{r.name}: {r.per_second:.1f} msg/s ({r.of_limit:.1%}), {r.bot_429s} 429s, "
                f"{r.progress}, missed {r.missed}, duplicates {r.duplicates} (bound {r.bound})",
                flush=True,
            )
    problems = verdicts(free, paid, [r for r in runs if r not in (free, paid)])
    section = report(runs, base, args.rtt, problems)
    publish(section, write=not args.no_write)
    for problem in problems:
        print("NOT MET:", problem)
    return 1 if problems else 0


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--baseline-recipients", type=int, default=300)
    parser.add_argument("--rtt", type=float, default=0.1)
    parser.add_argument("--crash-workers", type=int, default=150)
    parser.add_argument(
        "--only", action="append", choices=["free", "faults", "crash", "paid"], help="repeatable"
    )
    parser.add_argument("--no-write", action="store_true")
    sys.exit(asyncio.run(main(parser.parse_args(argv))))


if __name__ == "__main__":
    cli()
