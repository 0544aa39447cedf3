"""At most one message per chat per `interval`: in this process, or across every sender process
through Redis.

Telegram asks for no more than one message per second to one chat. A sender books the chat's
next free moment before it takes a global slot: one interval after the chat's previous send, or
now. Two sender processes (PostgreSQL, `REDIS_URL`) may hold rows for the same chat at once (a
receipt and a campaign message), so with Redis the booking is shared: one GCRA key per chat
(`bot.adapters.rate_limit.RedisTokenBucket` at `1/interval` per second, burst 1) on Redis's own
clock, expiring a second after the chat's slot has passed.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

from bot.adapters.rate_limit import RedisTokenBucket

PRUNE_EVERY = 10_000  # bookings between two sweeps of chats whose moment has passed


class ChatSpacing(Protocol):
    async def book(self, chat_id: int) -> float:
        """Book the chat's next free moment; the seconds until it (0: now)."""
        ...


class LocalChatSpacing:
    """One process's bookings (SQLite deployments run one sender)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._free_at: dict[int, float] = {}
        self._bookings = 0

    async def book(self, chat_id: int) -> float:
        now = asyncio.get_running_loop().time()
        slot = max(now, self._free_at.get(chat_id, 0.0))
        self._free_at[chat_id] = slot + self.interval
        self._bookings += 1
        if self._bookings % PRUNE_EVERY == 0:  # a broadcast touches every member's chat once
            self._free_at = {chat: at for chat, at in self._free_at.items() if at > now}
        return slot - now


class RedisChatSpacing:
    """Bookings shared by every sender process through Redis (a key per chat)."""

    def __init__(
        self, redis: Any, interval: float, *, prefix: str = "loyalty:delivery:chat:"
    ) -> None:
        self.interval = interval
        self._bucket = RedisTokenBucket(redis, 1 / interval, prefix=prefix)

    async def book(self, chat_id: int) -> float:
        return await self._bucket.book(str(chat_id))
