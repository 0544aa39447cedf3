"""What the owner's `/campaigns` and `/stats` show: plain figures, computed in the database
(`bot/adapters/db/reports.py`) by the definitions of `bot/domain/analytics.py`.

- delivered: a campaign's rows that were sent; redeemed: its coupons redeemed by members it was
  delivered to; conversion = redeemed / delivered; lift = conversion minus the holdout's
  conversion, a held-out member counting as converted when they bought within
  `ATTRIBUTION_DAYS` of the campaign (they had no coupon to redeem: "bought anyway").
- the KPI period is [start, end); "active" is the last 30 days before `end` whatever the period.
- off-peak uplift (`OffPeakUplift`): the off-peak slots are the bottom quartile of open hours of
  the week by purchases over the `weeks` (8) before the period starts (`analytics.off_peak_slots`,
  opening hours from `[automations.off_peak]`), fixed before the period so that the period's own
  sales cannot move them. Uplift = purchases in those slots in the period / purchases in the same
  slots in the previous period of the same length - 1 (None when the previous period had none).
  All three windows are half-open, [start, end).
- NPS: % promoters (9-10) minus % detractors (0-6) among the answers to every `nps` question of
  the program's surveys given in the period, truncated toward zero (`bot.domain.surveys.nps`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from bot.domain.analytics import conversion, lift
from bot.domain.surveys import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN

ATTRIBUTION_DAYS = 14


@dataclass(frozen=True, slots=True)
class CampaignStats:
    name: str
    """A broadcast's campaign name, or an automation's name (its runs summed)."""
    delivered: int
    redeemed: int
    held_out: int
    holdout_converted: int
    created_at: datetime | None = None

    @property
    def conversion(self) -> Fraction | None:
        return conversion(self.redeemed, self.delivered)

    @property
    def lift(self) -> Fraction | None:
        return lift(self.redeemed, self.delivered, self.holdout_converted, self.held_out)

    def plus(self, other: CampaignStats) -> CampaignStats:
        return CampaignStats(
            self.name,
            self.delivered + other.delivered,
            self.redeemed + other.redeemed,
            self.held_out + other.held_out,
            self.holdout_converted + other.holdout_converted,
            max(filter(None, (self.created_at, other.created_at)), default=None),
        )


@dataclass(frozen=True, slots=True)
class OffPeakUplift:
    slots: tuple[int, ...]
    """The off-peak hours of the week (weekday * 24 + hour, program time zone)."""
    current: int
    """Purchases in those slots in the period."""
    previous: int
    """Purchases in those slots in the previous period of the same length."""

    @property
    def uplift(self) -> Fraction | None:
        return Fraction(self.current, self.previous) - 1 if self.previous else None


def slot_counts(slots: Iterable[int], per_slot: Mapping[int, int]) -> int:
    """Purchases in `slots`, from purchases per hour of the week."""
    return sum(per_slot.get(slot, 0) for slot in set(slots))


@dataclass(frozen=True, slots=True)
class NetPromoterScore:
    answers: int
    promoters: int
    detractors: int

    @classmethod
    def of(cls, counts: Mapping[int, int]) -> NetPromoterScore:
        """From answers per score (0..10)."""
        return cls(
            answers=sum(counts.values()),
            promoters=sum(n for score, n in counts.items() if score >= NPS_PROMOTER_MIN),
            detractors=sum(n for score, n in counts.items() if score <= NPS_DETRACTOR_MAX),
        )

    @property
    def score(self) -> int | None:
        """-100..100, truncated toward zero; None without answers."""
        if not self.answers:
            return None
        return int(Fraction(100 * (self.promoters - self.detractors), self.answers))


@dataclass(frozen=True, slots=True)
class Kpis:
    start: datetime
    end: datetime
    members_total: int
    new_by_channel: dict[str, int]
    active: int
    buyers: int
    repeat_buyers: int
    purchases: int
    spend: int
    """Net of refunds, minor units, in the period."""
    points_issued: int
    points_redeemed: int
    points_outstanding: int
    vip_count: int
    vip_spend: int
    lapsed: int
    returned: int
    growth: list[tuple[datetime, int]] = field(default_factory=list)
    """Members (cumulative) at the end of each day of the period."""
    heatmap: dict[int, int] = field(default_factory=dict)
    """Purchases per hour of the week (program time zone) in the period."""
    off_peak: OffPeakUplift | None = None
    nps: NetPromoterScore = NetPromoterScore(0, 0, 0)

    @property
    def new_members(self) -> int:
        return sum(self.new_by_channel.values())

    @property
    def repeat_rate(self) -> Fraction | None:
        return Fraction(self.repeat_buyers, self.buyers) if self.buyers else None

    @property
    def average_check(self) -> int | None:
        return self.spend // self.purchases if self.purchases else None

    @property
    def visit_frequency(self) -> Fraction | None:
        """Purchases per buyer in the period."""
        return Fraction(self.purchases, self.buyers) if self.buyers else None

    @property
    def redemption_rate(self) -> Fraction | None:
        return Fraction(self.points_redeemed, self.points_issued) if self.points_issued else None

    @property
    def vip_share(self) -> Fraction | None:
        return Fraction(self.vip_spend, self.spend) if self.spend > 0 else None


REGULAR_WEEKS = 8
"""A regular: at least `analytics.DEFAULT_REGULAR_MIN_PURCHASES` purchases in the last 8 weeks."""
SPEND_WINDOW_DAYS = 30
"""Regulars' spend is compared over their first 30 days after joining and the last 30 days;
only regulars who joined at least 60 days ago count, so the two windows never overlap."""


@dataclass(frozen=True, slots=True)
class RegularsSpend:
    regulars: int
    first_spend: int
    """Their spend in their first 30 days as members, summed, minor units."""
    recent_spend: int
    """Their spend in the last 30 days, summed."""

    @property
    def growth(self) -> Fraction | None:
        """How much more they spend now: recent / first - 1 (None when the first is zero)."""
        if self.first_spend <= 0:
            return None
        return Fraction(self.recent_spend, self.first_spend) - 1


@dataclass(frozen=True, slots=True)
class StaffScore:
    name: str
    registered: int
    purchases: int


@dataclass(frozen=True, slots=True)
class Review:
    """The launch review, from the first member's joining to now.

    - VIPs: the `vip` automation's delivered, redeemed, conversion and lift;
    - off-peak: the `off_peak` automation likewise (its coupons work only in the quiet slots,
      so a redeemed coupon is an off-peak sale); `off_peak_sales` = those redeemed coupons;
    - lost members: win-back targets (treated) and those who bought within the return window;
    - the promotion that resonated most: the highest conversion among automations and
      broadcasts with at least one delivery (ties: more redeemed, then the name);
    - regulars then and now (`RegularsSpend`); registrations by joining channel; the staff
      leaderboard since launch (registrations, then purchases recorded)."""

    since: datetime | None
    until: datetime
    vip: CampaignStats | None
    off_peak: CampaignStats | None
    off_peak_sales: int
    winback_treated: int
    winback_returned: int
    best: CampaignStats | None
    regulars: RegularsSpend
    registrations: dict[str, int]
    leaderboard: list[StaffScore]
