"""The loyalty program's rules as plain, validated values.

The program file (`program.toml`) is parsed and checked by an adapter; what reaches the domain is
this immutable model. Money is in minor currency units (kopecks, cents), points are whole numbers,
percentages are basis points (1 % = 100 bp) and multipliers are percent (x2 = 200): no floats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain.coalition import PartnerConfig
    from bot.domain.surveys import Survey


class ProgramModel(StrEnum):
    POINTS = "points"
    TIERS = "tiers"
    COMBINED = "combined"


class RewardReason(StrEnum):
    """Named non-purchase rewards; the amounts come from the program file."""

    WELCOME = "welcome"
    BIRTHDAY = "birthday"
    SURVEY = "survey"
    REFERRAL_REFERRER = "referral_referrer"
    REFERRAL_FRIEND = "referral_friend"
    CHANNEL_JOIN = "channel_join"


Localized = dict[str, str]
"""A text per locale code, e.g. {"ru": "Кофе", "en": "Coffee"}."""


def localized(texts: Localized, locale: str, fallback: str = "ru") -> str:
    """The text in `locale`, else the fallback locale's, else any."""
    if locale in texts:
        return texts[locale]
    if fallback in texts:
        return texts[fallback]
    return next(iter(texts.values()), "")


@dataclass(frozen=True, slots=True)
class Tier:
    code: str
    name: Localized
    threshold: int
    """Spend over the tier window (minor units) from which this tier applies."""
    earn_rate_bp: int
    """Points earned as basis points of the purchase amount (500 = 5 %)."""
    discount_bp: int = 0
    """Accumulative discount shown to staff, separate from points (500 = 5 %)."""


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: Localized
    multiplier_pct: int = 100
    """Earning multiplier in percent: 200 doubles the points of this category."""


@dataclass(frozen=True, slots=True)
class EarnRules:
    min_purchase: int = 0
    """Purchases below this amount (minor units) earn nothing."""
    max_points_per_purchase: int | None = None


@dataclass(frozen=True, slots=True)
class RedeemRules:
    point_value: int = 100
    """Worth of one point in minor units (100 = 1 currency unit)."""
    min_points: int = 1
    max_share_bp: int = 3000
    """The most of a check that points may pay for (3000 = 30 %)."""


@dataclass(frozen=True, slots=True)
class TierRules:
    window_days: int = 365
    levels: tuple[Tier, ...] = ()
    """Ordered by threshold, the first at 0."""


@dataclass(frozen=True, slots=True)
class ExpiryRules:
    after_days: int | None = None
    """Earned points expire this many days after they were earned; None: never."""
    remind_days_before: int = 7


@dataclass(frozen=True, slots=True)
class Limits:
    max_purchase_amount: int = 10_000_000
    """Largest purchase a cashier may record (minor units)."""
    accruals_per_member_per_hour: int = 3
    operations_per_staff_per_hour: int = 60


@dataclass(frozen=True, slots=True)
class Offer:
    """An offer the automations hand out as a coupon: a discount and/or bonus points."""

    code: str
    name: Localized
    discount_bp: int = 0
    bonus_points: int = 0
    category: str | None = None
    valid_days: int = 14


AUTOMATIONS = (
    "birthday",
    "expiry_reminder",
    "points_expiry",
    "tier_recalculation",
    "winback",
    "vip",
    "favourite",
    "off_peak",
)
"""The automations a program file may configure (`[automations.<name>]`)."""


@dataclass(frozen=True, slots=True)
class Automation:
    """One automation's settings; every automation is off unless the program file enables it."""

    enabled: bool = False
    hour: int = 10
    """Local hour (program timezone) of the run."""
    weekday: int | None = None
    """0 = Monday: run weekly on that day; None: daily."""
    offer: str | None = None
    """Code of an `[[offers]]` item."""
    holdout_bp: int = 0
    cooldown_days: int = 30
    thresholds: dict[str, int] = field(default_factory=dict)
    """Named numbers the automation reads (min_days, k, days, share_percent, ...)."""

    def threshold(self, name: str, default: int) -> int:
        return self.thresholds.get(name, default)


@dataclass(frozen=True, slots=True)
class ReferralRules:
    min_purchase: int = 0
    """The friend's first purchase of at least this amount (minor units) pays the rewards."""
    monthly_cap: int | None = None
    """A referrer is rewarded for at most this many friends a calendar month."""


@dataclass(frozen=True, slots=True)
class Channel:
    """The brand's Telegram channel; joining it pays `[rewards].channel_join` once."""

    chat_id: int | str
    """What `getChatMember` is asked about: the numeric id or `@username`."""
    username: str | None = None
    """For the link `https://t.me/<username>`."""


@dataclass(frozen=True, slots=True)
class Digest:
    """The daily digest of yesterday's figures to the admin chats (`[digest]`)."""

    enabled: bool = False
    hour: int = 9
    """Local hour (program timezone) it is posted at."""


@dataclass(frozen=True, slots=True)
class PostPurchaseRating:
    """The optional "rate your visit" message (1-5) a member gets after a recorded purchase,
    at most once a day (docs/SURVEYS.md)."""

    enabled: bool = False
    delay_minutes: int = 60
    """How long after the purchase the message is sent."""
    question: Localized = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    currency: str = "RUB"
    timezone: str = "Europe/Moscow"
    model: ProgramModel = ProgramModel.COMBINED
    tiers: TierRules = field(default_factory=TierRules)
    categories: tuple[Category, ...] = ()
    earn: EarnRules = field(default_factory=EarnRules)
    redeem: RedeemRules = field(default_factory=RedeemRules)
    expiry: ExpiryRules = field(default_factory=ExpiryRules)
    rewards: dict[RewardReason, int] = field(default_factory=dict)
    sources: dict[str, Localized] = field(default_factory=dict)
    """Join channels (`src_<code>` deep links): code -> display name."""
    rules_text: Localized = field(default_factory=dict)
    privacy_text: Localized = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    offers: tuple[Offer, ...] = ()
    automations: dict[str, Automation] = field(default_factory=dict)
    referrals: ReferralRules = field(default_factory=ReferralRules)
    channel: Channel | None = None
    surveys: tuple[Survey, ...] = ()
    digest: Digest = field(default_factory=Digest)
    post_purchase_rating: PostPurchaseRating = field(default_factory=PostPurchaseRating)
    partners: tuple[PartnerConfig, ...] = ()
    """The coalition's brands and their outlets (`[[partners]]`); the first is the home partner
    (docs/COALITION.md)."""

    @property
    def home_partner(self) -> str | None:
        """The code of the partner that runs the program: it owns what happens at no outlet
        and keeps the settlement pool."""
        return self.partners[0].code if self.partners else None

    def survey(self, survey_id: str) -> Survey | None:
        return next((s for s in self.surveys if s.id == survey_id), None)

    def automation(self, name: str) -> Automation:
        return self.automations.get(name, Automation())

    def offer(self, code: str | None) -> Offer | None:
        return next((o for o in self.offers if o.code == code), None)

    @property
    def earns_points(self) -> bool:
        return self.model in (ProgramModel.POINTS, ProgramModel.COMBINED)

    @property
    def has_tiers(self) -> bool:
        return (
            self.model in (ProgramModel.TIERS, ProgramModel.COMBINED) and len(self.tiers.levels) > 1
        )

    def reward(self, reason: RewardReason) -> int:
        return self.rewards.get(reason, 0)

    def category(self, code: str) -> Category | None:
        return next((c for c in self.categories if c.code == code), None)

    def tier(self, code: str) -> Tier | None:
        return next((t for t in self.tiers.levels if t.code == code), None)

    @property
    def base_tier(self) -> Tier:
        return self.tiers.levels[0]
