"""Telegram's sending limits and injected faults, as the emulator enforces them.

The rules are deliberately strict and simple (see docs/SANDBOX.md): Telegram itself allows short
bursts, so a bot that stays inside these limits stays inside Telegram's.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Methods that send a message and so count against the limits.
LIMITED_METHODS = frozenset(
    {"sendmessage", "sendphoto", "senddocument", "sendsticker", "copymessage"}
)


@dataclass(frozen=True, slots=True)
class LimitConfig:
    """Sending limits, enforced per bot token over a sliding window.

    - a send is accepted only if fewer than `per_chat_per_second` sends to the same chat were
      accepted in the last `window_seconds`;
    - and fewer than `global_per_second` sends without `allow_paid_broadcast` (or fewer than
      `paid_per_second` sends with it; the two are counted separately) were accepted in the last
      `window_seconds`, across all chats;
    - a rejected send is answered 429 with `retry_after` = seconds until the window frees a slot,
      rounded up, at least 1, and does not count.
    """

    global_per_second: int = 30
    paid_per_second: int = 1000
    per_chat_per_second: int = 1
    window_seconds: float = 1.0

    def __post_init__(self) -> None:
        rates = (self.global_per_second, self.paid_per_second, self.per_chat_per_second)
        if min(rates) < 1 or self.window_seconds <= 0:
            raise ValueError("limits must be positive")


@dataclass(frozen=True, slots=True)
class RateLimited:
    rule: str  # "per_chat" | "global" | "paid"
    retry_after: int


class _Window:
    """Timestamps of the sends accepted within the last `window` seconds."""

    __slots__ = ("_stamps", "limit", "window")

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._stamps: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """0 if a send is allowed now, else the seconds until the oldest send leaves the window."""
        stamps = self._stamps
        edge = now - self.window
        while stamps and stamps[0] <= edge:
            stamps.popleft()
        if len(stamps) < self.limit:
            return 0.0
        return stamps[0] + self.window - now

    def record(self, now: float) -> None:
        self._stamps.append(now)


class RateLimiter:
    """One bot's sending limits; `acquire` either admits a send (and counts it) or rejects it."""

    def __init__(self, config: LimitConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        self._free = _Window(config.global_per_second, config.window_seconds)
        self._paid = _Window(config.paid_per_second, config.window_seconds)
        # Per chat, a plain list: it holds at most `per_chat_per_second` stamps, and a list is far
        # smaller than a deque when a benchmark touches a hundred thousand chats.
        self._chats: dict[int | str, list[float]] = {}
        self.violations: Counter[str] = Counter()
        self.recent_violations: deque[dict[str, Any]] = deque(maxlen=50)

    def acquire(self, chat_id: int | str, *, paid: bool, method: str = "") -> RateLimited | None:
        now = self._clock()
        window = self.config.window_seconds
        chat_stamps = self._chats.get(chat_id)
        if chat_stamps is None:
            chat_stamps = self._chats[chat_id] = []
        elif chat_stamps and chat_stamps[0] <= now - window:
            chat_stamps[:] = [stamp for stamp in chat_stamps if stamp > now - window]
        chat_wait = (
            chat_stamps[0] + window - now
            if len(chat_stamps) >= self.config.per_chat_per_second
            else 0.0
        )
        bucket = self._paid if paid else self._free
        global_wait = bucket.wait_time(now)
        if chat_wait > 0 or global_wait > 0:
            rule = "per_chat" if chat_wait > 0 else ("paid" if paid else "global")
            retry_after = max(1, math.ceil(max(chat_wait, global_wait)))
            self.violations[rule] += 1
            self.recent_violations.append(
                {"rule": rule, "chat_id": chat_id, "method": method, "retry_after": retry_after}
            )
            return RateLimited(rule, retry_after)
        chat_stamps.append(now)
        bucket.record(now)
        return None


# Fault injection ----------------------------------------------------------------------------

DEFAULT_FAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """What happens to one faulted call: an optional hang, then an error or (if no code) success."""

    error_code: int | None
    description: str
    retry_after: int | None = None
    hang_seconds: float = 0.0


def make_fault(
    error_code: int | None,
    *,
    hang_seconds: float = 0.0,
    description: str | None = None,
    retry_after: int | None = None,
) -> Fault:
    if error_code is None:
        if hang_seconds <= 0:
            raise ValueError("a fault needs an error_code, a hang_seconds, or both")
        return Fault(None, "", None, hang_seconds)
    if error_code not in DEFAULT_FAULT_DESCRIPTIONS:
        raise ValueError(f"error_code must be one of {sorted(DEFAULT_FAULT_DESCRIPTIONS)}")
    if hang_seconds < 0:
        raise ValueError("hang_seconds must not be negative")
    retry_after = max(1, int(retry_after or 1)) if error_code == 429 else None
    if description is None:
        description = DEFAULT_FAULT_DESCRIPTIONS[error_code].format(retry_after=retry_after)
    return Fault(error_code, description, retry_after, hang_seconds)


@dataclass(slots=True)
class _FaultRule:
    fault: Fault
    remaining: int
    method: str  # lower case, "*" for any method
    chat_id: str | None  # compared as text: form fields carry chat ids as strings

    def matches(self, method: str, chat_id: str | None) -> bool:
        if self.method not in ("*", method):
            return False
        return self.chat_id is None or self.chat_id == chat_id


@dataclass(slots=True)
class _RandomFaults:
    rate: float
    rng: random.Random
    error_codes: tuple[int, ...]
    methods: frozenset[str]


@dataclass(slots=True)
class FaultInjector:
    """Faults a test asked for: the next N matching calls, or a seeded random share of calls."""

    _rules: list[_FaultRule] = field(default_factory=list)
    _random: _RandomFaults | None = None
    injected: Counter[int | str] = field(default_factory=Counter)

    def inject(
        self,
        fault: Fault,
        *,
        count: int = 1,
        method: str = "sendMessage",
        chat_id: int | str | None = None,
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self._rules.append(
            _FaultRule(fault, count, method.lower(), None if chat_id is None else str(chat_id))
        )

    def set_random(
        self,
        rate: float,
        *,
        seed: int | None = None,
        error_codes: Iterable[int] = (500,),
        methods: Iterable[str] = ("sendMessage",),
    ) -> None:
        codes = tuple(error_codes)
        for code in codes:
            make_fault(code)  # validates the code
        if not 0 <= rate <= 1 or not codes:
            raise ValueError("rate must be within [0, 1] and error_codes non-empty")
        self._random = _RandomFaults(
            rate, random.Random(seed), codes, frozenset(m.lower() for m in methods)
        )

    def clear(self) -> None:
        self._rules.clear()
        self._random = None

    @property
    def pending(self) -> list[dict[str, Any]]:
        return [
            {
                "method": rule.method,
                "chat_id": rule.chat_id,
                "remaining": rule.remaining,
                "error_code": rule.fault.error_code,
                "hang_seconds": rule.fault.hang_seconds,
            }
            for rule in self._rules
        ]

    def take(self, method: str, chat_id: str | None) -> Fault | None:
        """The fault for this call, if any; consumes one use of the first matching rule."""
        if not self._rules and self._random is None:
            return None
        for index, rule in enumerate(self._rules):
            if rule.matches(method, chat_id):
                rule.remaining -= 1
                if rule.remaining == 0:
                    del self._rules[index]
                self._count(rule.fault)
                return rule.fault
        chance = self._random
        if (
            chance is not None
            and ("*" in chance.methods or method in chance.methods)
            and chance.rng.random() < chance.rate
        ):
            fault = make_fault(chance.rng.choice(chance.error_codes))
            self._count(fault)
            return fault
        return None

    def _count(self, fault: Fault) -> None:
        self.injected[fault.error_code if fault.error_code is not None else "hang"] += 1
