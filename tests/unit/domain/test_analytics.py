"""Analytics definitions on planted data: each fixture builds facts whose answer is known by
construction."""

import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from bot.domain.analytics import (
    OpeningHours,
    PurchaseFact,
    active_members,
    conversion,
    favourite_categories,
    favourite_category,
    hour_of_week,
    lapsed_members,
    lift,
    off_peak_slots,
    off_peak_targets,
    repeat_purchase_rate,
    returned_members,
    rfm_scores,
    vip_members,
    visit_rhythm,
)

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")
DAY = timedelta(days=1)


def buy(
    member_id: int, ago: timedelta, amount: int = 500, category: str | None = None
) -> PurchaseFact:
    return PurchaseFact(member_id=member_id, amount=amount, at=NOW - ago, category=category)


def test_purchase_fact_refuses_a_naive_time() -> None:
    with pytest.raises(ValueError):
        PurchaseFact(member_id=1, amount=1, at=datetime(2025, 1, 1))


# --- active, repeat rate ----------------------------------------------------------------------


def test_active_members_bought_in_the_last_30_days() -> None:
    purchases = [
        buy(1, 29 * DAY),
        buy(2, 30 * DAY),  # exactly 30 days ago: outside (now - 30 d, now]
        buy(3, 45 * DAY),
        buy(4, timedelta(0)),
        buy(5, -DAY),  # after now: ignored
    ]
    assert active_members(purchases, NOW) == {1, 4}
    assert active_members(purchases, NOW, days=31) == {1, 2, 4}


def test_repeat_purchase_rate_counts_members_with_two_or_more_purchases() -> None:
    start, end = NOW - 30 * DAY, NOW
    purchases = [
        buy(1, 20 * DAY),
        buy(1, 10 * DAY),
        buy(2, 30 * DAY),  # at start: inside [start, end)
        buy(2, 1 * DAY),
        buy(2, 2 * DAY),
        buy(3, 5 * DAY),
        buy(3, 40 * DAY),  # before start: only one purchase in the period
        buy(4, 60 * DAY),  # no purchase in the period: not counted at all
        buy(5, timedelta(0)),  # at end: outside
    ]
    assert repeat_purchase_rate(purchases, start, end) == Fraction(2, 3)


def test_repeat_purchase_rate_is_none_without_buyers() -> None:
    assert repeat_purchase_rate([buy(1, 100 * DAY)], NOW - 30 * DAY, NOW) is None


# --- RFM and VIP ------------------------------------------------------------------------------

PLANTED_VIPS = {7, 13}


def _twenty_members_two_vips() -> list[PurchaseFact]:
    purchases = []
    for member in range(1, 21):
        if member in PLANTED_VIPS:
            # Weekly for 12 weeks, big checks, last visit yesterday.
            amount = 5000 if member == 7 else 6000
            purchases += [buy(member, (1 + 7 * week) * DAY, amount) for week in range(12)]
        else:
            # 1-3 visits, modest checks, last visit 10-29 days ago.
            visits = member % 3 + 1
            purchases += [
                buy(member, (9 + member + 15 * visit) * DAY, 300 + 10 * member)
                for visit in range(visits)
            ]
    # A big spender who has not been back for 100 days is outside the 90-day window.
    purchases += [buy(99, 100 * DAY, 100_000) for _ in range(20)]
    return purchases


def test_the_two_planted_vips_are_the_top_decile() -> None:
    assert vip_members(_twenty_members_two_vips(), NOW) == PLANTED_VIPS


def test_vip_scores_are_the_maximum_and_ignore_old_purchases() -> None:
    scores = rfm_scores(_twenty_members_two_vips(), NOW)
    assert set(scores) == set(range(1, 21))
    for member in PLANTED_VIPS:
        score = scores[member]
        assert (score.recency_score, score.frequency_score, score.monetary_score) == (5, 5, 5)
        assert score.total == 15
        assert score.frequency == 12
    assert all(scores[m].total < 15 for m in scores if m not in PLANTED_VIPS)


def test_vip_tie_breaks_on_spend_then_member_id() -> None:
    purchases = _twenty_members_two_vips()
    # Both VIPs score 15; member 13 spends more, so a 5 % share keeps only them.
    assert vip_members(purchases, NOW, share_bp=500) == {13}
    twins = [buy(member, DAY * week, 1000) for member in (21, 22) for week in range(1, 4)]
    assert vip_members(twins, NOW, share_bp=5000) == {21}


def test_vip_share_rounds_up_and_is_order_independent() -> None:
    purchases = _twenty_members_two_vips()
    shuffled = purchases[:]
    random.Random(5).shuffle(shuffled)
    assert vip_members(shuffled, NOW) == vip_members(purchases, NOW)
    assert vip_members([buy(1, DAY)], NOW) == {1}
    assert vip_members([], NOW) == set()
    assert len(vip_members(purchases, NOW, share_bp=1001)) == 3
    with pytest.raises(ValueError):
        vip_members(purchases, NOW, share_bp=10_001)


def test_quintile_scores_follow_rank_and_share_ties() -> None:
    # Ten members: member m buys m times, all m days ago.
    purchases = [buy(member, DAY * member) for member in range(1, 11) for _ in range(member)]
    scores = rfm_scores(purchases, NOW)
    assert [scores[m].frequency_score for m in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert [scores[m].recency_score for m in range(1, 11)] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # An eleventh member exactly like member 10 shares every score with it.
    scores = rfm_scores([*purchases, *(buy(11, DAY * 10) for _ in range(10))], NOW)
    assert scores[11].total == scores[10].total
    assert scores[11].frequency_score == scores[10].frequency_score == 5


# --- lapsed -----------------------------------------------------------------------------------


def _rhythm(member: int, every: timedelta, last_ago: timedelta, visits: int) -> list[PurchaseFact]:
    return [buy(member, last_ago + every * visit) for visit in range(visits)]


def test_weekly_member_missing_four_weeks_is_lapsed_but_monthly_is_not() -> None:
    purchases = [
        *_rhythm(1, 7 * DAY, 35 * DAY, 20),  # weekly, 5 weeks since: max(30, 3 x 7) = 30 < 35
        *_rhythm(2, 30 * DAY, 35 * DAY, 6),  # monthly, 35 days since: max(30, 3 x 30) = 90
        *_rhythm(3, 30 * DAY, 95 * DAY, 6),  # monthly, 95 days since: lapsed
        *_rhythm(6, 7 * DAY, 3 * DAY, 20),  # weekly and still coming
    ]
    assert lapsed_members(purchases, NOW) == {1, 3}


def test_member_with_one_purchase_uses_min_days() -> None:
    purchases = [buy(4, 31 * DAY), buy(5, 29 * DAY), buy(8, 30 * DAY)]
    assert lapsed_members(purchases, NOW, min_days=30) == {4}
    assert lapsed_members(purchases, NOW, min_days=20) == {4, 5, 8}


def test_lapse_is_strictly_longer_than_the_threshold() -> None:
    purchases = _rhythm(2, 40 * DAY, 120 * DAY, 4)  # threshold exactly 3 x 40 = 120 days
    assert lapsed_members(purchases, NOW, k=3) == set()
    assert lapsed_members(purchases, NOW + timedelta(seconds=1), k=3) == {2}


def test_lapse_factor_k_is_configurable() -> None:
    purchases = _rhythm(2, 30 * DAY, 35 * DAY, 6)
    assert lapsed_members(purchases, NOW, k=1) == {2}
    assert lapsed_members(purchases, NOW, k=Fraction(3, 2)) == set()  # 45 days


def test_median_gap_uses_the_middle_of_irregular_gaps() -> None:
    # Gaps 5, 10, 100 days: median 10, threshold 30; one extreme gap does not move it.
    purchases = [buy(9, ago * DAY) for ago in (31, 36, 46, 146)]
    assert lapsed_members(purchases, NOW, k=3) == {9}
    # Gaps 10 and 30: median 20, threshold 60.
    purchases = [buy(10, ago * DAY) for ago in (59, 69, 99)]
    assert lapsed_members(purchases, NOW, k=3) == set()


def test_default_rhythm_weekly_silent_20_days_lapsed_monthly_silent_40_days_not() -> None:
    weekly = _rhythm(1, 7 * DAY, 20 * DAY, 8)
    monthly = _rhythm(2, 30 * DAY, 40 * DAY, 6)
    assert lapsed_members([*weekly, *monthly], NOW) == {1}


def test_two_receipts_in_one_visit_do_not_shrink_the_rhythm() -> None:
    # Every 20 days, two receipts ten minutes apart; last visit 40 days ago: threshold 60 days.
    purchases = []
    for visit in range(6):
        visit_ago = (40 + 20 * visit) * DAY
        purchases += [buy(11, visit_ago), buy(11, visit_ago + timedelta(minutes=10))]
    assert lapsed_members(purchases, NOW) == set()
    assert lapsed_members(purchases, NOW, same_visit=timedelta(minutes=5)) == {11}


def test_lapsed_ignores_purchases_after_now() -> None:
    assert lapsed_members([buy(1, 40 * DAY), buy(1, -DAY)], NOW) == {1}


# --- returned ---------------------------------------------------------------------------------


def test_returned_members_bought_within_the_window_after_the_message() -> None:
    sent = NOW - 20 * DAY
    messages = {1: sent, 2: sent, 3: sent, 5: sent, 6: sent}
    purchases = [
        buy(1, 17 * DAY),  # 3 days after the message
        buy(2, 5 * DAY),  # 15 days after: too late
        buy(3, 25 * DAY),  # before the message
        buy(4, 18 * DAY),  # no message sent
        buy(5, 20 * DAY),  # at the very moment of sending: not after it
        buy(6, 6 * DAY),  # exactly 14 days after: inside
    ]
    assert returned_members(messages, purchases) == {1, 6}
    assert returned_members(messages, purchases, window_days=15) == {1, 2, 6}


# --- off-peak ---------------------------------------------------------------------------------

OFF_PEAK_NOW = datetime(2025, 6, 2, 0, 0, tzinfo=MOSCOW)  # a Monday, midnight in Moscow
WINDOW_START = OFF_PEAK_NOW - 8 * 7 * DAY
OPEN_8_TO_20 = OpeningHours.every_day(8, 20)
# The first two hours and the last hour of every day: 21 of the 84 open slots, a quarter.
PLANTED_QUIET = sorted(day * 24 + hour for day in range(7) for hour in (8, 9, 19))


def _local(week: int, weekday: int, hour: int, minute: int = 30) -> datetime:
    return WINDOW_START + timedelta(days=7 * week + weekday, hours=hour, minutes=minute)


def _crowd() -> list[PurchaseFact]:
    """Eight weeks of traffic: 1 purchase per quiet slot-hour, 3 per busy one, each by a
    one-off customer (ids from 1000) so that nobody in the crowd is a regular."""
    purchases: list[PurchaseFact] = []
    for week in range(8):
        for weekday in range(7):
            for hour in range(8, 20):
                quiet = weekday * 24 + hour in PLANTED_QUIET
                for _ in range(1 if quiet else 3):
                    member = 1000 + len(purchases)
                    purchases.append(PurchaseFact(member, 400, _local(week, weekday, hour)))
    # Before the window, the quiet slots were packed; it must not count.
    purchases += [PurchaseFact(900, 400, _local(-1, 0, 8)) for _ in range(50)]
    # After hours (a delivery at 23:00): not an open slot, never reported.
    purchases.append(PurchaseFact(901, 400, _local(3, 2, 23)))
    return purchases


def test_planted_quiet_slots_are_the_off_peak_slots() -> None:
    assert len(OPEN_8_TO_20.slots()) == 84
    assert off_peak_slots(_crowd(), OFF_PEAK_NOW, OPEN_8_TO_20, MOSCOW) == PLANTED_QUIET


def test_off_peak_slots_are_computed_in_the_program_timezone() -> None:
    utc_view = off_peak_slots(_crowd(), OFF_PEAK_NOW, OPEN_8_TO_20, UTC)
    assert utc_view != PLANTED_QUIET


def test_off_peak_ties_go_to_the_lower_slot() -> None:
    # No traffic at all: every open slot ties at zero, the first quarter by slot number wins.
    hours = OpeningHours({0: (10, 14)})
    assert off_peak_slots([], OFF_PEAK_NOW, hours, MOSCOW) == [10]
    assert off_peak_slots([], OFF_PEAK_NOW, OpeningHours({}), MOSCOW) == []


def test_off_peak_targets_are_regulars_who_never_came_in_those_slots() -> None:
    busy_slots = [(0, 12), (2, 13), (4, 15), (5, 11), (6, 17)]  # (weekday, hour)
    purchases = _crowd()
    purchases += [PurchaseFact(1, 400, _local(w, d, h)) for w, (d, h) in enumerate(busy_slots)]
    # Member 2 is as regular, but once came at 08:30 on a Wednesday, a quiet slot.
    purchases += [PurchaseFact(2, 400, _local(w, d, h)) for w, (d, h) in enumerate(busy_slots)]
    purchases.append(PurchaseFact(2, 400, _local(6, 2, 8)))
    # Member 3 has only two purchases: not a regular.
    purchases += [PurchaseFact(3, 400, _local(w, 1, 12)) for w in range(2)]
    # Member 4: three purchases in busy slots; the quiet-slot visit predates the window.
    purchases += [PurchaseFact(4, 400, _local(w, 3, 14)) for w in range(3)]
    purchases.append(PurchaseFact(4, 400, _local(-2, 3, 19)))

    slots = off_peak_slots(purchases, OFF_PEAK_NOW, OPEN_8_TO_20, MOSCOW)
    assert slots == PLANTED_QUIET
    targets = off_peak_targets(purchases, slots, OFF_PEAK_NOW, MOSCOW)
    assert targets == {1, 4}
    assert off_peak_targets(purchases, slots, OFF_PEAK_NOW, MOSCOW, min_purchases=2) == {1, 3, 4}


def test_hour_of_week_follows_daylight_saving_time() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert hour_of_week(datetime(2025, 6, 2, 6, 0, tzinfo=UTC), berlin) == 8  # CEST, +2
    assert hour_of_week(datetime(2025, 1, 6, 7, 0, tzinfo=UTC), berlin) == 8  # CET, +1
    assert hour_of_week(datetime(2025, 6, 8, 23, 59, tzinfo=UTC), UTC) == 167


def test_opening_hours_past_midnight_wrap_into_the_next_day() -> None:
    late_sunday = OpeningHours({6: (18, 26)})
    assert late_sunday.slots() == [0, 1, 162, 163, 164, 165, 166, 167]


@pytest.mark.parametrize("hours", [{7: (8, 20)}, {0: (20, 8)}, {0: (8, 8)}, {0: (-1, 5)}])
def test_opening_hours_refuse_nonsense(hours: dict[int, tuple[int, int]]) -> None:
    with pytest.raises(ValueError):
        OpeningHours(hours)


# --- conversion and lift ----------------------------------------------------------------------


def test_conversion_is_redeemed_over_delivered() -> None:
    assert conversion(3, 10) == Fraction(3, 10)
    assert conversion(0, 10) == 0
    assert conversion(0, 0) is None
    with pytest.raises(ValueError):
        conversion(11, 10)
    with pytest.raises(ValueError):
        conversion(-1, 10)


def test_lift_is_treated_minus_holdout_conversion() -> None:
    assert lift(30, 100, 5, 50) == Fraction(1, 5)
    assert lift(5, 100, 10, 50) == Fraction(-3, 20)
    assert lift(30, 100, 0, 0) is None
    assert lift(0, 0, 5, 50) is None


# --- favourite category -----------------------------------------------------------------------


def test_favourite_category_has_the_most_spend() -> None:
    purchases = [
        *(buy(1, DAY * d, 200, "coffee") for d in (1, 2, 3)),
        buy(1, 4 * DAY, 700, "pastry"),
        buy(1, 5 * DAY, 5000, None),
        buy(1, 91 * DAY, 9000, "merch"),  # outside the 90-day window
    ]
    assert favourite_category(purchases, NOW) == "pastry"
    assert favourite_category(purchases, NOW, days=100) == "merch"


def test_favourite_category_ties_go_to_more_purchases_then_the_name() -> None:
    by_count = [buy(1, DAY, 600, "tea"), buy(1, DAY, 300, "coffee"), buy(1, DAY, 300, "coffee")]
    assert favourite_category(by_count, NOW) == "coffee"
    by_name = [buy(1, DAY, 300, "tea"), buy(1, DAY, 300, "coffee")]
    assert favourite_category(by_name, NOW) == "coffee"
    assert favourite_category(list(reversed(by_name)), NOW) == "coffee"


def test_favourite_category_is_none_without_categorised_purchases() -> None:
    assert favourite_category([buy(1, DAY, 300, None)], NOW) is None
    assert favourite_category([], NOW) is None


def test_favourite_categories_per_member() -> None:
    purchases = [
        buy(1, DAY, 300, "coffee"),
        buy(2, DAY, 300, "tea"),
        buy(2, DAY, 900, "cake"),
        buy(3, DAY, 300, None),
    ]
    assert favourite_categories(purchases, NOW) == {1: "coffee", 2: "cake"}


def test_visit_rhythm_merges_a_visit_and_takes_the_median_gap() -> None:
    day = 86_400
    # 0 and 600 s are one visit; visits at 0, 1 day and 3 days: gaps 1 and 2 days.
    assert visit_rhythm([0, 600, day, 3 * day]) == (3 * day, Fraction(3 * day, 2))
    assert visit_rhythm([5 * day, 5 * day + 60]) == (5 * day + 60, None)  # one visit
