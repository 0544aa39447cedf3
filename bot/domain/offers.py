"""Coupons: personal offers with a validity window, redeemed once at the till.

A coupon is valid in [valid_from, valid_until) and, when `hours_of_week` is set, only in those
hours of the week (weekday * 24 + hour, Monday = 0) in the program's timezone: an off-peak
coupon works only in the quiet slot it was issued for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from bot.domain.analytics import hour_of_week
from bot.domain.errors import DomainError


class CouponStatus(StrEnum):
    ACTIVE = "active"
    REDEEMED = "redeemed"
    EXPIRED = "expired"


class CouponNotUsable(DomainError):
    """The coupon cannot be redeemed now; `reason` says why (not-found, redeemed, expired,
    not-yet-valid, outside-hours, other-category)."""

    code = "coupon-not-usable"


@dataclass(frozen=True, slots=True)
class Coupon:
    id: int
    member_id: int
    offer_code: str
    discount_bp: int
    bonus_points: int
    category: str | None
    valid_from: datetime
    valid_until: datetime
    hours_of_week: tuple[int, ...] | None
    status: CouponStatus
    campaign_id: int | None
    automation: str | None
    redeemed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewCoupon:
    member_id: int
    offer_code: str
    discount_bp: int
    bonus_points: int
    category: str | None
    valid_from: datetime
    valid_until: datetime
    hours_of_week: tuple[int, ...] | None
    campaign_id: int | None
    automation: str | None
    issue_key: str
    """Unique: issuing the same key again issues nothing."""


def unusable_reason(coupon: Coupon, now: datetime, tz: tzinfo) -> str | None:
    """Why the coupon cannot be redeemed at `now`, or None when it can."""
    if coupon.status is CouponStatus.REDEEMED:
        return "redeemed"
    if coupon.status is CouponStatus.EXPIRED or now >= coupon.valid_until:
        return "expired"
    if now < coupon.valid_from:
        return "not-yet-valid"
    if coupon.hours_of_week is not None and hour_of_week(now, tz) not in coupon.hours_of_week:
        return "outside-hours"
    return None


def category_reason(coupon: Coupon, category: str | None) -> str | None:
    """`other-category` when the coupon is for one category and the purchase is not in it."""
    if coupon.category is not None and coupon.category != category:
        return "other-category"
    return None


def coupon_discount(discount_bp: int, check_amount: int) -> int:
    """A coupon's discount (`discount_bp` basis points) on a check: minor units, rounded
    down."""
    return check_amount * discount_bp // 10_000
