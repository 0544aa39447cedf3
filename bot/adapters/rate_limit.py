"""A token bucket shared by every process through Redis (GCRA), for whoever needs one: the outbox
sender's global sending rate (bot/delivery/limiter.py) and the POS API's limit per key
(bot/web/pos_api.py).

GCRA keeps one number per bucket, the theoretical arrival time (TAT) of the next slot; slots are
`1/rate` apart and a bucket of `burst` tokens lets a caller book up to `burst - 1` slots ahead.
Two ways to use it:
- `book`: always book the next slot and return how long to wait for it (pacing: a sender sleeps
  until its slot);
- `take`: book only if the slot is within the burst, so the request may go now; else book
  nothing and return how long until it may (refusing: an API answers 429 with Retry-After).
"""

from __future__ import annotations

import math
from typing import Any

# One atomic script. The TAT is in microseconds of Redis's own clock (TIME), so processes on
# machines with skewed clocks still share one schedule.
# ARGV[1]: the interval between slots (µs); ARGV[2]: a pause (µs), 0 to book a slot instead;
# ARGV[3]: the furthest ahead a slot may be booked (µs), -1 for no limit.
# Returns {1, µs to wait for the booked slot}, {0, µs until a booking would be accepted} when
# refused, or {1, 0} after a pause.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local pause = tonumber(ARGV[2])
local ahead = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if pause > 0 then
  tat = math.max(tat, now + pause)
  redis.call('SET', KEYS[1], string.format('%d', tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
  return {1, 0}
end
local start = math.max(tat, now)
if ahead >= 0 and start - now > ahead then
  return {0, start - now - ahead}
end
local nxt = start + interval
redis.call('SET', KEYS[1], string.format('%d', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return {1, start - now}
"""

_NO_LIMIT = -1


class RedisTokenBucket:
    """`rate` per second with bursts of `burst`, one bucket per name under `prefix`."""

    def __init__(self, redis: Any, rate: float, *, burst: int = 1, prefix: str = "") -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and a burst of at least 1")
        self._redis = redis
        self._prefix = prefix
        self._interval_us = max(1, math.ceil(1_000_000 / rate))
        self._ahead_us = (burst - 1) * self._interval_us
        self._script = redis.register_script(_GCRA)

    @classmethod
    def from_url(
        cls, url: str, rate: float, *, burst: int = 1, prefix: str = ""
    ) -> RedisTokenBucket:
        from redis.asyncio import Redis

        return cls(Redis.from_url(url), rate, burst=burst, prefix=prefix)

    async def _call(self, name: str, pause_us: int, ahead_us: int) -> tuple[bool, float]:
        granted, micros = await self._script(
            keys=[self._prefix + name], args=[self._interval_us, pause_us, ahead_us]
        )
        return bool(int(granted)), int(micros) / 1_000_000

    async def book(self, name: str = "") -> float:
        """Book the next slot, however far: the seconds until it."""
        _, wait = await self._call(name, 0, _NO_LIMIT)
        return wait

    async def take(self, name: str = "") -> float:
        """0 when a token was free (the caller may go now), else the seconds until one is;
        a refused call takes nothing."""
        granted, wait = await self._call(name, 0, self._ahead_us)
        return 0.0 if granted else wait

    async def pause(self, seconds: float, name: str = "") -> None:
        """No slot for anyone for `seconds`."""
        await self._call(name, math.ceil(seconds * 1e6), _NO_LIMIT)

    async def close(self) -> None:
        await self._redis.aclose()
