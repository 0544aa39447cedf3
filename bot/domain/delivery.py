"""Proactive messages: the outbox's entities and the pure rules that govern sending.

Everything the bot sends on its own initiative (a receipt, a reminder, a campaign) is an outbox
row; a sender claims due rows and answers with an outcome for each. The rules here are maths
only: send scheduling, retry backoff, quiet hours, the weekly frequency cap, holdout assignment.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
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


# Progress ---------------------------------------------------------------------------------------

RATE_WINDOW = timedelta(seconds=30)
"""How far back a campaign's current rate is measured."""


@dataclass(frozen=True, slots=True)
class CampaignProgress:
    """A campaign's rows by outcome, its current rate and the time left at that rate."""

    sent: int
    failed: int
    unreachable: int
    held_out: int
    skipped: int
    cancelled: int
    pending: int
    """Still to go: waiting in the outbox or being sent now."""
    rate: float
    """Messages finished per second lately (over `RATE_WINDOW`, or since the campaign began)."""
    eta: timedelta | None
    """Time left at `rate`: zero when nothing is pending, None when nothing moves (not begun,
    paused by quiet hours or a long 429)."""

    @property
    def total(self) -> int:
        return (
            self.sent
            + self.failed
            + self.unreachable
            + self.held_out
            + self.skipped
            + self.cancelled
            + self.pending
        )

    @property
    def done(self) -> int:
        return self.total - self.pending


def campaign_progress(
    counts: Mapping[DeliveryStatus, int],
    finished_recently: int,
    started: datetime | None,
    now: datetime,
    window: timedelta = RATE_WINDOW,
) -> CampaignProgress:
    """Progress from the rows per status and how many finished since `now - window`.

    The rate divides by the window, or by the time since the first row was claimed (`started`)
    if that is shorter, so a campaign a few seconds old is not reported at a fraction of its
    speed."""
    pending = counts.get(DeliveryStatus.PENDING, 0) + counts.get(DeliveryStatus.SENDING, 0)
    elapsed = window.total_seconds()
    if started is not None:
        elapsed = min(elapsed, (now - started).total_seconds())
    rate = finished_recently / elapsed if elapsed > 0 and finished_recently > 0 else 0.0
    eta: timedelta | None
    if pending == 0:
        eta = timedelta(0)
    elif rate > 0:
        eta = timedelta(seconds=math.ceil(pending / rate))
    else:
        eta = None
    return CampaignProgress(
        sent=counts.get(DeliveryStatus.SENT, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0),
        unreachable=counts.get(DeliveryStatus.UNREACHABLE, 0),
        held_out=counts.get(DeliveryStatus.HELD_OUT, 0),
        skipped=counts.get(DeliveryStatus.SKIPPED, 0),
        cancelled=counts.get(DeliveryStatus.CANCELLED, 0),
        pending=pending,
        rate=rate,
        eta=eta,
    )


# Rate limiting --------------------------------------------------------------------------------


@dataclass(slots=True)
class SendSchedule:
    """When the next message may go, so that no `window` ever holds more than `limit` sends.

    Telegram documents its limits as "about 30 messages per second" (1000 with paid broadcasts)
    and counts them over a sliding second, as the emulator does (bot/sandbox/limits.py: a send
    is refused if `limit` sends were accepted in the last `window` seconds). Two rules, together
    exact:

    - a grid: slots `(window + margin) / limit` apart on a monotonic clock, booked in turn
      (`next_slot`), so sends are evenly spaced and never bunch up. A caller that comes late
      (its process was busy) may take slots up to `burst - 1` intervals in the past, no more:
      idle time is not banked;
    - the window itself: a send may go only once the `limit`-th send before it went at least
      `window + margin` earlier. It is fed the moments sends actually went (`went`), so however
      late a caller woke up, the sends that reach Telegram still fit the window; and a send whose
      answer came late is moved to when it probably counted (`late`).

    `margin` is the jitter the schedule absorbs between the moment a request leaves and the
    moment Telegram counts it (network, the other side's scheduling): 20 ms costs 2 % of the
    rate. Not thread-safe: one caller at a time books and reports (the limiter's lock).
    """

    limit: int
    window: float = 1.0
    margin: float = 0.02
    burst: int = 1
    _next: float = field(default=-math.inf, init=False)
    _went: deque[list[float]] = field(init=False)  # one cell per send: when it counted

    def __post_init__(self) -> None:
        if self.limit < 1 or self.window <= 0 or self.margin < 0 or self.burst < 1:
            raise ValueError("limit and burst at least 1, window positive, margin not negative")
        self._went = deque(maxlen=self.limit)

    @classmethod
    def for_rate(cls, rate: float, *, margin: float = 0.02, window: float = 1.0) -> SendSchedule:
        """`rate` messages per second counted over `window`; bursts of up to 10 ms worth of
        slots to catch up a late wake-up (none at 30/s, 10 at 1000/s)."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        limit = max(1, math.floor(rate * window + 1e-9))
        return cls(limit, window, margin, burst=max(1, math.floor(rate * 0.01)))

    @property
    def interval(self) -> float:
        return (self.window + self.margin) / self.limit

    @property
    def rate(self) -> float:
        """The sustained rate: `limit / (window + margin)` messages per second."""
        return 1.0 / self.interval

    def next_slot(self, now: float) -> float:
        """Book the next send: the moment it may go (at or before `now`: go now)."""
        slot = max(self._next, now - (self.burst - 1) * self.interval)
        if len(self._went) == self.limit:
            slot = max(slot, self._went[0][0] + self.window + self.margin)
        self._next = slot + self.interval
        return slot

    def went(self, moment: float) -> list[float]:
        """A booked send actually went at `moment` (when the caller woke up). Returns its cell,
        for `late`."""
        cell = [moment]
        self._went.append(cell)
        return cell

    def late(self, cell: list[float], seconds: float) -> None:
        """The send probably counted `seconds` after it went: its answer took that much longer
        than the fastest answer (the far side or the network was slow). The window rule then
        measures from the later moment, so a send delayed on its way cannot meet the sends
        that follow it a second later inside one window."""
        if seconds > 0:
            cell[0] += seconds

    def pause_until(self, moment: float) -> None:
        """No slot before `moment` (Telegram said retry_after)."""
        self._next = max(self._next, moment)


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
