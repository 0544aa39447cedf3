from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.db import close_database, open_database
from bot.adapters.program_file import load_program
from bot.bootstrap import Container, build_container, build_storage
from bot.config import Settings
from bot.domain.program import Program
from tests.kit.clock import FixedClock
from tests.kit.database import (
    PostgresDatabase,
    SqliteTemplate,
    is_postgres,
    postgres_unreachable_reason,
)
from tests.kit.telegram import RecordingSession

# Shared fixtures that live in the test kit (`chromium`, `browser_page`).
pytest_plugins = ["tests.kit.browser"]

ROOT = Path(__file__).resolve().parents[1]
OWNER_ID = 9001
"""The owner of the program under test (OWNER_IDS)."""
ADMIN_CHAT_ID = -1009001
"""The owners' admin group (ADMIN_CHAT_IDS)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if is_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _database_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if is_postgres():
        reason = postgres_unreachable_reason()
        if reason:
            pytest.skip(reason)
        database = PostgresDatabase()
        database.create()
        yield database
        database.drop()
    else:
        template = SqliteTemplate(tmp_path_factory.mktemp("db-template"))
        template.create()
        yield template


@pytest.fixture
async def database_url(_database_source: object, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database, opened for the test (tortoise's default connection)."""
    if isinstance(_database_source, PostgresDatabase):
        url = _database_source.url
        await open_database(url)
        await _database_source.clean()
    else:
        assert isinstance(_database_source, SqliteTemplate)
        url = _database_source.copy_to(tmp_path)
        await open_database(url)
    try:
        yield url
    finally:
        await close_database()


@pytest.fixture(scope="session")
def program() -> Program:
    return load_program(ROOT / "program.toml")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@dataclass
class BotUnderTest:
    container: Container
    session: RecordingSession


@pytest.fixture
async def app(
    database_url: str, program: Program, clock: FixedClock
) -> AsyncIterator[BotUnderTest]:
    """The real object graph from bootstrap on the test database, a fixed clock and a Bot
    session that records requests."""
    settings = Settings(
        _env_file=None,
        bot_token="42:TEST-TOKEN",
        database_url=database_url,
        webhook_secret="s3cret-token",
        owner_ids=[OWNER_ID],
        admin_chat_ids=[ADMIN_CHAT_ID],
    )
    session = RecordingSession()
    # With REDIS_URL set (CI), conversation state lives in Redis: a key prefix per test keeps
    # tests that reuse the same user ids apart.
    storage = build_storage(settings, prefix=f"test-{uuid.uuid4().hex}")
    container = build_container(
        settings, program=program, clock=clock, session=session, storage=storage
    )
    yield BotUnderTest(container, session)
    await container.dispatcher.storage.close()
