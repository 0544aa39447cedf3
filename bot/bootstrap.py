"""The composition root: the one place that builds the object graph. Nothing runs at import.

Tests build the same graph with `build_container(...)`, swapping only the edges: the database
URL, the clock and the Bot session.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
from bot.adapters.heap import settle_heap
from bot.adapters.i18n import I18n
from bot.adapters.program_file import load_program
from bot.adapters.rate_limit import RedisTokenBucket
from bot.adapters.telegram_chats import TelegramChats
from bot.config import Settings, parse_quiet_hours
from bot.config import card_secret as card_secret  # re-exported: the demo and tests use it
from bot.delivery.sender import OutboxSender, SenderConfig, default_margin
from bot.delivery.webhooks import WebhookConfig, WebhookSender
from bot.domain.delivery import DeliveryPolicy, MessageContent
from bot.domain.errors import PermissionDenied
from bot.domain.events import EventPolicy
from bot.domain.ports import ChatNotifier, Clock, UnitOfWorkFactory
from bot.domain.program import Program
from bot.domain.staff import Actor, Role
from bot.handlers import commands, errors
from bot.handlers.admin import broadcast as admin_broadcast
from bot.handlers.admin import coalition as admin_coalition
from bot.handlers.admin import export as admin_export
from bot.handlers.admin import ledger as admin_ledger
from bot.handlers.admin import program as admin_program
from bot.handlers.admin import reports as admin_reports
from bot.handlers.admin import surveys as admin_surveys
from bot.handlers.customer import (
    balance,
    card,
    gift,
    history,
    join,
    menu,
    reachability,
    redemption,
    settings,
    start,
)
from bot.handlers.customer import offers as customer_offers
from bot.handlers.customer import social as customer_social
from bot.handlers.customer import surveys as customer_surveys
from bot.handlers.middlewares import DeduplicateUpdates, UseLanguage
from bot.handlers.staff import admin as staff_admin
from bot.handlers.staff import scan as till
from bot.handlers.staff import scanner
from bot.handlers.staff.actor import ResolveActor
from bot.scheduler.election import election_for
from bot.scheduler.runner import SchedulerRunner
from bot.services.api_keys import ApiKeys
from bot.services.automations import Automations
from bot.services.broadcasts import Broadcasts
from bot.services.coalition import Coalition
from bot.services.delivery import Delivery
from bot.services.digest import Digests
from bot.services.events import EventDelivery, EventLog
from bot.services.exports import Exports
from bot.services.leaderboard import Leaderboards
from bot.services.ledger import Ledger
from bot.services.membership import Membership
from bot.services.offers import Offers
from bot.services.pos import PointOfSale
from bot.services.ratings import Ratings
from bot.services.reports import Reports
from bot.services.social import Social
from bot.services.staff import StaffService
from bot.services.surveys import Surveys
from bot.services.till import Till
from bot.services.updates import UpdateGuard
from bot.web.app import create_web_app
from bot.web.miniapp import MiniApp, add_miniapp
from bot.web.pos_api import PosApi, add_pos_api

log = logging.getLogger(__name__)


@dataclass
class Services:
    membership: Membership
    updates: UpdateGuard
    delivery: Delivery
    ledger: Ledger
    staff: StaffService
    till: Till
    leaderboards: Leaderboards
    offers: Offers
    automations: Automations
    broadcasts: Broadcasts
    reports: Reports
    pos: PointOfSale
    api_keys: ApiKeys
    coalition: Coalition
    social: Social
    surveys: Surveys
    ratings: Ratings
    digests: Digests
    exports: Exports

    def as_handler_data(self) -> dict[str, Any]:
        return {
            "membership": self.membership,
            "ledger": self.ledger,
            "purchases": self.ledger,
            "delivery": self.delivery,
            "staff": self.staff,
            "till": self.till,
            "leaderboards": self.leaderboards,
            "offers": self.offers,
            "broadcasts": self.broadcasts,
            "reports": self.reports,
            "coalition": self.coalition,
            "api_keys": self.api_keys,
            "social": self.social,
            "surveys": self.surveys,
            "ratings": self.ratings,
            "exports": self.exports,
        }


@dataclass
class Container:
    settings: Settings
    program: Program
    i18n: I18n
    clock: Clock
    services: Services
    bot: Bot
    dispatcher: Dispatcher
    live: LiveProgram


Swap = Callable[[Program, Services], None]

PROGRAM_FREE_SERVICES = ("updates", "delivery")
"""Services that read nothing from the program keep their one instance across reloads (the
update de-duplication middleware and the outbox sender hold them)."""


class LiveProgram:
    """The running program and the services built from it; `/reload` switches both here.

    Services take the program at construction (they stay plain and immutable), so a reload
    builds a fresh graph from the new file and hands it to every long-lived holder at once:
    the container, the dispatcher's handler data, the scheduler's job table, the outbox
    sender's currency and tier names, the Mini App and the POS API (each registers a `Swap`
    where it is built). The swaps run one after another with no await between them, so no
    update, job or request sees half of each. A file that fails validation raises
    `ProgramFileError` before anything is built: the old rules keep running.
    """

    def __init__(
        self,
        path: Path,
        program: Program,
        services: Services,
        build: Callable[[Program], Services],
    ) -> None:
        self.path = path
        self.program = program
        self.services = services
        self._build = build
        self._swaps: list[Swap] = []

    def on_swap(self, swap: Swap) -> None:
        self._swaps.append(swap)

    async def reload(self, actor: Actor) -> Program:
        """Owners only. Raises `ProgramFileError` (file, field, reason) and changes nothing
        when the file cannot be used."""
        if actor.role is not Role.OWNER:
            raise PermissionDenied("only owners reload the program", reason="reload")
        program = await asyncio.to_thread(load_program, self.path)
        services = dataclasses.replace(
            self._build(program),
            **{name: getattr(self.services, name) for name in PROGRAM_FREE_SERVICES},
        )
        self.program, self.services = program, services
        for swap in self._swaps:
            swap(program, services)
        # Partners and outlets added to the file exist at once (API keys, the settlement).
        await services.coalition.sync()
        log.info("program reloaded from %s", self.path)
        return program


def build_services(
    uow: UnitOfWorkFactory,
    clock: Clock,
    program: Program,
    *,
    card_secret: bytes,
    card_ttl: timedelta,
    locales: tuple[str, ...],
    owner_ids: Collection[int] = (),
    delivery_policy: DeliveryPolicy | None = None,
    notifier: ChatNotifier | None = None,
    events: EventLog | None = None,
) -> Services:
    ledger = Ledger(uow, clock, program, card_secret=card_secret, events=events)
    notifier = notifier or _Unheard()
    membership = Membership(
        uow,
        clock,
        program,
        card_secret=card_secret,
        card_ttl=card_ttl,
        ledger=ledger,
        locales=locales,
        events=events,
    )
    delivery = Delivery(uow, clock, delivery_policy)
    till = Till(uow, clock, program, ledger, notifier)
    reports = Reports(uow, clock, program)
    offers = Offers(uow, clock, program)
    pos = PointOfSale(
        uow, clock, program, ledger, till, offers, card_secret=card_secret, card_ttl=card_ttl
    )
    return Services(
        membership=membership,
        updates=UpdateGuard(uow, clock),
        delivery=delivery,
        ledger=ledger,
        staff=StaffService(
            uow,
            clock,
            owner_ids=owner_ids,
            card_secret=card_secret,
            card_ttl=card_ttl,
            timezone=ZoneInfo(program.timezone),
        ),
        till=till,
        leaderboards=Leaderboards(uow, clock, notifier),
        offers=offers,
        automations=Automations(uow, clock, program, delivery, ledger),
        broadcasts=Broadcasts(uow, clock, program, delivery, notifier=notifier),
        reports=reports,
        pos=pos,
        api_keys=ApiKeys(uow, clock),
        coalition=Coalition(uow, clock, program),
        social=Social(uow, program, ledger),
        surveys=Surveys(uow, clock, program, ledger, notifier),
        ratings=Ratings(uow, clock),
        digests=Digests(reports, notifier),
        exports=Exports(uow),
    )


class _Unheard:
    """No staff or admin chat to notify (a graph built without a bot)."""

    async def to_admins(self, parts: Sequence[MessageContent]) -> None:
        pass

    async def show(
        self, chat_id: int, message_id: int | None, locale: str, content: MessageContent
    ) -> None:
        pass


def build_dispatcher(
    services: Services,
    i18n: I18n,
    program: Program,
    storage: BaseStorage | None = None,
    admin_chat_ids: Collection[int] = (),
    miniapp_url: str | None = None,
) -> Dispatcher:
    dispatcher = Dispatcher(storage=storage or MemoryStorage())
    # Dependencies reach handlers by parameter name (aiogram's workflow data).
    dispatcher.workflow_data.update(
        services.as_handler_data(), i18n=i18n, program=program, miniapp_url=miniapp_url
    )
    dispatcher.workflow_data["broadcast_watcher"] = admin_broadcast.ProgressWatcher()
    dispatcher.update.outer_middleware(DeduplicateUpdates(services.updates))
    dispatcher.update.outer_middleware(UseLanguage(i18n, services.membership))
    staff_routers = [
        till.create_router(),
        scanner.create_router(),
        staff_admin.create_router(admin_chat_ids),
        admin_ledger.create_router(admin_chat_ids),
        admin_broadcast.create_router(admin_chat_ids),
        admin_reports.create_router(admin_chat_ids),
        admin_coalition.create_router(admin_chat_ids),
        admin_program.create_router(admin_chat_ids),
        admin_export.create_router(admin_chat_ids),
        admin_surveys.create_router(admin_chat_ids),
    ]
    for router in staff_routers:
        router.message.middleware(ResolveActor(services.staff))
        router.callback_query.middleware(ResolveActor(services.staff))
    dispatcher.include_routers(
        *staff_routers,
        # A customer's Confirm / Cancel works whatever conversation step they are at.
        redemption.create_router(),
        # Before the other customer routers: its code step yields to commands and menu buttons.
        gift.create_router(),
        # Before start (its `sv_` links) and the fallback (typed answers).
        customer_surveys.create_router(),
        start.create_router(),
        customer_social.create_router(),
        customer_offers.create_router(),
        join.create_router(),
        card.create_router(),
        balance.create_router(),
        history.create_router(),
        settings.create_router(),
        reachability.create_router(),
    )
    # The customer fallback answers whatever no router above took: keep it last but errors.
    dispatcher.include_routers(menu.create_router(), errors.create_router())
    dispatcher.startup.register(commands.startup_handler(i18n, admin_chat_ids))
    return dispatcher


def build_bot(settings: Settings, session: BaseSession | None = None) -> Bot:
    if session is None:
        # Enough connections for every sender worker in flight (aiogram's default is 100;
        # paid broadcasts at 1 000/s keep ~300 requests open).
        limit = max(100, sender_config(settings).worker_count() + 20)
        session = AiohttpSession(
            api=TelegramAPIServer.from_base(settings.telegram_api_base), limit=limit
        )
    assert settings.bot_token is not None
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML"),
    )


def build_storage(settings: Settings, prefix: str = "fsm") -> BaseStorage:
    """Conversation state: in memory, or in Redis (shared by several workers) when REDIS_URL is
    set. `prefix` namespaces the keys (tests give each test its own)."""
    if settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(prefix=prefix)
        )
    return MemoryStorage()


def build_container(
    settings: Settings,
    *,
    program: Program | None = None,
    clock: Clock | None = None,
    session: BaseSession | None = None,
    storage: BaseStorage | None = None,
) -> Container:
    program = program or load_program(settings.program_file)
    clock = clock or SystemClock()
    i18n = I18n(settings.default_locale)
    bot = build_bot(settings, session)
    events = EventLog(enabled=settings.events_on)

    def services_for(program: Program) -> Services:
        """The graph for `program`: at start-up and on every /reload, the same edges."""
        return build_services(
            tortoise_uow_factory,
            clock,
            program,
            card_secret=card_secret(settings),
            card_ttl=timedelta(seconds=settings.card_ttl_seconds),
            locales=i18n.locales,
            owner_ids=settings.owner_ids,
            delivery_policy=delivery_policy(settings),
            notifier=TelegramChats(bot, i18n, settings.admin_chat_ids, program.currency),
            events=events,
        )

    services = services_for(program)
    dispatcher = build_dispatcher(
        services,
        i18n,
        program,
        build_storage(settings),
        settings.admin_chat_ids,
        miniapp_url=settings.miniapp_link,
    )
    live = LiveProgram(settings.program_file, program, services, services_for)
    container = Container(settings, program, i18n, clock, services, bot, dispatcher, live)
    dispatcher.workflow_data["program_reloader"] = live

    def swap_handler_data(program: Program, services: Services) -> None:
        container.program, container.services = program, services
        dispatcher.workflow_data.update(services.as_handler_data(), program=program)

    live.on_swap(swap_handler_data)
    return container


def delivery_policy(settings: Settings) -> DeliveryPolicy:
    quiet_start, quiet_end = parse_quiet_hours(settings.quiet_hours)
    return DeliveryPolicy(
        frequency_cap_per_week=settings.marketing_per_week,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        default_timezone=settings.timezone,
        max_attempts=settings.delivery_max_attempts,
        lease=timedelta(seconds=settings.delivery_lease_seconds),
    )


def sender_config(settings: Settings) -> SenderConfig:
    paid = settings.delivery_paid_broadcast
    return SenderConfig(
        rate=settings.delivery_paid_rate if paid else settings.delivery_rate,
        paid_broadcast=paid,
        workers=settings.delivery_workers,
        margin=(
            default_margin(paid) if settings.delivery_margin is None else settings.delivery_margin
        ),
        expected_latency=settings.delivery_expected_latency,
    )


def build_sender(container: Container) -> OutboxSender:
    """The outbox sender; with REDIS_URL its rate and its spacing per chat are shared with every
    other sender process."""
    settings = container.settings
    config = _with_program(sender_config(settings), container.program)
    limiter = chat_spacing = None
    if settings.redis_url:
        from redis.asyncio import Redis

        from bot.delivery.chat_spacing import RedisChatSpacing
        from bot.delivery.limiter import RedisRateLimiter

        redis = Redis.from_url(settings.redis_url)
        limiter = RedisRateLimiter(redis, config.paced_rate)
        chat_spacing = RedisChatSpacing(redis, config.per_chat_interval)
    sender = OutboxSender(
        container.bot,
        container.services.delivery,
        container.i18n,
        container.clock,
        config,
        limiter,
        chat_spacing,
    )

    def swap(program: Program, services: Services) -> None:
        # The rate, its limiter and the queue stay; only the program's names change.
        sender.config = _with_program(sender.config, program)

    container.live.on_swap(swap)
    return sender


def _with_program(config: SenderConfig, program: Program) -> SenderConfig:
    """The sender formats `*_money` in the program's currency and `*_tier` as its tier names."""
    return dataclasses.replace(
        config,
        currency=program.currency,
        tier_names={tier.code: tier.name for tier in program.tiers.levels},
    )


def build_webhook_sender(container: Container) -> WebhookSender | None:
    """The sender of webhook events, when EVENTS_URL is set (else no event is written)."""
    settings = container.settings
    if settings.events_url is None:
        return None
    assert settings.events_secret is not None
    policy = EventPolicy(max_attempts=settings.events_max_attempts)
    events = EventDelivery(tortoise_uow_factory, container.clock, policy)
    config = WebhookConfig(
        url=settings.events_url,
        secret=settings.events_secret.get_secret_value().encode("utf-8"),
        timeout=settings.events_timeout_seconds,
    )
    return WebhookSender(events, container.clock, config)


def build_scheduler(container: Container) -> SchedulerRunner:
    """The scheduler; it runs its jobs only while this process holds the election."""
    services = container.services
    runner = SchedulerRunner(
        election_for(container.settings.database_url),
        container.program,
        container.clock,
        services.automations,
        services.till,
        services.leaderboards,
        broadcasts=services.broadcasts,
        digests=services.digests,
    )

    def swap(program: Program, services: Services) -> None:
        runner.replan(
            program,
            services.automations,
            services.till,
            services.leaderboards,
            broadcasts=services.broadcasts,
            digests=services.digests,
        )

    container.live.on_swap(swap)
    return runner


def _shared_pos_limiter(app: web.Application, settings: Settings) -> RedisTokenBucket | None:
    """With REDIS_URL, the POS API's limit per key is one bucket in Redis for every process
    (closed with the app); without, each process keeps its own."""
    if not settings.redis_url:
        return None
    bucket = RedisTokenBucket.from_url(
        settings.redis_url,
        settings.pos_api_rate,
        burst=settings.pos_api_burst,
        prefix="loyalty:pos-api:",
    )

    async def close(_: web.Application) -> None:
        await bucket.close()

    app.on_cleanup.append(close)
    return bucket


def build_web_app(container: Container) -> web.Application:
    settings = container.settings
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    app = create_web_app(
        container.dispatcher,
        container.bot,
        webhook_path=settings.webhook_path,
        webhook_secret=secret,
    )
    services = container.services
    miniapp = MiniApp(
        bot_token=container.bot.token,
        script_url=settings.webapp_script_url,
        staff=services.staff,
        till=services.till,
        program=container.program,
        i18n=container.i18n,
        clock=container.clock,
    )
    add_miniapp(app, miniapp)
    pos_api = PosApi(
        pos=services.pos,
        keys=services.api_keys,
        program=container.program,
        i18n=container.i18n,
        rate=settings.pos_api_rate,
        burst=settings.pos_api_burst,
        shared_limiter=_shared_pos_limiter(app, settings),
    )
    add_pos_api(app, pos_api)

    def swap(program: Program, services: Services) -> None:
        # The apps' objects stay (the POS API keeps its per-key rate limiter); what they
        # reach through them changes.
        miniapp.staff, miniapp.till, miniapp.program = services.staff, services.till, program
        pos_api.pos, pos_api.keys, pos_api.program = services.pos, services.api_keys, program

    container.live.on_swap(swap)
    return app


async def run(settings: Settings) -> None:
    """Migrate, then serve: polling, or webhook when WEBHOOK_URL is set. Stops cleanly on
    SIGINT/SIGTERM: the update being handled finishes, connections close."""
    container = build_container(settings)
    await migrate_database(settings.database_url)
    await open_database(settings.database_url)
    await container.services.coalition.sync()
    sender = build_sender(container)
    settle_heap()  # the process is built: keep its heap out of the collector's full passes
    await sender.start()
    webhooks = build_webhook_sender(container)
    if webhooks is not None:
        await webhooks.start()
    scheduler = build_scheduler(container)
    await scheduler.start()
    try:
        if settings.webhook_mode:
            await _serve_webhook(container)
        else:
            await container.bot.delete_webhook(drop_pending_updates=False)
            # Polling needs no web server, but the Mini App scanner does.
            serve = settings.miniapp_url or settings.pos_api
            runner = await _start_web(container) if serve else None
            try:
                await container.dispatcher.start_polling(container.bot, handle_signals=True)
            finally:
                if runner is not None:
                    await runner.cleanup()
    finally:
        await scheduler.stop()
        await container.dispatcher.workflow_data["broadcast_watcher"].close()
        await sender.stop()
        if webhooks is not None:
            await webhooks.stop()
        await container.bot.session.close()
        await container.dispatcher.storage.close()
        await close_database()


async def _start_web(container: Container) -> web.AppRunner:
    settings = container.settings
    runner = web.AppRunner(build_web_app(container))
    await runner.setup()
    await web.TCPSite(runner, settings.web_host, settings.web_port).start()
    return runner


async def _serve_webhook(container: Container) -> None:
    settings = container.settings
    assert settings.webhook_url and settings.webhook_secret
    runner = await _start_web(container)
    await container.bot.set_webhook(
        settings.webhook_url + settings.webhook_path,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=container.dispatcher.resolve_used_update_types(),
    )
    # Polling emits the start-up hooks itself (the command menus); the webhook does not.
    await container.dispatcher.emit_startup(bot=container.bot)
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
