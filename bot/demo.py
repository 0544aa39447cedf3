"""`python -m bot sandbox`: the local Telegram emulator, the bot polling it, and a demo program on
SQLite, so anyone can try the whole bot in a browser without a token."""

from __future__ import annotations

import asyncio
import logging

from pydantic import SecretStr

from bot.bootstrap import run
from bot.config import Settings
from bot.sandbox import start_sandbox
from bot.sandbox.personas import ADMIN_CHAT_ID, OLGA

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "123456:SANDBOX-local-token"
SANDBOX_DATABASE = "sqlite://data/sandbox.sqlite3"


def sandbox_settings(settings: Settings, api_base: str) -> Settings:
    """The user's settings, pointed at the emulator and its cast (the owner, the admin group).
    The demo keeps its own database so it never touches the real one."""
    return settings.model_copy(
        update={
            "bot_token": SecretStr(SANDBOX_TOKEN),
            "telegram_api_base": api_base,
            "database_url": SANDBOX_DATABASE,
            "owner_ids": [OLGA],
            "admin_chat_ids": [ADMIN_CHAT_ID],
            "webhook_url": None,
            "webhook_secret": None,
        }
    )


async def run_demo(settings: Settings, *, host: str, port: int) -> None:
    handle = await start_sandbox(host, port, token=SANDBOX_TOKEN)
    try:
        print(f"\n  Sandbox is running: open {handle.url} in a browser\n", flush=True)
        await run(sandbox_settings(settings, handle.api_base))
    finally:
        await handle.close()


def main() -> None:  # pragma: no cover - convenience for `python -m bot.demo`
    asyncio.run(run_demo(Settings(), host="127.0.0.1", port=8081))
