"""Starting and stopping the emulator: the CLI's entry point, the web page, clean shutdown."""

import asyncio

import aiohttp

from bot.sandbox import start_sandbox
from bot.sandbox.client import sandbox_bot
from bot.sandbox.personas import ADMIN_CHAT_ID, ANNA, OLGA
from bot.sandbox.server import base_url, running, serve
from bot.sandbox.state import Notifier

TOKEN = "42:START-TEST"


async def test_start_sandbox_serves_the_bot_api_the_client_and_the_personas():
    handle = await start_sandbox("127.0.0.1", 0, token=TOKEN)
    bot = sandbox_bot(handle.api_base, TOKEN)
    try:
        me = await bot.get_me()
        await handle.client.start(ANNA, "src_poster")
        [update] = [u for u in await bot.get_updates() if u.message]
        sent = await bot.send_message(ADMIN_CHAT_ID, "Owners, hello")
    finally:
        await bot.session.close()
        await handle.close()

    assert me.id == 42
    assert handle.url.startswith("http://127.0.0.1:")
    assert (update.message.from_user.id, update.message.text) == (ANNA, "/start src_poster")
    assert sent.chat.title == "Owners"
    assert handle.sandbox.world.groups[ADMIN_CHAT_ID].status_of(OLGA) == "creator"


async def test_start_sandbox_can_enforce_the_sending_limits():
    handle = await start_sandbox("127.0.0.1", 0, token=TOKEN, enforce_limits=True)
    try:
        limiter = handle.sandbox.world.bot().limiter
    finally:
        await handle.close()

    assert limiter is not None
    assert (limiter.config.global_per_second, limiter.config.per_chat_per_second) == (30, 1)


async def test_the_web_page_and_its_scripts_are_served():
    async with running(tokens=[TOKEN]) as server, aiohttp.ClientSession() as http:
        pages = {}
        for path in (
            "/",
            "/sandbox/static/sandbox.js",
            "/sandbox/static/sandbox.css",
            "/telegram-web-app.js",
        ):
            async with http.get(server.url + path) as response:
                pages[path] = (response.status, response.content_type, await response.text())

    assert all(status == 200 for status, _, _ in pages.values())
    assert pages["/"][1] == "text/html"
    assert '<script type="module" src="/sandbox/static/sandbox.js">' in pages["/"][2]
    assert "/sandbox/api" in pages["/sandbox/static/sandbox.js"][2]
    assert "window.Telegram.WebApp = WebApp" in pages["/telegram-web-app.js"][2]


async def test_shutdown_with_a_webhook_set_and_a_long_poll_waiting_finishes():
    runner = await serve("127.0.0.1", 0, tokens=[TOKEN], webhook_retry_delay=0.01)
    bot = sandbox_bot(base_url(runner), TOKEN)
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await bot.set_webhook("http://127.0.0.1:9/unreachable")  # ends the poll with 409
    await asyncio.gather(poll, return_exceptions=True)
    await bot.session.close()

    # must not wait out the webhook task's idle wait (it did, for 60 s a time)
    await asyncio.wait_for(runner.cleanup(), 10)

    assert not [t for t in asyncio.all_tasks() if "_deliver_all" in repr(t.get_coro())]


async def test_a_cancellation_racing_a_notification_still_cancels_the_waiter():
    notifier = Notifier()
    waiter = asyncio.create_task(notifier.wait(60))
    await asyncio.sleep(0)  # the waiter is now waiting

    notifier.notify()
    waiter.cancel()  # in the same loop turn: asyncio.wait_for on 3.11 would swallow this

    done, _ = await asyncio.wait({waiter}, timeout=5)
    assert waiter in done and waiter.cancelled()


async def test_a_notifier_wakes_every_waiter_and_times_out_quietly():
    notifier = Notifier()
    waiters = [asyncio.create_task(notifier.wait(10)) for _ in range(3)]
    await asyncio.sleep(0)

    notifier.notify()

    assert await asyncio.gather(*waiters) == [True, True, True]
    assert await notifier.wait(0.01) is False
    assert await notifier.wait(0) is False
