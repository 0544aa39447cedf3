"""The composition root: the one place that builds the object graph. Nothing runs at import.

Tests build the same graph with `build_container(...)`, swapping only the edges: the database
URL, the clock and the Bot session.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiohttp import web

from bot.adapters.clock import SystemClock
from bot.adapters.db import close_database, migrate_database, open_database
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.i18n import I18n
from bot.adapters.program_file import load_program
from bot.config import Settings
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.program import Program
from bot.handlers import errors
from bot.handlers.customer import start
from bot.handlers.middlewares import DeduplicateUpdates, UseLanguage
from bot.services.membership import Membership
from bot.services.updates import UpdateGuard
from bot.web.app import create_web_app

log = logging.getLogger(__name__)


@dataclass
class Services:
    membership: Membership
    updates: UpdateGuard

    def as_handler_data(self) -> dict[str, Any]:
        return {"membership": self.membership}


@dataclass
class Container:
    settings: Settings
    program: Program
    i18n: I18n
    clock: Clock
    services: Services
    bot: Bot
    dispatcher: Dispatcher


def build_services(uow: UnitOfWorkFactory, clock: Clock, program: Program) -> Services:
    return Services(membership=Membership(uow, clock, program), updates=UpdateGuard(uow, clock))


def build_dispatcher(
    services: Services, i18n: I18n, program: Program, storage: BaseStorage | None = None
) -> Dispatcher:
    dispatcher = Dispatcher(storage=storage or MemoryStorage())
    # Dependencies reach handlers by parameter name (aiogram's workflow data).
    dispatcher.workflow_data.update(services.as_handler_data(), i18n=i18n, program=program)
    dispatcher.update.outer_middleware(DeduplicateUpdates(services.updates))
    dispatcher.update.outer_middleware(UseLanguage(i18n, services.membership))
    dispatcher.include_routers(start.create_router(), errors.create_router())
    return dispatcher


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    assert settings.bot_token is not None
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )


def build_storage(settings: Settings) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return MemoryStorage()


def build_container(
    settings: Settings,
    *,
    program: Program | None = None,
    clock: Clock | None = None,
    session: BaseSession | None = None,
) -> Container:
    program = program or load_program(settings.program_file)
    clock = clock or SystemClock()
    i18n = I18n(settings.default_locale)
    services = build_services(tortoise_uow_factory, clock, program)
    dispatcher = build_dispatcher(services, i18n, program, build_storage(settings))
    bot = build_bot(settings, session)
    return Container(settings, program, i18n, clock, services, bot, dispatcher)


def build_web_app(container: Container) -> web.Application:
    settings = container.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    return create_web_app(
        container.dispatcher,
        container.bot,
        webhook_path=settings.webhook_path,
        webhook_secret=secret,
    )


async def run(settings: Settings) -> None:
    """Migrate, then serve: polling, or webhook when WEBHOOK_URL is set. Stops cleanly on
    SIGINT/SIGTERM: the update being handled finishes, connections close."""
    container = build_container(settings)
    await migrate_database(settings.database_url)
    await open_database(settings.database_url)
    try:
        if settings.webhook_mode:
            await _serve_webhook(container)
        else:
            await container.bot.delete_webhook(drop_pending_updates=False)
            await container.dispatcher.start_polling(container.bot, handle_signals=True)
    finally:
        await container.bot.session.close()
        await container.dispatcher.storage.close()
        await close_database()


async def _serve_webhook(container: Container) -> None:
    settings = container.settings
    assert settings.webhook_url and settings.webhook_secret
    app = build_web_app(container)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    await container.bot.set_webhook(
        settings.webhook_url + settings.webhook_path,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=container.dispatcher.resolve_used_update_types(),
    )
    log.info("webhook mode on %s:%s", settings.web_host, settings.web_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        # Cleanup waits for in-flight requests (and their updates) to finish.
        await runner.cleanup()
