"""The delivery engine against the Bot API emulator: real HTTP, real 429s, a real database."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.delivery import OutboxMessage as OutboxRow
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.i18n import I18n
from bot.delivery.sender import OutboxSender, SenderConfig
from bot.domain.delivery import DeliveryPolicy
from bot.sandbox.client import SandboxClient, sandbox_bot
from bot.sandbox.limits import LimitConfig
from bot.sandbox.server import SANDBOX_KEY, Sandbox, base_url, serve
from bot.services.delivery import Delivery
from tests.kit.clock import FixedClock

TOKEN = "4242:DELIVERY-TEST"

# Test-only messages: a key with variables and a button label, in two languages.
LOCALES = {
    "en": "offer = Hi { $name }, { $discount }% off today\nbutton-open = Open\n",
    "ru": "offer = Привет, { $name }, скидка { $discount }% сегодня\nbutton-open = Открыть\n",
}

_user_ids = itertools.count(700_000_001)


@dataclass
class Emulator:
    url: str
    client: SandboxClient
    sandbox: Sandbox

    async def sends_to(self, chat_id: int) -> int:
        return len(await self.client.sent_to(chat_id))

    def statuses(self) -> dict[int, int]:
        return dict(self.sandbox.world.stats.statuses)


@pytest.fixture
async def emulator_factory() -> AsyncIterator[Callable[..., Awaitable[Emulator]]]:
    runners: list[Any] = []
    clients: list[SandboxClient] = []

    async def start(global_rate: int = 30, per_chat: int = 1) -> Emulator:
        limits = LimitConfig(global_per_second=global_rate, per_chat_per_second=per_chat)
        runner = await serve("127.0.0.1", 0, tokens=[TOKEN], limits=limits, cast=None)
        runners.append(runner)
        url = base_url(runner)
        client = SandboxClient(url)
        clients.append(client)
        return Emulator(url, client, runner.app[SANDBOX_KEY])

    yield start
    for client in clients:
        await client.close()
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def emulator(emulator_factory: Callable[..., Awaitable[Emulator]]) -> Emulator:
    """Telegram's limits enforced, at a global rate high enough to keep tests short."""
    return await emulator_factory(global_rate=200)


@pytest.fixture
def i18n(tmp_path: Path) -> I18n:
    for locale, text in LOCALES.items():
        (tmp_path / "locales" / locale).mkdir(parents=True)
        (tmp_path / "locales" / locale / "delivery.ftl").write_text(text, encoding="utf-8")
    return I18n("en", directory=tmp_path / "locales")


@pytest.fixture
def policy() -> DeliveryPolicy:
    # No backoff wait, so retries are due at once under the fixed clock.
    from datetime import timedelta

    return DeliveryPolicy(default_timezone="UTC", backoff_base=timedelta(0), max_attempts=4)


@pytest.fixture
def delivery(database_url: str, clock: FixedClock, policy: DeliveryPolicy) -> Delivery:
    return Delivery(tortoise_uow_factory, clock, policy)


@dataclass
class Senders:
    emulator: Emulator
    delivery: Delivery
    i18n: I18n
    clock: FixedClock
    bots: list[Bot]

    def make(self, rate: float = 200, **options: Any) -> OutboxSender:
        bot = sandbox_bot(self.emulator.url, TOKEN)
        self.bots.append(bot)
        limiter = options.pop("limiter", None)
        chat_spacing = options.pop("chat_spacing", None)
        config = SenderConfig(rate=rate, idle_interval=0.05, flush_interval=0.01, **options)
        return OutboxSender(
            bot, self.delivery, self.i18n, self.clock, config, limiter, chat_spacing
        )

    async def run(self, *senders: OutboxSender, limit: float = 60) -> None:
        """Start the senders, wait until none has anything due or in flight, stop them."""
        for sender in senders:
            await sender.start()
        try:
            async with asyncio.timeout(limit):
                for _ in range(2):  # twice: one sender's retries may be claimed by another
                    await asyncio.gather(*(sender.wait_idle() for sender in senders))
        finally:
            for sender in senders:
                await sender.stop()


@pytest.fixture
async def senders(
    emulator: Emulator, delivery: Delivery, i18n: I18n, clock: FixedClock
) -> AsyncIterator[Senders]:
    kit = Senders(emulator, delivery, i18n, clock, [])
    yield kit
    for bot in kit.bots:
        await bot.session.close()


async def add_members(
    emulator: Emulator,
    count: int,
    *,
    locale: str = "en",
    timezone: str | None = None,
    marketing_opt_in: bool = True,
) -> list[MemberRow]:
    """Members who started the bot: rows in the database and users in the emulator."""
    rows = []
    for _ in range(count):
        user_id = next(_user_ids)
        rows.append(
            MemberRow(
                telegram_id=user_id,
                status="active",
                locale=locale,
                first_name=f"User{user_id}",
                card_code=f"C{user_id}",
                referral_code=f"R{user_id}",
                timezone=timezone,
                marketing_opt_in=marketing_opt_in,
            )
        )
    await MemberRow.bulk_create(rows)
    created = await MemberRow.filter(telegram_id__in=[r.telegram_id for r in rows]).order_by("id")
    start = created[0].telegram_id
    ids = await emulator.client.create_users(count, start_id=start, started=True)
    assert ids == [m.telegram_id for m in created]
    return list(created)


async def deliveries_per_chat(emulator: Emulator, members: Iterable[MemberRow]) -> list[int]:
    return [await emulator.sends_to(m.telegram_id) for m in members]


async def row_of(member: MemberRow, campaign_id: int | None = None) -> OutboxRow:
    query = OutboxRow.filter(member_id=member.id)
    if campaign_id is not None:
        query = query.filter(campaign_id=campaign_id)
    return await query.order_by("-id").first()  # type: ignore[return-value]
