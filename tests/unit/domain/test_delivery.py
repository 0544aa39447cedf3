"""The pure rules of sending: pacing, progress, backoff, quiet hours, frequency cap, holdout."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.delivery import (
    Button,
    CampaignProgress,
    DeliveryStatus,
    SendSchedule,
    after_quiet_hours,
    backoff,
    campaign_progress,
    frequency_cap_reached,
    in_holdout,
    in_quiet_hours,
    zone,
)


def test_schedule_spaces_concurrent_bookings_on_an_even_grid() -> None:
    schedule = SendSchedule.for_rate(30, margin=0.02)
    slots = [schedule.next_slot(now=10.0) for _ in range(31)]
    assert slots[0] == 10.0
    assert all(b - a == pytest.approx(1.02 / 30) for a, b in itertools.pairwise(slots))
    assert slots[30] - slots[0] == pytest.approx(1.02)  # 30 sends always span window + margin
    assert schedule.rate == pytest.approx(30 / 1.02)  # 98 % of the limit


def test_schedule_keeps_real_send_times_within_the_window_when_a_caller_wakes_late() -> None:
    # The grid alone would let the 4th send go at 1.0 s, 0.7 s after the 1st really went:
    # four sends inside one second. The window rule waits for the 1st to leave it.
    schedule = SendSchedule(limit=3, window=1.0, margin=0.0)
    assert schedule.next_slot(0.0) == 0.0
    schedule.went(0.3)  # the caller woke up 300 ms late
    for expected in (1 / 3, 2 / 3):
        assert schedule.next_slot(0.3) == pytest.approx(expected)
        schedule.went(expected)
    assert schedule.next_slot(0.7) == pytest.approx(1.3)


def test_a_send_answered_late_is_counted_from_when_it_probably_arrived() -> None:
    # Its answer took 50 ms longer than the others: it probably reached the far side 50 ms
    # after it went, so the send a full window later waits those 50 ms too.
    schedule = SendSchedule(limit=3, window=1.0, margin=0.0)
    first = schedule.went(schedule.next_slot(0.0))
    for _ in range(2):
        schedule.went(schedule.next_slot(0.0))
    schedule.late(first, 0.05)
    assert schedule.next_slot(0.7) == pytest.approx(1.05)


def test_schedule_never_lets_a_window_hold_more_than_the_limit_whatever_the_delays() -> None:
    import random

    rng = random.Random(7)
    schedule = SendSchedule.for_rate(30, margin=0.02)
    now, went = 0.0, []
    for _ in range(3000):
        slot = schedule.next_slot(now)
        # The caller sleeps until its slot and wakes up to 50 ms late, sometimes much later.
        now = max(now, slot) + rng.choice([0.0, 0.0, 0.001, 0.01, 0.05, 0.3])
        schedule.went(now)
        went.append(now)
    # The emulator's rule (bot/sandbox/limits.py): the 31st send must come more than one
    # second after the 1st; here with the margin to spare.
    assert min(b - a for a, b in zip(went, went[30:], strict=False)) >= 1.02 - 1e-9


def test_schedule_banks_no_idle_time_beyond_its_burst() -> None:
    paid = SendSchedule.for_rate(1000)
    assert paid.burst == 10  # 10 ms worth of slots to catch up a late wake-up
    paid.next_slot(0.0)
    slots = [paid.next_slot(100.0) for _ in range(11)]
    assert all(slot <= 100.0 for slot in slots[:10])
    assert slots[10] > 100.0
    assert SendSchedule.for_rate(30).burst == 1  # at 30/s: no burst at all


def test_schedule_pause_pushes_every_slot_past_it() -> None:
    schedule = SendSchedule.for_rate(30)
    schedule.pause_until(5.0)
    assert schedule.next_slot(now=2.0) == pytest.approx(5.0)


NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_progress_counts_rows_by_outcome_and_estimates_the_time_left() -> None:
    counts = {
        DeliveryStatus.SENT: 300,
        DeliveryStatus.FAILED: 2,
        DeliveryStatus.UNREACHABLE: 5,
        DeliveryStatus.HELD_OUT: 50,
        DeliveryStatus.PENDING: 550,
        DeliveryStatus.SENDING: 50,
    }
    progress = campaign_progress(counts, 300, NOW - timedelta(minutes=5), NOW)
    assert progress == CampaignProgress(
        sent=300,
        failed=2,
        unreachable=5,
        held_out=50,
        skipped=0,
        cancelled=0,
        pending=600,  # waiting and being sent
        rate=10.0,  # 300 finished in the last 30 s
        eta=timedelta(seconds=60),
    )
    assert (progress.total, progress.done) == (957, 357)


def test_progress_rate_of_a_young_campaign_counts_from_its_start() -> None:
    progress = campaign_progress(
        {DeliveryStatus.SENT: 40, DeliveryStatus.PENDING: 100}, 40, NOW - timedelta(seconds=2), NOW
    )
    assert progress.rate == 20.0  # 40 in 2 s, not 40 in 30 s
    assert progress.eta == timedelta(seconds=5)


def test_progress_eta_is_zero_when_done_and_unknown_when_nothing_moves() -> None:
    done = campaign_progress({DeliveryStatus.SENT: 10}, 0, NOW - timedelta(hours=1), NOW)
    assert done.eta == timedelta(0) and done.pending == 0
    stalled = campaign_progress({DeliveryStatus.PENDING: 10}, 0, None, NOW)
    assert stalled.eta is None and stalled.rate == 0.0


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
