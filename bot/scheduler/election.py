"""Which process runs the scheduler: exactly one across all processes.

APScheduler 3 keeps its jobs in memory and its job stores cannot be shared, so two processes
each running it would run every job twice. On PostgreSQL the leader holds a session-level
advisory lock on a dedicated connection (not one of the pool's: a pooled connection would hand
the lock to whichever query borrows it next); the lock goes with the connection, so a leader that
dies frees it at once. Followers try again periodically. On SQLite there is one process.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

log = logging.getLogger(__name__)

SCHEDULER_LOCK_KEY = 0x4C6F79616C7479  # "Loyalty": any fixed bigint shared by all processes


class Election(Protocol):
    async def try_lead(self) -> bool: ...

    async def still_leading(self) -> bool: ...

    async def resign(self) -> None: ...


class SingleProcess:
    """SQLite: the one process always leads."""

    async def try_lead(self) -> bool:
        return True

    async def still_leading(self) -> bool:
        return True

    async def resign(self) -> None:
        pass


class PostgresAdvisoryLock:
    def __init__(self, dsn: str, key: int = SCHEDULER_LOCK_KEY) -> None:
        self._dsn = dsn.replace("postgres://", "postgresql://", 1)
        self._key = key
        self._connection: Any = None

    async def try_lead(self) -> bool:
        import asyncpg

        if self._connection is not None:
            return await self.still_leading()
        connection = await asyncpg.connect(self._dsn)
        try:
            got = bool(await connection.fetchval("SELECT pg_try_advisory_lock($1)", self._key))
        except BaseException:
            await connection.close()
            raise
        if not got:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def still_leading(self) -> bool:
        """The lock lives as long as its connection: a lost connection is a lost lead."""
        if self._connection is None:
            return False
        try:
            await self._connection.fetchval("SELECT 1")
        except Exception:
            log.warning("scheduler lock connection lost; stepping down")
            await self._drop()
            return False
        return True

    async def resign(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.fetchval("SELECT pg_advisory_unlock($1)", self._key)
        finally:
            await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:  # a broken connection may not close cleanly
                connection.terminate()


def election_for(database_url: str) -> Election:
    if database_url.startswith(("postgres://", "postgresql://")):
        return PostgresAdvisoryLock(database_url)
    return SingleProcess()
