"""The global sending rate: a token bucket in this process, or one shared through Redis.

Both hand out slots `1/rate` apart (GCRA, see `bot.domain.delivery.TokenBucket`): a caller books
the next free slot and sleeps until it, so concurrent workers are paced without holding a lock
across the wait. `pause(seconds)` pushes every future slot past a Telegram `retry_after`.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, Protocol

from bot.domain.delivery import TokenBucket


class RateLimiter(Protocol):
    async def acquire(self) -> None:
        """Wait for the next sending slot."""
        ...

    async def pause(self, seconds: float) -> None:
        """No slot for anyone for `seconds` (Telegram answered 429 with this retry_after)."""
        ...


class LocalRateLimiter:
    """One process's bucket (SQLite deployments run one sender)."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self._bucket = TokenBucket(rate, burst)

    async def acquire(self) -> None:
        wait = self._bucket.reserve(asyncio.get_running_loop().time())
        if wait > 0:
            await asyncio.sleep(wait)

    async def pause(self, seconds: float) -> None:
        self._bucket.pause_until(asyncio.get_running_loop().time() + seconds)


# GCRA in one atomic script. The key holds the theoretical arrival time (TAT) in microseconds of
# Redis's own clock (TIME), so senders on machines with skewed clocks still share one schedule.
# ARGV[1]: the interval between slots (µs); ARGV[2]: a pause (µs), 0 to book a slot instead.
# Returns the µs the caller must wait for its slot (0 after a pause).
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local pause = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > 0 then
  tat = math.max(tat, now + pause)
  redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
  return 0
end
local start = math.max(tat, now)
local nxt = start + interval
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return start - now
"""


class RedisRateLimiter:
    """A bucket shared by every sender process through Redis, so their combined rate stays under
    the bot's global limit."""

    def __init__(self, redis: Any, rate: float, *, key: str = "loyalty:delivery:bucket") -> None:
        self._redis = redis
        self._key = key
        self._interval_us = max(1, math.ceil(1_000_000 / rate))
        self._script = redis.register_script(_GCRA)

    @classmethod
    def from_url(cls, url: str, rate: float, *, key: str = "loyalty:delivery:bucket") -> Any:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url), rate, key=key)

    async def acquire(self) -> None:
        wait_us = int(await self._script(keys=[self._key], args=[self._interval_us, 0]))
        if wait_us > 0:
            await asyncio.sleep(wait_us / 1_000_000)

    async def pause(self, seconds: float) -> None:
        await self._script(keys=[self._key], args=[self._interval_us, math.ceil(seconds * 1e6)])

    async def close(self) -> None:
        await self._redis.aclose()
