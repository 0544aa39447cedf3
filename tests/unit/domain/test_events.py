"""Webhook event rules: what an answer means, when to try again, the signature."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.events import (
    DELIVERED,
    FAILED,
    RETRY,
    EventPolicy,
    PendingEvent,
    envelope,
    next_attempt,
    signature,
    signed_headers,
    verdict,
    verify,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, DELIVERED),
        (204, DELIVERED),
        (500, RETRY),
        (503, RETRY),
        (408, RETRY),
        (429, RETRY),
        (400, FAILED),
        (401, FAILED),
        (404, FAILED),
        (410, FAILED),
        (301, FAILED),
    ],
)
def test_an_answer_is_delivered_retried_or_failed(status: int, expected: str) -> None:
    assert verdict(status) == expected


def test_tries_back_off_exponentially_up_to_the_cap_then_give_up() -> None:
    policy = EventPolicy(max_attempts=12)
    waits = [(next_attempt(policy, n, NOW) or NOW) - NOW for n in range(1, 12)]
    assert waits[:4] == [timedelta(seconds=s) for s in (30, 60, 120, 240)]
    assert waits[-1] == timedelta(hours=6)
    assert next_attempt(policy, 12, NOW) is None


def test_the_body_is_the_envelope_and_the_signature_covers_timestamp_and_body() -> None:
    event = PendingEvent(1, "e-1", "member.joined", {"member_id": 7}, NOW, 1)
    body = envelope(event)
    assert json.loads(body) == {
        "id": "e-1",
        "type": "member.joined",
        "created_at": "2026-03-02T09:00:00+00:00",
        "data": {"member_id": 7},
    }
    stamp = int(NOW.timestamp())
    headers = signed_headers(b"k", "e-1", stamp, body)
    assert headers["X-Loyalty-Signature"] == "v1=" + signature(b"k", stamp, body)
    assert verify(b"k", str(stamp), headers["X-Loyalty-Signature"], body, NOW)
    # A rotated secret: any v1 value may match; an unknown version or junk does not.
    rotated = "v1=00ff, " + headers["X-Loyalty-Signature"]
    assert verify(b"k", str(stamp), rotated, body, NOW)
    assert not verify(b"k", str(stamp), "v0=" + signature(b"k", stamp, body), body, NOW)
    assert not verify(b"k", "soon", headers["X-Loyalty-Signature"], body, NOW)
    assert not verify(b"k", str(stamp), "v1=ünïcode", body, NOW)
    assert not verify(
        b"k", str(stamp), headers["X-Loyalty-Signature"], body, NOW + timedelta(minutes=6)
    )
