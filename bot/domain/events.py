"""Outbound webhook events: what a partner's server is told, how it is signed, when a delivery
is tried again. Pure rules; the outbox lives in the database and the sender in
`bot/delivery/webhooks.py`. docs/POS_API.md ("Webhooks") is the receiver's side.

An event is written in the same transaction as the change it reports, so it exists exactly when
the change committed; it is delivered at least once (receivers de-duplicate by `id`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.domain.delivery import backoff


class EventType(StrEnum):
    MEMBER_JOINED = "member.joined"
    PURCHASE_RECORDED = "purchase.recorded"
    POINTS_REDEEMED = "points.redeemed"
    PURCHASE_REFUNDED = "purchase.refunded"


TIMESTAMP_HEADER = "X-Loyalty-Timestamp"
SIGNATURE_HEADER = "X-Loyalty-Signature"
EVENT_ID_HEADER = "X-Loyalty-Event-Id"
SIGNATURE_VERSION = "v1"
SIGNATURE_TOLERANCE = timedelta(minutes=5)
"""What a receiver should accept between our timestamp and its clock (replays are older)."""


@dataclass(frozen=True, slots=True)
class NewEvent:
    event_id: str
    """A UUID, the receiver's de-duplication key."""
    type: EventType
    data: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """A claimed event: its row id, what to send, and the tries so far (this one included)."""

    id: int
    event_id: str
    type: str
    data: Mapping[str, Any]
    created_at: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class EventPolicy:
    max_attempts: int = 12
    """30 s, 1 min, 2 min ... then every 6 h: about 15 hours of tries before giving up."""
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(seconds=60)
    """A claimed event is not due again for this long: longer than a request may take, so two
    senders never hold it at once; a sender that dies holding it frees it when it ends."""


# What the receiver answered, as the sender reports it.
DELIVERED = "delivered"
RETRY = "retry"
FAILED = "failed"

RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


def verdict(status: int) -> str:
    """2xx delivered; 5xx, 408 and 429 tried again later; anything else (another 4xx, a
    redirect) fails at once: the receiver refused this event, and the same bytes will not
    change its mind."""
    if 200 <= status < 300:
        return DELIVERED
    if status >= 500 or status in RETRYABLE_CLIENT_ERRORS:
        return RETRY
    return FAILED


def next_attempt(policy: EventPolicy, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries; None: give up (the event fails)."""
    if attempts >= policy.max_attempts:
        return None
    return now + backoff(attempts, policy.backoff_base, policy.backoff_cap)


def envelope(event: PendingEvent) -> bytes:
    """The request body: `{"id", "type", "created_at", "data"}` as compact JSON."""
    body = {
        "id": event.event_id,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": dict(event.data),
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over `<timestamp>.<body>`, hex; sent as `v1=<hex>`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        EVENT_ID_HEADER: event_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{SIGNATURE_VERSION}={signature(secret, timestamp, body)}",
    }


def verify(
    secret: bytes,
    timestamp_header: str,
    signature_header: str,
    body: bytes,
    now: datetime,
    tolerance: timedelta = SIGNATURE_TOLERANCE,
) -> bool:
    """What a receiver checks (also our tests): a fresh timestamp, and one of the header's
    `v1=` signatures equal, in constant time, to the HMAC of the exact bytes received."""
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        return False
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        return False
    expected = signature(secret, timestamp, body).encode("ascii")
    for part in signature_header.split(","):
        version, _, value = part.strip().partition("=")
        if version == SIGNATURE_VERSION and hmac.compare_digest(expected, value.encode()):
            return True
    return False
