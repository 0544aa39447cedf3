"""`python -m bot sandbox`: the local Telegram emulator, the bot polling it, and a demo program on
SQLite, so anyone can try the whole bot in a browser without a token."""

from __future__ import annotations

import asyncio
import logging

from pydantic import SecretStr

from bot.adapters.db import close_database, migrate_database, open_database
from bot.adapters.program_file import load_program
from bot.bootstrap import run
from bot.config import Settings
from bot.demo_data import seed_demo
from bot.sandbox import start_sandbox
from bot.sandbox.personas import ADMIN_CHAT_ID, CAROL, OLGA

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "123456:SANDBOX-local-token"
SANDBOX_DATABASE = "sqlite://data/sandbox.sqlite3"


def sandbox_settings(settings: Settings, api_base: str) -> Settings:
    """The user's settings, pointed at the emulator and its cast (the owner, the admin group).
    The demo keeps its own database so it never touches the real one. The web server runs too,
    for the Mini App scanner."""
    return settings.model_copy(
        update={
            "bot_token": SecretStr(SANDBOX_TOKEN),
            "telegram_api_base": api_base,
            "database_url": SANDBOX_DATABASE,
            "owner_ids": [OLGA],
            "admin_chat_ids": [ADMIN_CHAT_ID],
            "webhook_url": None,
            "webhook_secret": None,
            # The staff scanner: served by the bot's web server, with the sandbox's stand-in
            # for telegram-web-app.js (docs/MINIAPP.md).
            "miniapp_url": settings.miniapp_url
            or f"http://{settings.web_host}:{settings.web_port}/miniapp/",
            "webapp_script_url": f"{api_base}/telegram-web-app.js",
        }
    )


async def run_demo(settings: Settings, *, host: str, port: int) -> None:
    handle = await start_sandbox(host, port, token=SANDBOX_TOKEN)
    try:
        demo = sandbox_settings(settings, handle.api_base)
        await prepare_demo(demo)
        print(f"\n  Sandbox is running: open {handle.url} in a browser\n", flush=True)
        await run(demo)
    finally:
        await handle.close()


async def prepare_demo(settings: Settings) -> None:
    """Migrate the demo database and seed it on first use: Carol is the cashier, Olga the owner
    (OWNER_IDS), and two dozen members have months of purchases."""
    await migrate_database(settings.database_url)
    await open_database(settings.database_url)
    try:
        seeded = await seed_demo(
            settings,
            load_program(settings.program_file),
            cashier_id=CAROL,
            owner_id=OLGA,
            cashier_name="Carol",
        )
        log.info("demo data %s", "seeded" if seeded else "already there")
    finally:
        await close_database()


def main() -> None:  # pragma: no cover - convenience for `python -m bot.demo`
    asyncio.run(run_demo(Settings(), host="127.0.0.1", port=8081))
