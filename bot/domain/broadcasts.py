"""The owner's broadcasts: which members a segment names, and what a broadcast says.

Segments (`SegmentKind`, the argument in brackets):
- all: every active member;
- tier (a tier code): members currently in that tier;
- vip: the top decile by RFM over 90 days (`analytics.vip_members`);
- active: a purchase in the last 30 days (`analytics.active_members`);
- lapsed: `analytics.lapsed_members` (k = 2, at least 14 days);
- new (N days): joined in the last N days;
- channel (a joining source: direct, staff, referral, channel...): members who joined that way;
- favourite (a category code): members whose favourite category over 90 days is that one.

Whatever the segment, the recipients are active members with a Telegram account who have not
opted out of marketing and are not known to be unreachable: the count the owner confirms is the
number of messages that will be queued (minus the campaign's holdout, if any).

Content is the owner's own text (Telegram HTML built from their message's entities), the same
for every language: it is stored as the locale key `broadcast-text` whose only placeable is
`text`, so the outbox renders it like any other message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.delivery import Button, MessageContent
from bot.domain.errors import InvalidInput

BROADCAST_TEXT_KEY = "broadcast-text"
LINK_BUTTON_KEY = "broadcast-button-link"
OFFER_BUTTON_KEY = "broadcast-button-offer"
OFFERS_CALLBACK = "offers:show"
"""The customer's "my offers" button under a broadcast that carries a coupon."""
MAX_TEXT = 1024
"""A photo caption's limit (a text message allows 4096; the smaller one fits both)."""
MAX_NEW_DAYS = 3660
TELEGRAM_PHOTO_PREFIX = "tg:"
"""A photo the owner sent: its Telegram file id, reused for every recipient (no upload)."""
_URL = re.compile(r"https://[^\s<>\"']{1,500}")
_CODE = re.compile(r"[a-z0-9_-]{1,32}")


class SegmentKind(StrEnum):
    ALL = "all"
    TIER = "tier"
    VIP = "vip"
    ACTIVE = "active"
    LAPSED = "lapsed"
    NEW = "new"
    CHANNEL = "channel"
    FAVOURITE = "favourite"

    @property
    def needs_argument(self) -> bool:
        return self in _WITH_ARGUMENT


_WITH_ARGUMENT = frozenset(
    {SegmentKind.TIER, SegmentKind.NEW, SegmentKind.CHANNEL, SegmentKind.FAVOURITE}
)


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    ENQUEUED = "enqueued"
    CANCELLED = "cancelled"


def parse_kind(kind: str) -> SegmentKind:
    try:
        return SegmentKind(kind)
    except ValueError:
        raise InvalidInput("unknown segment", reason="segment") from None


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    argument: str | None = None

    @classmethod
    def parse(cls, kind: str, argument: str | None = None) -> Segment:
        """A segment from the wizard's input; InvalidInput (reason `segment`) when malformed.
        Whether a tier or category exists is checked by the service against the program."""
        segment_kind = parse_kind(kind)
        if not segment_kind.needs_argument:
            return cls(segment_kind)
        value = (argument or "").strip().lower()
        if segment_kind is SegmentKind.NEW:
            if not value.isdigit() or not 1 <= int(value) <= MAX_NEW_DAYS:
                raise InvalidInput("days must be 1..3660", reason="segment-days")
            return cls(segment_kind, str(int(value)))
        if not _CODE.fullmatch(value):
            raise InvalidInput("bad segment argument", reason="segment")
        return cls(segment_kind, value)

    @property
    def days(self) -> int:
        assert self.kind is SegmentKind.NEW and self.argument is not None
        return int(self.argument)


@dataclass(frozen=True, slots=True)
class BroadcastDraft:
    """What the owner composed in the wizard."""

    segment: Segment
    text: str
    photo: str | None = None
    """A Telegram file id."""
    button_url: str | None = None
    offer_code: str | None = None

    def __post_init__(self) -> None:
        if not self.text.strip() or len(self.text) > MAX_TEXT:
            raise InvalidInput("text must be 1..1024 characters", reason="broadcast-text")
        if self.button_url is not None and self.offer_code is not None:
            raise InvalidInput("one button at most", reason="broadcast-button")
        if self.button_url is not None and not valid_url(self.button_url):
            raise InvalidInput("button links must be https URLs", reason="broadcast-url")

    def content(self) -> MessageContent:
        buttons: tuple[tuple[Button, ...], ...] = ()
        if self.button_url is not None:
            buttons = ((Button(LINK_BUTTON_KEY, url=self.button_url),),)
        elif self.offer_code is not None:
            buttons = ((Button(OFFER_BUTTON_KEY, callback_data=OFFERS_CALLBACK),),)
        photo = TELEGRAM_PHOTO_PREFIX + self.photo if self.photo else None
        return MessageContent(BROADCAST_TEXT_KEY, {"text": self.text}, photo, buttons)


def valid_url(url: str) -> bool:
    return _URL.fullmatch(url.strip()) is not None


@dataclass(frozen=True, slots=True)
class BroadcastLaunch:
    broadcast_id: int
    campaign_id: int
    recipients: int
    """Members selected now (for a scheduled broadcast: if it were sent now)."""
    scheduled_for: datetime | None
    held_out: int = 0


@dataclass(frozen=True, slots=True)
class ScheduledBroadcast:
    """A broadcast row as the scheduler job and the service see it."""

    id: int
    campaign_id: int
    draft: BroadcastDraft
    status: BroadcastStatus
    scheduled_for: datetime | None
    created_by: int
