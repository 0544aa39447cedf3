"""The definitions the analytics use, in one place, as pure functions over plain facts.

Conventions shared by every function:

- Times are timezone-aware; "the last N days" is the half-open window (now - N days, now]:
  a purchase exactly N days old is outside it, and purchases after `now` are ignored.
- Money is in minor units (`int`); rates are `Fraction`s (None when the denominator is zero).
- Every tie is broken by a documented key ending in the member id or the slot number, so the
  same facts always give the same answer.

Definitions:

- active member: at least one purchase in the last `days` (30).
- repeat-purchase rate: members with >= 2 purchases / members with >= 1 purchase in [start, end).
- RFM score (last `days`, 90): each buyer gets a quintile score 1..5 for recency (latest purchase),
  frequency (purchase count) and monetary value (spend). A member's quintile score is
  1 + 5 * (number of buyers strictly worse on that measure) // (number of buyers), so equal values
  share a score. The RFM score is their sum, 3..15.
- VIP: the top `share_bp` (1000 bp = 10 %, rounded up) of buyers, ranked by RFM score, then spend,
  then purchase count, then the latest purchase, then the lower member id.
- lapsed: no purchase for longer than max(`min_days`, `k` x the member's own median gap between
  visits), k = 2 and min_days = 14 by default: two missed visits of the member's usual rhythm,
  never before two weeks (a weekly buyer silent 20 days is lapsed, a monthly one silent 40 days
  is not). Purchases less than `same_visit` (1 hour) apart form one visit, so two receipts at
  one till do not read as a zero gap. A member with a single visit uses `min_days`.
- returned: a member with a purchase in (sent_at, sent_at + `window_days`] after a win-back message.
- off-peak slot: an hour of the week (weekday * 24 + hour, Monday = 0, in the program's timezone)
  within opening hours whose purchase count over the last `weeks` (8) is in the bottom quartile:
  the ceil(n / 4) quietest of the n open slots, ties going to the lower slot number.
- off-peak targets: regulars (>= `min_purchases`, 3, purchases in the same window) with no
  purchase in any of the given slots in that window.
- conversion: offers redeemed / offers delivered. Lift: conversion of the treated minus the
  conversion of the holdout (holdout members who redeemed, i.e. bought the offer's item anyway /
  holdout size).
- favourite category: the category with the most spend in the last `days` (90); ties go to more
  purchases, then the alphabetically first code. Purchases with no category are ignored.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from fractions import Fraction
from itertools import pairwise
from types import MappingProxyType

DEFAULT_ACTIVE_DAYS = 30
DEFAULT_RFM_DAYS = 90
DEFAULT_VIP_SHARE_BP = 1000
DEFAULT_LAPSE_MIN_DAYS = 14
DEFAULT_LAPSE_FACTOR = 2
DEFAULT_SAME_VISIT = timedelta(hours=1)
DEFAULT_RETURN_WINDOW_DAYS = 14
DEFAULT_OFF_PEAK_WEEKS = 8
DEFAULT_REGULAR_MIN_PURCHASES = 3
DEFAULT_FAVOURITE_DAYS = 90

HOURS_PER_WEEK = 7 * 24
_BP = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class PurchaseFact:
    member_id: int
    amount: int
    """Net of refunds, in minor units."""
    at: datetime
    category: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.at)


@dataclass(frozen=True, slots=True)
class RfmScore:
    member_id: int
    last_purchase_at: datetime
    frequency: int
    """Purchases in the window."""
    monetary: int
    """Spend in the window, minor units."""
    recency_score: int
    frequency_score: int
    monetary_score: int

    @property
    def total(self) -> int:
        return self.recency_score + self.frequency_score + self.monetary_score


@dataclass(frozen=True)
class OpeningHours:
    """Opening hours per weekday (Monday = 0): (open_hour, close_hour), close exclusive.

    `close_hour` may pass midnight, up to `open_hour + 24`: (18, 26) is open from 18:00 to 02:00
    the next morning. A weekday missing from the mapping is closed.
    """

    hours: Mapping[int, tuple[int, int]]

    def __post_init__(self) -> None:
        for weekday, (open_hour, close_hour) in self.hours.items():
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0..6: {weekday}")
            if not 0 <= open_hour <= 23 or not open_hour < close_hour <= open_hour + 24:
                raise ValueError(
                    f"bad opening hours for weekday {weekday}: {open_hour}-{close_hour}"
                )
        object.__setattr__(self, "hours", MappingProxyType(dict(self.hours)))

    @classmethod
    def every_day(cls, open_hour: int, close_hour: int) -> OpeningHours:
        return cls({weekday: (open_hour, close_hour) for weekday in range(7)})

    def slots(self) -> list[int]:
        """The open hours of the week, ascending."""
        open_slots = {
            (weekday * 24 + hour) % HOURS_PER_WEEK
            for weekday, (open_hour, close_hour) in self.hours.items()
            for hour in range(open_hour, close_hour)
        }
        return sorted(open_slots)


def hour_of_week(at: datetime, tz: tzinfo) -> int:
    """weekday * 24 + hour of `at` in `tz` (Monday 00:00-00:59 = 0, Sunday 23:00-23:59 = 167)."""
    local = at.astimezone(tz)
    return local.weekday() * 24 + local.hour


def active_members(
    purchases: Iterable[PurchaseFact], now: datetime, days: int = DEFAULT_ACTIVE_DAYS
) -> set[int]:
    return {purchase.member_id for purchase in _last_days(purchases, now, days)}


def repeat_purchase_rate(
    purchases: Iterable[PurchaseFact], start: datetime, end: datetime
) -> Fraction | None:
    """Members with >= 2 purchases / members with >= 1 purchase in [start, end); None if nobody
    bought."""
    counts = Counter(p.member_id for p in purchases if start <= p.at < end)
    if not counts:
        return None
    repeaters = sum(1 for count in counts.values() if count >= 2)
    return Fraction(repeaters, len(counts))


def rfm_scores(
    purchases: Iterable[PurchaseFact], now: datetime, days: int = DEFAULT_RFM_DAYS
) -> dict[int, RfmScore]:
    """The RFM score of every member who bought in the last `days` (see the module docstring)."""
    last_at: dict[int, datetime] = {}
    frequency: Counter[int] = Counter()
    monetary: Counter[int] = Counter()
    for purchase in _last_days(purchases, now, days):
        member = purchase.member_id
        frequency[member] += 1
        monetary[member] += purchase.amount
        if member not in last_at or purchase.at > last_at[member]:
            last_at[member] = purchase.at
    recency_scores = _quintile_scores({m: _micros(at) for m, at in last_at.items()})
    frequency_scores = _quintile_scores(dict(frequency))
    monetary_scores = _quintile_scores(dict(monetary))
    return {
        member: RfmScore(
            member_id=member,
            last_purchase_at=last_at[member],
            frequency=frequency[member],
            monetary=monetary[member],
            recency_score=recency_scores[member],
            frequency_score=frequency_scores[member],
            monetary_score=monetary_scores[member],
        )
        for member in sorted(last_at)
    }


def vip_members(
    purchases: Iterable[PurchaseFact],
    now: datetime,
    days: int = DEFAULT_RFM_DAYS,
    share_bp: int = DEFAULT_VIP_SHARE_BP,
) -> set[int]:
    """The top `share_bp` basis points of buyers by RFM score, rounded up (see the module
    docstring for the tie-break)."""
    if not 0 <= share_bp <= _BP:
        raise ValueError(f"share_bp must be 0..{_BP}: {share_bp}")
    scores = list(rfm_scores(purchases, now, days).values())
    size = -(-len(scores) * share_bp // _BP)
    ranked = sorted(
        scores,
        key=lambda s: (
            -s.total,
            -s.monetary,
            -s.frequency,
            -_micros(s.last_purchase_at),
            s.member_id,
        ),
    )
    return {score.member_id for score in ranked[:size]}


def lapsed_members(
    purchases: Iterable[PurchaseFact],
    now: datetime,
    min_days: int = DEFAULT_LAPSE_MIN_DAYS,
    k: int | Fraction = DEFAULT_LAPSE_FACTOR,
    same_visit: timedelta = DEFAULT_SAME_VISIT,
) -> set[int]:
    """Members with no purchase for longer than max(min_days, k x their median gap between
    visits); see the module docstring."""
    if min_days < 0 or k <= 0:
        raise ValueError("min_days must be >= 0 and k > 0")
    times_by_member: defaultdict[int, list[datetime]] = defaultdict(list)
    for purchase in purchases:
        if purchase.at <= now:
            times_by_member[purchase.member_id].append(purchase.at)
    min_gap = Fraction(timedelta(days=min_days) // _MICROSECOND)
    lapsed: set[int] = set()
    for member, times in times_by_member.items():
        times.sort()
        visit_starts = _visit_starts(times, same_visit)
        threshold = min_gap
        if len(visit_starts) >= 2:
            gaps = [(b - a) // _MICROSECOND for a, b in pairwise(visit_starts)]
            threshold = max(min_gap, k * _median(gaps))
        if (now - times[-1]) // _MICROSECOND > threshold:
            lapsed.add(member)
    return lapsed


def returned_members(
    lapsed_messages: Mapping[int, datetime],
    purchases: Iterable[PurchaseFact],
    window_days: int = DEFAULT_RETURN_WINDOW_DAYS,
) -> set[int]:
    """Members who bought in (sent_at, sent_at + window_days] after their win-back message.

    `lapsed_messages` maps a member id to when the win-back message was sent (delivered).
    """
    window = timedelta(days=window_days)
    returned: set[int] = set()
    for purchase in purchases:
        sent_at = lapsed_messages.get(purchase.member_id)
        if sent_at is not None and sent_at < purchase.at <= sent_at + window:
            returned.add(purchase.member_id)
    return returned


def off_peak_slots(
    purchases: Iterable[PurchaseFact],
    now: datetime,
    opening_hours: OpeningHours,
    tz: tzinfo,
    weeks: int = DEFAULT_OFF_PEAK_WEEKS,
) -> list[int]:
    """The bottom quartile of open hour-of-week slots by purchases over the last `weeks`,
    ascending by slot number (see the module docstring)."""
    traffic = Counter(hour_of_week(p.at, tz) for p in _last_days(purchases, now, 7 * weeks))
    return quietest_slots(traffic, opening_hours)


def quietest_slots(per_slot: Mapping[int, int], opening_hours: OpeningHours) -> list[int]:
    """The bottom quartile (ceil(n / 4)) of the n open slots by purchases per hour of the week,
    ties going to the lower slot number; ascending."""
    open_slots = opening_hours.slots()
    quietest = sorted(open_slots, key=lambda slot: (per_slot.get(slot, 0), slot))
    size = -(-len(open_slots) // 4)
    return sorted(quietest[:size])


def off_peak_targets(
    purchases: Iterable[PurchaseFact],
    slots: Iterable[int],
    now: datetime,
    tz: tzinfo,
    weeks: int = DEFAULT_OFF_PEAK_WEEKS,
    min_purchases: int = DEFAULT_REGULAR_MIN_PURCHASES,
) -> set[int]:
    """Regulars (>= min_purchases purchases in the last `weeks`) with no purchase in any of
    `slots` in that window."""
    quiet = set(slots)
    counts: Counter[int] = Counter()
    seen_in_quiet: set[int] = set()
    for purchase in _last_days(purchases, now, 7 * weeks):
        counts[purchase.member_id] += 1
        if hour_of_week(purchase.at, tz) in quiet:
            seen_in_quiet.add(purchase.member_id)
    return {m for m, count in counts.items() if count >= min_purchases} - seen_in_quiet


def conversion(redeemed: int, delivered: int) -> Fraction | None:
    """Offers redeemed / offers delivered; None when nothing was delivered."""
    if redeemed < 0 or delivered < 0 or redeemed > delivered:
        raise ValueError(f"need 0 <= redeemed <= delivered: {redeemed}, {delivered}")
    if delivered == 0:
        return None
    return Fraction(redeemed, delivered)


def lift(
    treated_redeemed: int, treated_delivered: int, holdout_redeemed: int, holdout_size: int
) -> Fraction | None:
    """Conversion of the treated minus conversion of the holdout; None when either group is
    empty. Negative when the offer did worse than doing nothing."""
    treated = conversion(treated_redeemed, treated_delivered)
    holdout = conversion(holdout_redeemed, holdout_size)
    if treated is None or holdout is None:
        return None
    return treated - holdout


def favourite_category(
    purchases: Iterable[PurchaseFact], now: datetime, days: int = DEFAULT_FAVOURITE_DAYS
) -> str | None:
    """The category of one member's purchases with the most spend in the last `days`; None if no
    purchase in the window has a category."""
    spend: Counter[str] = Counter()
    count: Counter[str] = Counter()
    for purchase in _last_days(purchases, now, days):
        if purchase.category is not None:
            spend[purchase.category] += purchase.amount
            count[purchase.category] += 1
    if not spend:
        return None
    return min(spend, key=lambda category: (-spend[category], -count[category], category))


def favourite_categories(
    purchases: Iterable[PurchaseFact], now: datetime, days: int = DEFAULT_FAVOURITE_DAYS
) -> dict[int, str]:
    """`favourite_category` for every member who has one."""
    by_member: defaultdict[int, list[PurchaseFact]] = defaultdict(list)
    for purchase in purchases:
        by_member[purchase.member_id].append(purchase)
    favourites: dict[int, str] = {}
    for member, member_purchases in by_member.items():
        category = favourite_category(member_purchases, now, days)
        if category is not None:
            favourites[member] = category
    return favourites


def _last_days(purchases: Iterable[PurchaseFact], now: datetime, days: int) -> list[PurchaseFact]:
    start = now - timedelta(days=days)
    return [purchase for purchase in purchases if start < purchase.at <= now]


def _quintile_scores(values: Mapping[int, int]) -> dict[int, int]:
    """1..5 per member, higher values scoring higher; equal values share a score."""
    ordered = sorted(values.values())
    size = len(ordered)
    scores: dict[int, int] = {}
    worse = 0
    for member, value in sorted(values.items(), key=lambda item: item[1]):
        while ordered[worse] < value:
            worse += 1
        scores[member] = 1 + 5 * worse // size
    return scores


def visit_rhythm(
    epochs: Sequence[int], same_visit: timedelta = DEFAULT_SAME_VISIT
) -> tuple[int, Fraction | None]:
    """(latest purchase, median gap between visits) of one member's purchase times in whole
    epoch seconds, in order: the terms of `lapsed_members` on the seconds the database keeps
    (`member_activity`). None with fewer than two visits."""
    window = same_visit.total_seconds()
    starts = [e for i, e in enumerate(epochs) if i == 0 or e - epochs[i - 1] >= window]
    gaps = [b - a for a, b in pairwise(starts)]
    return epochs[-1], (_median(gaps) if gaps else None)


def _visit_starts(sorted_times: list[datetime], same_visit: timedelta) -> list[datetime]:
    """The first purchase time of each visit; a purchase within `same_visit` of the previous one
    belongs to the same visit."""
    starts = [sorted_times[0]]
    for previous, current in pairwise(sorted_times):
        if current - previous >= same_visit:
            starts.append(current)
    return starts


def _median(values: list[int]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
