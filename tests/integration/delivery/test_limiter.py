"""The local rate limiter on a real event loop: the moments it lets sends go stay within the
window, however late the loop wakes it."""

from __future__ import annotations

import asyncio
import time

from bot.delivery.limiter import LocalRateLimiter
from bot.domain.delivery import SendSchedule


async def test_a_blocked_event_loop_never_squeezes_more_than_the_limit_into_a_window() -> None:
    # 100/s. Midway the event loop is blocked for 300 ms (a slow synchronous call): a schedule
    # booked in advance would then let ~30 overdue sends go at once, on top of a full second's
    # worth. The limiter books each slot only after the previous send was let go, by the clock.
    limiter = LocalRateLimiter(100, margin=0.02)
    released: list[float] = []  # the moments callers were really let go, not their slots

    class Recording(SendSchedule):
        def went(self, moment: float) -> None:
            released.append(moment)
            super().went(moment)

    limiter.schedule = Recording.for_rate(100, margin=0.02)

    async def worker() -> None:
        for _ in range(25):
            await limiter.acquire()

    async def block() -> None:
        await asyncio.sleep(0.5)
        time.sleep(0.3)  # noqa: ASYNC251 - the point: nothing runs meanwhile

    await asyncio.gather(block(), *(worker() for _ in range(10)))

    assert len(released) == 250
    assert released == sorted(released)
    # The rule Telegram and the emulator apply: the 101st send more than a second after the
    # 1st; here with the 20 ms margin for the way from being let go to reaching Telegram.
    assert min(b - a for a, b in zip(released, released[100:], strict=False)) >= 1.02 - 1e-9


async def test_a_pause_holds_every_caller() -> None:
    limiter = LocalRateLimiter(1000)
    loop = asyncio.get_running_loop()
    await limiter.acquire()
    await limiter.pause(0.2)
    paused_at = loop.time()
    await asyncio.gather(*(limiter.acquire() for _ in range(5)))
    assert loop.time() - paused_at >= 0.2 - 0.005
