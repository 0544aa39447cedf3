"""The pure rules of sending: pacing, backoff, quiet hours, frequency cap, holdout."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.delivery import (
    Button,
    TokenBucket,
    after_quiet_hours,
    backoff,
    frequency_cap_reached,
    in_holdout,
    in_quiet_hours,
    zone,
)


def test_token_bucket_spaces_concurrent_reservations_one_interval_apart() -> None:
    bucket = TokenBucket(rate=30)
    waits = [bucket.reserve(now=10.0) for _ in range(31)]
    assert waits[0] == 0
    assert waits[30] == pytest.approx(1.0)  # the 31st slot is a full second later
    assert all(b - a == pytest.approx(1 / 30) for a, b in itertools.pairwise(waits))


def test_token_bucket_does_not_bank_idle_time_beyond_its_burst() -> None:
    bucket = TokenBucket(rate=10, burst=3)
    bucket.reserve(now=0.0)
    waits = [bucket.reserve(now=100.0) for _ in range(4)]
    assert waits[:3] == [0, 0, 0]
    assert waits[3] == pytest.approx(0.1)


def test_token_bucket_pause_pushes_every_slot_past_it() -> None:
    bucket = TokenBucket(rate=30)
    bucket.pause_until(5.0)
    assert bucket.reserve(now=2.0) == pytest.approx(3.0)


def test_backoff_doubles_up_to_the_cap() -> None:
    base, cap = timedelta(seconds=5), timedelta(minutes=1)
    assert [backoff(n, base, cap).total_seconds() for n in range(1, 6)] == [5, 10, 20, 40, 60]
    assert backoff(100, base, cap) == cap


@pytest.mark.parametrize(
    ("local", "expected"),
    [(time(21, 59), False), (time(22, 0), True), (time(3, 0), True), (time(9, 0), False)],
)
def test_quiet_hours_window_wraps_midnight(local: time, expected: bool) -> None:
    assert in_quiet_hours(local, time(22), time(9)) is expected


def test_no_quiet_hours_when_the_ends_are_equal() -> None:
    assert not in_quiet_hours(time(3), time(0), time(0))


def test_a_message_in_the_evening_waits_for_the_next_morning_in_the_members_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    assert after_quiet_hours(now, tokyo, time(22), time(9)) == datetime(
        2026, 3, 3, 0, 0, tzinfo=UTC
    )


def test_a_message_after_midnight_waits_for_the_same_morning() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    now = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # 03:30 in Moscow
    wake = after_quiet_hours(now, moscow, time(22), time(9))
    assert wake == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)  # 09:00 Moscow


def test_outside_quiet_hours_the_message_goes_now() -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert after_quiet_hours(now, ZoneInfo("UTC"), time(22), time(9)) == now


def test_an_unknown_member_zone_falls_back_to_the_programs() -> None:
    assert zone("Mars/Olympus", "Europe/Moscow") == ZoneInfo("Europe/Moscow")
    assert zone(None, "Asia/Tokyo") == ZoneInfo("Asia/Tokyo")


def test_frequency_cap() -> None:
    assert not frequency_cap_reached(2, cap=3)
    assert frequency_cap_reached(3, cap=3)
    assert not frequency_cap_reached(100, cap=0)  # 0: no cap


def test_holdout_is_deterministic_and_close_to_its_share() -> None:
    chosen = [in_holdout(7, member, 0.2) for member in range(10_000)]
    assert chosen == [in_holdout(7, member, 0.2) for member in range(10_000)]
    assert 0.18 < sum(chosen) / len(chosen) < 0.22
    other_campaign = [in_holdout(8, member, 0.2) for member in range(10_000)]
    assert chosen != other_campaign  # each campaign holds out different members
    assert not any(in_holdout(7, m, 0.0) for m in range(100))


def test_button_needs_exactly_one_action() -> None:
    with pytest.raises(ValueError):
        Button("button-open")
    with pytest.raises(ValueError):
        Button("button-open", callback_data="x", url="https://example.com")
