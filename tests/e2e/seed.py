"""`python -m tests.e2e.seed <database url> <telegram id>...`: members who finished joining,
made through the services (used by the end-to-end broadcast test, in its own process)."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from pydantic import SecretStr

from bot.adapters.db import close_database, migrate_database, open_database
from bot.adapters.db.uow import tortoise_uow_factory
from bot.adapters.program_file import load_program
from bot.bootstrap import build_services, card_secret
from bot.config import Settings
from bot.services.membership import Visitor
from tests.e2e.conftest import ROOT, TOKEN
from tests.kit.clock import FixedClock


async def seed_members(database_url: str, telegram_ids: list[int]) -> None:
    await migrate_database(database_url)
    await open_database(database_url)
    try:
        settings = Settings(_env_file=None, bot_token=SecretStr(TOKEN), database_url=database_url)
        services = build_services(
            tortoise_uow_factory,
            FixedClock(),
            load_program(ROOT / "program.toml"),
            card_secret=card_secret(settings),
            card_ttl=timedelta(minutes=5),
            locales=("ru", "en"),
        )
        membership = services.membership
        for telegram_id in telegram_ids:
            await membership.open(Visitor(telegram_id, f"M{telegram_id}", None, None, "en"))
            await membership.accept_terms(telegram_id)
            await membership.share_phone(telegram_id, telegram_id, f"+7911{telegram_id:07d}")
            await membership.confirm_name(telegram_id, None)
            await membership.finish_join(telegram_id, None)
    finally:
        await close_database()


if __name__ == "__main__":
    asyncio.run(seed_members(sys.argv[1], [int(arg) for arg in sys.argv[2:]]))
