from __future__ import annotations

import pytest
from tortoise import Tortoise

from tests.kit.database import is_postgres


@pytest.mark.skipif(is_postgres(), reason="SQLite pragmas; the suite runs on PostgreSQL")
async def test_sqlite_runs_with_wal_full_sync_and_foreign_keys(database_url: str) -> None:
    connection = Tortoise.get_connection("default")
    values = {}
    for pragma in ("journal_mode", "synchronous", "foreign_keys"):
        rows = await connection.execute_query_dict(f"PRAGMA {pragma}")
        values[pragma] = next(iter(rows[0].values()))
    assert values == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}


async def test_migrations_are_recorded_and_idempotent(database_url: str) -> None:
    from bot.adapters.db import migrate_database, open_database

    connection = Tortoise.get_connection("default")
    before = await connection.execute_query_dict("SELECT COUNT(*) AS n FROM tortoise_migrations")
    await migrate_database(database_url)  # closes the connections when done
    await open_database(database_url)
    connection = Tortoise.get_connection("default")
    after = await connection.execute_query_dict("SELECT COUNT(*) AS n FROM tortoise_migrations")
    assert before[0]["n"] == after[0]["n"] >= 1
