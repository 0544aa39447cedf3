"""The global sending rate: a token bucket in this process, or one shared through Redis.

In one process, `LocalRateLimiter` follows `bot.domain.delivery.SendSchedule` exactly: slots on
an even grid, and never more than the limit in any window of real send times. Across processes,
`RedisRateLimiter` keeps the same grid in Redis (`bot.adapters.rate_limit.RedisTokenBucket`,
GCRA: each caller books the next slot and sleeps until it). `pause(seconds)` pushes every
future slot past a Telegram `retry_after`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Protocol

from bot.adapters.rate_limit import RedisTokenBucket
from bot.domain.delivery import SendSchedule


class RateLimiter(Protocol):
    async def acquire(self) -> Any:
        """Wait for the next sending slot; returns a token for `late` (None if unused)."""
        ...

    def late(self, token: Any, seconds: float) -> None:
        """The send of `token` was answered `seconds` later than the fastest answers: it
        probably counted that much later than it went."""
        ...

    async def pause(self, seconds: float) -> None:
        """No slot for anyone for `seconds` (Telegram answered 429 with this retry_after)."""
        ...


class LocalRateLimiter:
    """One process's schedule (SQLite deployments run one sender): an exact `SendSchedule`.

    Callers queue up (FIFO); one releaser task books each slot only after the one before it
    went, sleeps until it and lets the next caller go, reporting the real moment to the
    schedule. So the window rule sees real send times: a late wake-up (a busy event loop) can
    never squeeze more than the limit into a window. Every slot that is due when the releaser
    wakes is released at once, so a busy loop costs no throughput at 1000/s."""

    def __init__(self, rate: float, *, margin: float = 0.02) -> None:
        self.schedule = SendSchedule.for_rate(rate, margin=margin)
        self._waiters: deque[asyncio.Future[list[float]]] = deque()
        self._releaser: asyncio.Task[None] | None = None
        self._paused_until = 0.0

    @property
    def rate(self) -> float:
        return self.schedule.rate

    async def acquire(self) -> list[float]:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[list[float]] = loop.create_future()
        self._waiters.append(waiter)
        if self._releaser is None or self._releaser.done():
            self._releaser = loop.create_task(self._release(), name="rate-limiter")
        return await waiter

    def late(self, token: Any, seconds: float) -> None:
        if isinstance(token, list):
            self.schedule.late(token, seconds)

    async def _release(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiters:
            slot = self.schedule.next_slot(loop.time())
            # A pause may come while we sleep: it moves the slot.
            while (wait := max(slot, self._paused_until) - loop.time()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():  # not cancelled meanwhile
                    waiter.set_result(self.schedule.went(loop.time()))
                    break

    async def pause(self, seconds: float) -> None:
        self._paused_until = asyncio.get_running_loop().time() + seconds
        self.schedule.pause_until(self._paused_until)


class RedisRateLimiter:
    """A bucket shared by every sender process through Redis, so their combined rate stays under
    the bot's global limit. `rate` is the paced rate (`SenderConfig.paced_rate`: the limit less
    the jitter margin); slots are `1/rate` apart on Redis's clock (`RedisTokenBucket.book`)."""

    def __init__(self, redis: Any, rate: float, *, key: str = "loyalty:delivery:bucket") -> None:
        self.bucket = RedisTokenBucket(redis, rate, prefix=key)

    @classmethod
    def from_url(cls, url: str, rate: float, *, key: str = "loyalty:delivery:bucket") -> Any:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url), rate, key=key)

    async def acquire(self) -> None:
        wait = await self.bucket.book()
        if wait > 0:
            await asyncio.sleep(wait)

    def late(self, token: Any, seconds: float) -> None:
        """The shared grid has no window rule to correct."""

    async def pause(self, seconds: float) -> None:
        await self.bucket.pause(seconds)

    async def close(self) -> None:
        await self.bucket.close()
