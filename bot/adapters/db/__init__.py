"""Database setup: tortoise configuration from a URL, start-up and shutdown, migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise import Tortoise
from tortoise.backends.base.config_generator import expand_db_url

from bot.adapters.db.models import MODEL_MODULES

MIGRATIONS_MODULE = "bot.adapters.db.migrations"

# SQLite: WAL lets readers run beside the one writer; synchronous=FULL makes every commit
# durable (a crash never loses a committed ledger entry); foreign keys are off by default.
SQLITE_PRAGMAS = {"journal_mode": "WAL", "synchronous": "FULL", "foreign_keys": "ON"}


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url.replace("postgresql://", "postgres://", 1)
    if url.startswith("sqlite://") and url not in ("sqlite://:memory:",):
        path = Path(urlsplit(url).netloc + urlsplit(url).path)
        path.parent.mkdir(parents=True, exist_ok=True)
    connection = expand_db_url(url)
    if connection["engine"].endswith("sqlite"):
        connection["credentials"].update(SQLITE_PRAGMAS)
    else:
        connection["credentials"].setdefault("minsize", 1)
        connection["credentials"].setdefault("maxsize", 10)
    return {
        "connections": {"default": connection},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": MIGRATIONS_MODULE,
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate_database(database_url: str) -> None:
    """Apply every pending migration (idempotent)."""
    from tortoise.migrations.api import migrate

    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def open_database(database_url: str, *, create: bool = False) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _create_db=create)


async def close_database() -> None:
    await Tortoise.close_connections()
