"""Ports: what the services need from the outside world, as Protocols. `bot/adapters`
implements them; tests use hand-written fakes or the real adapters on SQLite/PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from bot.domain.members import Member, NewMember


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class MemberRepository(Protocol):
    async def by_telegram_id(self, telegram_id: int) -> Member | None: ...

    async def get(self, member_id: int) -> Member | None: ...

    async def add(self, member: NewMember, now: datetime) -> Member | None:
        """Insert; None when a member with this Telegram id already exists."""
        ...

    async def set_locale(self, member_id: int, locale: str) -> None: ...


class UpdateLog(Protocol):
    async def claim(self, update_id: int, now: datetime) -> bool:
        """Record the update as being handled; False if it was recorded before."""
        ...

    async def release(self, update_id: int) -> None:
        """Forget a claim whose handling failed, so that a re-delivery is handled again."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. `async with uow:` commits on a clean exit and rolls back on
    an exception; repositories never commit on their own."""

    @property
    def members(self) -> MemberRepository: ...

    @property
    def updates(self) -> UpdateLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
