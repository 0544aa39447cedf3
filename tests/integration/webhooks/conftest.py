"""Webhook events: the bot's real graph with EVENTS_URL set, and a local receiver."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.adapters.db.models.events import WebhookEvent
from bot.adapters.db.uow import tortoise_uow_factory
from bot.bootstrap import build_container, build_storage
from bot.config import Settings
from bot.delivery.webhooks import WebhookConfig, WebhookSender
from bot.domain.events import EventPolicy
from bot.domain.program import Program
from bot.services.events import EventDelivery
from tests.conftest import ADMIN_CHAT_ID, OWNER_ID, BotUnderTest
from tests.integration.pos_api.conftest import pos  # noqa: F401 - the fixture, on this `app`
from tests.kit.clock import FixedClock
from tests.kit.telegram import RecordingSession

SECRET = "whsec-test-secret"


@pytest.fixture
def events_url() -> str | None:
    """EVENTS_URL of the bot under test; a test parametrizes it with None for "off"."""
    return "http://receiver.invalid/events"


@pytest.fixture
async def app(
    database_url: str, program: Program, clock: FixedClock, events_url: str | None
) -> AsyncIterator[BotUnderTest]:
    """tests/conftest.py's `app`, with webhook events on (unless `events_url` is None)."""
    settings = Settings(
        _env_file=None,
        bot_token="42:TEST-TOKEN",
        database_url=database_url,
        webhook_secret="s3cret-token",
        owner_ids=[OWNER_ID],
        admin_chat_ids=[ADMIN_CHAT_ID],
        events_url=events_url,
        events_secret=SECRET if events_url else None,
    )
    session = RecordingSession()
    storage = build_storage(settings, prefix=f"test-{uuid.uuid4().hex}")
    container = build_container(
        settings, program=program, clock=clock, session=session, storage=storage
    )
    yield BotUnderTest(container, session)
    await container.dispatcher.storage.close()


async def events(type: str | None = None) -> list[WebhookEvent]:
    query = WebhookEvent.all().order_by("id")
    if type is not None:
        query = query.filter(type=type)
    return await query


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event_id(self) -> str:
        return self.headers["X-Loyalty-Event-Id"]


@dataclass
class Receiver:
    """A partner's endpoint on a local aiohttp server: it answers the statuses in `script`
    in turn (then 200) and keeps every request it got."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return str(self.server.make_url("/events"))

    def answer(self, *statuses: int) -> None:
        self.script.extend(statuses)


@pytest.fixture
async def receiver(aiohttp_server: Callable[..., Any]) -> Receiver:
    holder: list[Receiver] = []

    async def on_event(request: web.Request) -> web.Response:
        this = holder[0]
        this.received.append(Received(dict(request.headers), await request.read()))
        status = this.script.pop(0) if this.script else 200
        return web.Response(status=status)

    web_app = web.Application()
    web_app.router.add_post("/events", on_event)
    server: TestServer = await aiohttp_server(web_app)
    holder.append(Receiver(server))
    return holder[0]


@dataclass
class Senders:
    clock: FixedClock
    receiver: Receiver
    made: list[WebhookSender] = field(default_factory=list)

    def make(
        self, *, max_attempts: int = 12, url: str | None = None, **config: Any
    ) -> WebhookSender:
        policy = EventPolicy(max_attempts=max_attempts)
        sender = WebhookSender(
            EventDelivery(tortoise_uow_factory, self.clock, policy),
            self.clock,
            WebhookConfig(url=url or self.receiver.url, secret=SECRET.encode(), **config),
        )
        self.made.append(sender)
        return sender


@pytest.fixture
async def senders(clock: FixedClock, receiver: Receiver) -> AsyncIterator[Senders]:
    made = Senders(clock, receiver)
    yield made
    for sender in made.made:
        await sender.stop()
