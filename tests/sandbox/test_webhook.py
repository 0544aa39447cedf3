"""Webhook mode: the emulator POSTs updates to the bot, as Telegram does."""

import asyncio
import contextlib

import pytest
from aiogram import Dispatcher, F
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.sandbox.client import SandboxClient, sandbox_bot
from bot.sandbox.server import running
from tests.sandbox.helpers import eventually

TOKEN = "42:WEBHOOK-TEST"
ANN = 1001


@contextlib.asynccontextmanager
async def serving(app: web.Application):
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


class Receiver:
    """A webhook endpoint that records what it gets and fails the first `failures` times."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: asyncio.Queue[tuple[dict, dict]] = asyncio.Queue()
        self.attempts = 0

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            return web.Response(status=500)
        await self.received.put((dict(request.headers), await request.json()))
        return web.json_response({})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        return app


async def failed_delivery(bot) -> bool:
    return (await bot.get_webhook_info()).last_error_message is not None


@pytest.fixture
async def sandbox():
    async with running(tokens=[TOKEN], webhook_retry_delay=0.02) as server:
        yield server


@pytest.fixture
async def bot(sandbox):
    bot = sandbox_bot(sandbox.url, TOKEN)
    yield bot
    await bot.session.close()


@pytest.fixture
async def sb(sandbox):
    async with SandboxClient(sandbox.url) as client:
        await client.create_user(ANN, first_name="Ann")
        yield client


async def test_updates_are_posted_with_the_secret_header(bot, sb):
    receiver = Receiver()
    async with serving(receiver.app()) as url:
        await bot.set_webhook(f"{url}/hook", secret_token="s3cret-token")

        await sb.send_text(ANN, "/start src_poster")
        headers, update = await asyncio.wait_for(receiver.received.get(), 5)

    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret-token"
    assert update["message"]["text"] == "/start src_poster"
    info = await bot.get_webhook_info()
    assert info.url == f"{url}/hook"
    assert info.pending_update_count == 0


async def test_failed_deliveries_are_retried_in_order(bot, sb):
    receiver = Receiver(failures=2)
    async with serving(receiver.app()) as url:
        await bot.set_webhook(f"{url}/hook")

        await sb.send_text(ANN, "first")
        await sb.send_text(ANN, "second")
        _, one = await asyncio.wait_for(receiver.received.get(), 5)
        _, two = await asyncio.wait_for(receiver.received.get(), 5)

    assert [one["message"]["text"], two["message"]["text"]] == ["first", "second"]
    assert receiver.attempts == 4
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_get_updates_conflicts_while_a_webhook_is_set(bot, sb):
    await bot.set_webhook("http://127.0.0.1:9/unreachable")

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()

    await sb.send_text(ANN, "queued while unreachable")
    await eventually(lambda: failed_delivery(bot))
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert info.last_error_message.startswith("Connection failed")
    await bot.delete_webhook()
    assert [u.message.text for u in await bot.get_updates()] == ["queued while unreachable"]


async def test_delete_webhook_can_drop_pending_updates(bot, sb):
    await bot.set_webhook("http://127.0.0.1:9/unreachable")
    await sb.send_text(ANN, "lost")

    await bot.delete_webhook(drop_pending_updates=True)

    assert await bot.get_updates() == []
    assert (await bot.get_webhook_info()).url == ""


async def test_setting_a_webhook_ends_a_waiting_long_poll(bot, sandbox):
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await eventually(lambda: sandbox.sandbox.world.stats.requests["getUpdates"] == 1)

    await bot.set_webhook("http://127.0.0.1:9/unreachable")

    with pytest.raises(TelegramConflictError):
        await asyncio.wait_for(poll, 5)


async def test_a_bad_secret_token_is_refused(bot):
    with pytest.raises(TelegramBadRequest, match="unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="no spaces allowed")


async def test_aiogram_webhook_handler_and_a_reply_in_the_response(bot, sb):
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def echo(message: Message):
        return message.answer(f"echo: {message.text}")  # answered in the webhook response

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token="right").register(app, path="/hook")
    async with serving(app) as url:
        await bot.set_webhook(f"{url}/hook", secret_token="right")
        await sb.send_text(ANN, "hello")

        reply = await sb.wait_for_message(ANN, timeout=5)

    assert reply.text == "echo: hello"


async def test_a_webhook_with_the_wrong_secret_keeps_the_update_queued(bot, sb):
    dispatcher = Dispatcher()
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token="right").register(app, path="/hook")
    async with serving(app) as url:
        await bot.set_webhook(f"{url}/hook", secret_token="wrong")
        await sb.send_text(ANN, "hello")
        await eventually(lambda: failed_delivery(bot))

        info = await bot.get_webhook_info()

    assert info.pending_update_count == 1
    assert info.last_error_message == "Wrong response from the webhook: 401 Unauthorized"
