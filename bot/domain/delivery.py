"""Proactive messages: the outbox's entities and the pure rules that govern sending.

Everything the bot sends on its own initiative (a receipt, a reminder, a campaign) is an outbox
row; a sender claims due rows and answers with an outcome for each. The rules here are maths
only: rate limiting, retry backoff, quiet hours, the weekly frequency cap, holdout assignment.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEK = timedelta(days=7)


class DeliveryKind(StrEnum):
    TRANSACTIONAL = "transactional"
    """A direct consequence of the member's own action (a receipt, a code): never capped."""
    MARKETING = "marketing"
    """Offers and campaigns: opt-out, frequency cap, quiet hours and holdout apply."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    """Claimed by a sender; re-claimed by another after the lease if that sender died."""
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    HELD_OUT = "held_out"
    """In the campaign's holdout group: recorded, never sent, so lift can be measured."""
    UNREACHABLE = "unreachable"
    CANCELLED = "cancelled"


class CampaignStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


# The default priority of each kind; lower is sent first, so receipts overtake a broadcast.
KIND_PRIORITY = {DeliveryKind.TRANSACTIONAL: 0, DeliveryKind.MARKETING: 100}


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: its text is a locale key, rendered in the member's language."""

    text_key: str
    callback_data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.callback_data is None) == (self.url is None):
            raise ValueError("a button needs exactly one of callback_data or url")


@dataclass(frozen=True, slots=True)
class MessageContent:
    """What to say, rendered per recipient at send time.

    `key` and `variables` are a Fluent message and its arguments; `photo` names an image
    (a file path) that is uploaded once, its Telegram `file_id` reused for every recipient."""

    key: str
    variables: Mapping[str, str | int] = field(default_factory=dict)
    photo: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Campaign:
    id: int
    name: str
    holdout_share: float
    status: CampaignStatus


@dataclass(frozen=True, slots=True)
class Recipient:
    member_id: int
    telegram_id: int | None
    locale: str
    timezone: str | None
    marketing_opt_in: bool
    reachable: bool


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """A claimed outbox row with what the sender needs to know about its recipient."""

    id: int
    kind: DeliveryKind
    member_id: int
    campaign_id: int | None
    content: MessageContent
    priority: int
    attempts: int
    recipient: Recipient
    campaign_status: CampaignStatus | None = None


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A message ready to go: the sender renders it for `locale` and sends it to `chat_id`."""

    id: int
    kind: DeliveryKind
    member_id: int
    chat_id: int
    locale: str
    content: MessageContent
    priority: int
    attempts: int = 0
    """Tries before this one."""


# Outcomes a sender reports, one per dispatch.


@dataclass(frozen=True, slots=True)
class Sent:
    id: int


@dataclass(frozen=True, slots=True)
class Retry:
    """A transient failure (5xx, network, timeout): try again after a backoff."""

    id: int
    error: str
    attempt: int = 1
    """Which try failed (1-based): picks the backoff, and past the maximum the row fails."""


@dataclass(frozen=True, slots=True)
class Failed:
    """A permanent failure (400): the request itself is wrong; retrying cannot help."""

    id: int
    error: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    """403: the member blocked the bot or the account is gone."""

    id: int
    member_id: int
    error: str


@dataclass(frozen=True, slots=True)
class Postpone:
    """Not sent through no fault of the message (rate limited, shutting down): back to the queue
    at `not_before`, without counting an attempt."""

    id: int
    not_before: datetime
    error: str = ""


Outcome = Sent | Retry | Failed | Unreachable | Postpone


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """The knobs of sending, from the settings."""

    frequency_cap_per_week: int = 3
    quiet_start: time = time(22, 0)
    quiet_end: time = time(9, 0)
    default_timezone: str = "UTC"
    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=5)
    backoff_cap: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(seconds=60)


# Rate limiting --------------------------------------------------------------------------------


@dataclass(slots=True)
class TokenBucket:
    """A token bucket in its GCRA form: `rate` tokens per second, at most `burst` at once.

    `reserve(now)` books the next token and returns how long to wait for it (0: go now). Callers
    that reserve concurrently get consecutive slots `1/rate` apart, so a pool of workers is paced
    without a lock held across the wait. With `burst=1` sends are evenly spaced, which keeps any
    sliding one-second window (how Telegram and the emulator count) at or under `rate`.
    """

    rate: float
    burst: int = 1
    _tat: float = field(default=-math.inf, init=False)  # theoretical arrival time

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")

    @property
    def interval(self) -> float:
        return 1.0 / self.rate

    def reserve(self, now: float) -> float:
        start = max(self._tat, now - (self.burst - 1) * self.interval)
        self._tat = start + self.interval
        return max(0.0, start - now)

    def pause_until(self, moment: float) -> None:
        """No token before `moment` (Telegram said retry_after)."""
        self._tat = max(self._tat, moment)


def backoff(attempt: int, base: timedelta, cap: timedelta) -> timedelta:
    """The wait after the `attempt`-th failed try (1-based): base, 2×base, 4×base... up to cap."""
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    return min(cap, base * (1 << min(attempt - 1, 30)))


# Marketing hygiene ------------------------------------------------------------------------------


def zone(name: str | None, default: str) -> ZoneInfo:
    """The member's time zone, or the program's when theirs is unset or unknown."""
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether local wall time `local` is within [start, end); the window may wrap midnight."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """`now` if it is outside the quiet hours in `tz`, else the (UTC) moment they end.

    A message is delayed to the morning, never dropped."""
    local = now.astimezone(tz)
    if not in_quiet_hours(local.time(), start, end):
        return now
    end_day = local.date()
    if local.time() >= end:  # evening part of a window that wraps midnight
        end_day += timedelta(days=1)
    wake = datetime.combine(end_day, end, tzinfo=tz)
    # A DST gap can make the wall time nonexistent; fold through UTC keeps it monotonic.
    return max(now, wake.astimezone(now.tzinfo))


def frequency_cap_reached(sent_this_week: int, cap: int) -> bool:
    """Whether a member who got `sent_this_week` marketing messages in the last 7 days may get
    no more. A cap of 0 means no cap."""
    return cap > 0 and sent_this_week >= cap


def in_holdout(campaign_id: int, member_id: int, share: float) -> bool:
    """Whether the member is in the campaign's holdout group.

    Deterministic per (campaign, member): a hash, not a random draw, so re-enqueueing or a second
    process gives the same answer, and different campaigns hold out different members."""
    if share <= 0:
        return False
    if share >= 1:
        return True
    digest = hashlib.sha256(f"{campaign_id}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < share
