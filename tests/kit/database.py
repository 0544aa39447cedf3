"""Database fixtures' machinery: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.

SQLite: one migrated template file per session, copied for each test (fast, isolated).
PostgreSQL: one uniquely named database per session (so parallel runs never share tables),
migrated once, its tables truncated between tests, dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bot.adapters.db import migrate_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")


def is_postgres() -> bool:
    return TEST_DATABASE_URL.startswith(("postgres://", "postgresql://"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def postgres_unreachable_reason() -> str | None:
    try:
        asyncio.run(_admin(TEST_DATABASE_URL, "SELECT 1"))
    except Exception as exc:  # any failure to connect means "skip", with the reason
        return f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}"
    return None


class PostgresDatabase:
    def __init__(self) -> None:
        self.name = f"loyalty_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.url = _with_database(TEST_DATABASE_URL, self.name)

    def create(self) -> None:
        asyncio.run(_admin(TEST_DATABASE_URL, f'CREATE DATABASE "{self.name}"'))
        asyncio.run(migrate_database(self.url))

    def drop(self) -> None:
        asyncio.run(
            _admin(TEST_DATABASE_URL, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        )

    async def clean(self) -> None:
        from tortoise import Tortoise

        connection = Tortoise.get_connection("default")
        rows = await connection.execute_query_dict(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'tortoise_migrations'"
        )
        tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
        if tables:
            await connection.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.sqlite3"

    def create(self) -> None:
        asyncio.run(migrate_database(f"sqlite://{self.path}"))

    def copy_to(self, directory: Path) -> str:
        target = directory / "test.sqlite3"
        shutil.copyfile(self.path, target)
        return f"sqlite://{target}"
