"""The program file (`program.toml`): its schema, and its conversion to the domain model.

Humans write money in currency units ("min_purchase = 99.90") and percentages as percent
("earn_percent = 2.5"); the schema turns them into exact integers (minor units, basis points)
and refuses anything that would lose precision.
"""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.domain.coalition import OUTLET_CODE, OutletConfig, PartnerConfig
from bot.domain.program import (
    AUTOMATIONS,
    Automation,
    Category,
    Channel,
    Digest,
    EarnRules,
    ExpiryRules,
    Limits,
    Offer,
    PostPurchaseRating,
    Program,
    ProgramModel,
    RedeemRules,
    ReferralRules,
    RewardReason,
    Tier,
    TierRules,
)
from bot.domain.surveys import Audience, Option, Question, QuestionKind, Survey

LOCALES = ("ru", "en")
CODE_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"


class ProgramFileError(Exception):
    """A program file that cannot be used: names the file, the field and the reason."""

    def __init__(self, path: Path | str, field: str, reason: str) -> None:
        self.path, self.field, self.reason = str(path), field, reason
        super().__init__(f"{self.path}: {field}: {reason}" if field else f"{self.path}: {reason}")


def _exact(value: Any, scale: int, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"must be a number of {what}")
    try:
        number = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"must be a number of {what}") from None
    scaled = number * scale
    if scaled != scaled.to_integral_value() or not number.is_finite():
        raise ValueError(f"has more decimals than {what} allow")
    return int(scaled)


def _money(value: Any) -> int:
    return _exact(value, 100, "currency units (at most 2 decimals)")


def _basis_points(value: Any) -> int:
    points = _exact(value, 100, "percent (at most 2 decimals)")
    if not 0 <= points <= 10_000:
        raise ValueError("must be a percent between 0 and 100")
    return points


def _percent_multiplier(value: Any) -> int:
    percent = _exact(value, 100, "a multiplier (at most 2 decimals)")
    if not 0 <= percent <= 10_000:
        raise ValueError("must be a multiplier between 0 and 100")
    return percent


Money = Annotated[int, BeforeValidator(_money), Field(ge=0)]
Percent = Annotated[int, BeforeValidator(_basis_points)]
Multiplier = Annotated[int, BeforeValidator(_percent_multiplier)]
Code = Annotated[str, Field(pattern=CODE_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(_Strict):
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def as_dict(self) -> dict[str, str]:
        return {"ru": self.ru, "en": self.en}


class ProgramSection(_Strict):
    name: str = Field(min_length=1, max_length=64)
    currency: str = Field(default="RUB", pattern=r"^[A-Z]{3}$")
    timezone: str = "Europe/Moscow"
    model: ProgramModel = ProgramModel.COMBINED

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class PointsSection(_Strict):
    point_value: Money = 100
    redeem_min_points: int = Field(default=1, ge=1)
    redeem_max_share: Percent = 3000
    min_purchase: Money = 0
    max_points_per_purchase: int | None = Field(default=None, ge=1)
    expire_after_days: int | None = Field(default=None, ge=1, le=3650)
    remind_days_before: int = Field(default=7, ge=1, le=60)

    @field_validator("point_value")
    @classmethod
    def _positive_value(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be greater than 0")
        return value


class TierLevel(_Strict):
    code: Code
    name: LocalizedText
    threshold: Money
    earn_percent: Percent = 0
    discount_percent: Percent = 0


class TiersSection(_Strict):
    window_days: int = Field(default=365, ge=1, le=3650)
    levels: list[TierLevel] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> TiersSection:
        if self.levels[0].threshold != 0:
            raise ValueError("the first level must have threshold 0")
        for prev, cur in zip(self.levels, self.levels[1:], strict=False):
            if cur.threshold <= prev.threshold:
                raise ValueError(
                    f"level {cur.code!r} must have a higher threshold than {prev.code!r}"
                )
        codes = [level.code for level in self.levels]
        if len(set(codes)) != len(codes):
            raise ValueError("level codes must be unique")
        return self


class CategoryItem(_Strict):
    code: Code
    name: LocalizedText
    multiplier: Multiplier = 100


class RewardsSection(_Strict):
    welcome: int = Field(default=0, ge=0)
    birthday: int = Field(default=0, ge=0)
    survey: int = Field(default=0, ge=0)
    referral_referrer: int = Field(default=0, ge=0)
    referral_friend: int = Field(default=0, ge=0)
    channel_join: int = Field(default=0, ge=0)


class LimitsSection(_Strict):
    max_purchase_amount: Money = 10_000_000
    accruals_per_member_per_hour: int = Field(default=3, ge=1)
    operations_per_staff_per_hour: int = Field(default=60, ge=1)


class OfferItem(_Strict):
    code: Code
    name: LocalizedText
    discount_percent: Percent = 0
    bonus_points: int = Field(default=0, ge=0)
    category: Code | None = None
    valid_days: int = Field(default=14, ge=1, le=365)

    @model_validator(mode="after")
    def _gives_something(self) -> OfferItem:
        if self.discount_percent == 0 and self.bonus_points == 0:
            raise ValueError("an offer needs discount_percent or bonus_points")
        return self


class AutomationSection(_Strict):
    enabled: bool = False
    hour: int = Field(default=10, ge=0, le=23)
    weekday: int | None = Field(default=None, ge=0, le=6)
    offer: Code | None = None
    holdout_percent: Percent = 0
    cooldown_days: int = Field(default=30, ge=0, le=3650)
    thresholds: dict[Code, int] = Field(default_factory=dict)


class ReferralsSection(_Strict):
    min_purchase: Money = 0
    monthly_cap: int | None = Field(default=None, ge=0)


class ChannelSection(_Strict):
    chat_id: int | None = None
    username: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_]{3,31}$")

    @model_validator(mode="after")
    def _named(self) -> ChannelSection:
        if self.chat_id is None and self.username is None:
            raise ValueError("a channel needs chat_id or username")
        return self


class DigestSection(_Strict):
    enabled: bool = False
    hour: int = Field(default=9, ge=0, le=23)


class PostPurchaseRatingSection(_Strict):
    enabled: bool = False
    delay_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    question: LocalizedText | None = None

    @model_validator(mode="after")
    def _asks_something(self) -> PostPurchaseRatingSection:
        if self.enabled and self.question is None:
            raise ValueError("an enabled post-purchase rating needs a question")
        return self


# Survey, question and option ids travel in callback data (64 bytes): kept short.
SurveyCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]{0,11}$")]


class OptionItem(_Strict):
    code: SurveyCode
    text: LocalizedText


class QuestionItem(_Strict):
    id: SurveyCode
    kind: QuestionKind
    text: LocalizedText
    options: list[OptionItem] = Field(default_factory=list, max_length=10)
    max_length: int = Field(default=500, ge=1, le=3000)

    @model_validator(mode="after")
    def _options(self) -> QuestionItem:
        choice = self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
        if choice and len(self.options) < 2:
            raise ValueError(f"question {self.id!r}: a choice needs at least 2 options")
        if not choice and self.options:
            raise ValueError(f"question {self.id!r}: only choices have options")
        codes = [o.code for o in self.options]
        if len(set(codes)) != len(codes):
            raise ValueError(f"question {self.id!r}: option codes must be unique")
        return self


class SurveyItem(_Strict):
    id: SurveyCode
    title: LocalizedText
    starts: date | None = None
    ends: date | None = None
    audience: Audience = Audience.ALL
    tier: Code | None = None
    points: int | None = Field(default=None, ge=0)
    questions: list[QuestionItem] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _consistent(self) -> SurveyItem:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError(f"survey {self.id!r}: question ids must be unique")
        if (self.audience is Audience.TIER) != (self.tier is not None):
            raise ValueError(f"survey {self.id!r}: audience 'tier' goes with a tier, only")
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError(f"survey {self.id!r}: ends before it starts")
        return self

    def to_domain(self) -> Survey:
        return Survey(
            id=self.id,
            title=self.title.as_dict(),
            starts=self.starts,
            ends=self.ends,
            audience=self.audience,
            tier=self.tier,
            points=self.points,
            questions=tuple(
                Question(
                    id=q.id,
                    kind=q.kind,
                    text=q.text.as_dict(),
                    options=tuple(Option(o.code, o.text.as_dict()) for o in q.options),
                    max_length=q.max_length,
                )
                for q in self.questions
            ),
        )


# Partner and outlet codes are typed in commands (`/apikey_new <outlet>`) and the CLI.
PartnerCode = Annotated[str, Field(pattern=f"^{OUTLET_CODE.pattern}$")]


class OutletItem(_Strict):
    code: PartnerCode
    name: str = Field(min_length=1, max_length=128)


class PartnerItem(_Strict):
    code: PartnerCode
    name: str = Field(min_length=1, max_length=128)
    outlets: list[OutletItem] = Field(default_factory=list, max_length=200)

    def to_domain(self) -> PartnerConfig:
        return PartnerConfig(
            self.code, self.name, tuple(OutletConfig(o.code, o.name) for o in self.outlets)
        )


class TextsSection(_Strict):
    rules: LocalizedText
    privacy: LocalizedText


class ProgramFile(_Strict):
    program: ProgramSection
    points: PointsSection = PointsSection()
    tiers: TiersSection
    categories: list[CategoryItem] = Field(default_factory=list)
    rewards: RewardsSection = RewardsSection()
    sources: dict[Code, LocalizedText] = Field(default_factory=dict)
    texts: TextsSection
    limits: LimitsSection = LimitsSection()
    offers: list[OfferItem] = Field(default_factory=list)
    automations: dict[str, AutomationSection] = Field(default_factory=dict)
    referrals: ReferralsSection = ReferralsSection()
    channel: ChannelSection | None = None
    surveys: list[SurveyItem] = Field(default_factory=list)
    partners: list[PartnerItem] = Field(default_factory=list, max_length=50)
    digest: DigestSection = DigestSection()
    post_purchase_rating: PostPurchaseRatingSection = PostPurchaseRatingSection()

    @model_validator(mode="after")
    def _surveys_known(self) -> ProgramFile:
        ids = [s.id for s in self.surveys]
        if len(set(ids)) != len(ids):
            raise ValueError("survey ids must be unique")
        tiers = {level.code for level in self.tiers.levels}
        for survey in self.surveys:
            if survey.tier is not None and survey.tier not in tiers:
                raise ValueError(f"survey {survey.id!r}: unknown tier {survey.tier!r}")
        return self

    @model_validator(mode="after")
    def _unique_categories(self) -> ProgramFile:
        codes = [c.code for c in self.categories]
        if len(set(codes)) != len(codes):
            raise ValueError("category codes must be unique")
        return self

    @model_validator(mode="after")
    def _unique_partners(self) -> ProgramFile:
        partners = [p.code for p in self.partners]
        if len(set(partners)) != len(partners):
            raise ValueError("partner codes must be unique")
        outlets = [o.code for p in self.partners for o in p.outlets]
        if len(set(outlets)) != len(outlets):
            raise ValueError("outlet codes must be unique across partners")
        return self

    @model_validator(mode="after")
    def _automations_known(self) -> ProgramFile:
        offers = [o.code for o in self.offers]
        if len(set(offers)) != len(offers):
            raise ValueError("offer codes must be unique")
        categories = {c.code for c in self.categories}
        for offer in self.offers:
            if offer.category is not None and offer.category not in categories:
                raise ValueError(f"offer {offer.code!r}: unknown category {offer.category!r}")
        for name, automation in self.automations.items():
            if name not in AUTOMATIONS:
                raise ValueError(f"unknown automation {name!r} (known: {', '.join(AUTOMATIONS)})")
            if automation.offer is not None and automation.offer not in offers:
                raise ValueError(f"automation {name!r}: unknown offer {automation.offer!r}")
        return self

    def to_domain(self) -> Program:
        p = self.points
        return Program(
            name=self.program.name,
            currency=self.program.currency,
            timezone=self.program.timezone,
            model=self.program.model,
            tiers=TierRules(
                window_days=self.tiers.window_days,
                levels=tuple(
                    Tier(
                        code=t.code,
                        name=t.name.as_dict(),
                        threshold=t.threshold,
                        earn_rate_bp=t.earn_percent,
                        discount_bp=t.discount_percent,
                    )
                    for t in self.tiers.levels
                ),
            ),
            categories=tuple(
                Category(code=c.code, name=c.name.as_dict(), multiplier_pct=c.multiplier)
                for c in self.categories
            ),
            earn=EarnRules(
                min_purchase=p.min_purchase, max_points_per_purchase=p.max_points_per_purchase
            ),
            redeem=RedeemRules(
                point_value=p.point_value,
                min_points=p.redeem_min_points,
                max_share_bp=p.redeem_max_share,
            ),
            expiry=ExpiryRules(
                after_days=p.expire_after_days, remind_days_before=p.remind_days_before
            ),
            rewards={RewardReason(k): v for k, v in self.rewards.model_dump().items()},
            sources={code: text.as_dict() for code, text in self.sources.items()},
            rules_text=self.texts.rules.as_dict(),
            privacy_text=self.texts.privacy.as_dict(),
            limits=Limits(**self.limits.model_dump()),
            offers=tuple(
                Offer(
                    code=o.code,
                    name=o.name.as_dict(),
                    discount_bp=o.discount_percent,
                    bonus_points=o.bonus_points,
                    category=o.category,
                    valid_days=o.valid_days,
                )
                for o in self.offers
            ),
            automations={
                name: Automation(
                    enabled=a.enabled,
                    hour=a.hour,
                    weekday=a.weekday,
                    offer=a.offer,
                    holdout_bp=a.holdout_percent,
                    cooldown_days=a.cooldown_days,
                    thresholds=dict(a.thresholds),
                )
                for name, a in self.automations.items()
            },
            referrals=ReferralRules(
                min_purchase=self.referrals.min_purchase,
                monthly_cap=self.referrals.monthly_cap,
            ),
            channel=self._channel(),
            surveys=tuple(s.to_domain() for s in self.surveys),
            partners=tuple(p.to_domain() for p in self.partners),
            digest=Digest(enabled=self.digest.enabled, hour=self.digest.hour),
            post_purchase_rating=self._post_purchase_rating(),
        )

    def _post_purchase_rating(self) -> PostPurchaseRating:
        section = self.post_purchase_rating
        return PostPurchaseRating(
            enabled=section.enabled,
            delay_minutes=section.delay_minutes,
            question=section.question.as_dict() if section.question else {},
        )

    def _channel(self) -> Channel | None:
        if self.channel is None:
            return None
        chat = self.channel.chat_id
        return Channel(
            chat_id=chat if chat is not None else f"@{self.channel.username}",
            username=self.channel.username,
        )


def parse_program(text: str, path: Path | str = "program.toml") -> Program:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProgramFileError(path, "", f"not valid TOML ({exc})") from None
    try:
        return ProgramFile.model_validate(raw).to_domain()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        reason = first["msg"].removeprefix("Value error, ")
        raise ProgramFileError(path, field, reason) from None


def load_program(path: Path) -> Program:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProgramFileError(path, "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProgramFileError(path, "", f"cannot be read ({exc})") from None
    return parse_program(text, path)
