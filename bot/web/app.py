"""One aiohttp application: the Telegram webhook, health, and (later) the Mini App and the API."""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web


class WebhookHandler(SimpleRequestHandler):
    """aiogram's handler, run in the request (not in background: Telegram re-delivers an update
    until we answer 200, so the answer must mean "handled"); a body that is not a JSON object
    is a 400 instead of a 500."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            body = await request.json(loads=bot.session.json_loads)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"error": "bad-json"}, status=400)
        if not isinstance(body, dict) or not isinstance(body.get("update_id"), int):
            return web.json_response({"error": "not-an-update"}, status=400)
        await self.dispatcher.feed_webhook_update(bot, body, **self.data)
        return web.json_response({})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_web_app(
    dispatcher: Dispatcher, bot: Bot, *, webhook_path: str, webhook_secret: str | None, **data: Any
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", healthz)
    WebhookHandler(
        dispatcher, bot, handle_in_background=False, secret_token=webhook_secret, **data
    ).register(app, path=webhook_path)
    return app
