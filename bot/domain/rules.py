"""The money rules of the loyalty program: earning, redeeming, tiers, the tier discount, refunds.

Pure functions of a `Program` and plain integers: money in minor units (kopecks), whole points,
rates in basis points (10 000 bp = 100 %), multipliers in percent (100 = x1).

Rounding: every formula multiplies first and divides once, at the end, with floor division, so
no intermediate value is rounded and no float is ever involved:
- points earned = floor(amount × rate_bp × multiplier_pct / (10 000 × 100 × point_value));
  a point is worth `redeem.point_value` minor units, so 5 % of 450.00 ₽ at 1 ₽ a point is 22.5,
  which earns 22 points;
- points a check may take = floor(check × max_share_bp / (10 000 × point_value));
- tier discount = floor(check × discount_bp / 10 000);
- refunds are computed cumulatively (see `refund_reversal`), so partial refunds never drift.
Rounding down favours the business by less than one point (or one minor unit) per operation.

A tier code the program does not know (a member whose tier was removed by a program reload, or a
member not yet placed in a tier) is treated as the base tier; `tier_change` corrects it.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.domain.errors import InsufficientPoints, InvalidInput, RedemptionBlocked
from bot.domain.program import Program, ProgramModel, Tier

BP = 10_000
"""Basis points in 100 %."""
PCT = 100
"""Percent in x1."""

# Reason codes carried by `InvalidInput.details["reason"]`.
AMOUNT_NEGATIVE = "amount-negative"
AMOUNT_NOT_POSITIVE = "amount-not-positive"
AMOUNT_ABOVE_LIMIT = "amount-above-limit"
POINTS_NOT_POSITIVE = "points-not-positive"
REDEEM_BELOW_MINIMUM = "redeem-below-minimum"
REDEEM_ABOVE_SHARE = "redeem-above-share"
REFUND_NOT_POSITIVE = "refund-not-positive"
REFUND_EXCEEDS_REMAINING = "refund-exceeds-remaining"
REFUND_STATE_INVALID = "refund-state-invalid"


def _invalid(reason: str, **details: int) -> InvalidInput:
    return InvalidInput(reason, reason=reason, **details)


def _require_non_negative(value: int, reason: str = AMOUNT_NEGATIVE) -> None:
    if value < 0:
        raise _invalid(reason, value=value)


# --- purchases and earning ---------------------------------------------------------------------


def validate_purchase_amount(program: Program, amount: int) -> None:
    """A purchase amount a cashier or the POS may record.

    - it is greater than 0;
    - it is at most `limits.max_purchase_amount` (a typo guard: 450000 instead of 4500.00).
    """
    if amount <= 0:
        raise _invalid(AMOUNT_NOT_POSITIVE, amount=amount)
    if amount > program.limits.max_purchase_amount:
        raise _invalid(AMOUNT_ABOVE_LIMIT, amount=amount, limit=program.limits.max_purchase_amount)


def points_for_purchase(program: Program, tier_code: str, amount: int, category_code: str) -> int:
    """Points a purchase earns.

    - none when the program does not earn points (the tiers-only model);
    - none below `earn.min_purchase`; a purchase of exactly the minimum earns;
    - otherwise the member's tier earn rate of the amount, converted to points at
      `redeem.point_value`, times the category multiplier (an unknown or empty category: x1),
      rounded down once;
    - at most `earn.max_points_per_purchase` when set.
    """
    _require_non_negative(amount)
    if not program.earns_points or amount < program.earn.min_purchase:
        return 0
    rate_bp = _effective_tier(program, tier_code).earn_rate_bp
    category = program.category(category_code)
    multiplier_pct = category.multiplier_pct if category is not None else PCT
    points = amount * rate_bp * multiplier_pct // (BP * PCT * program.redeem.point_value)
    cap = program.earn.max_points_per_purchase
    return points if cap is None else min(points, cap)


# --- redemption --------------------------------------------------------------------------------


def points_value(program: Program, points: int) -> int:
    """What `points` are worth, in minor units: points × `redeem.point_value`."""
    return points * program.redeem.point_value


def share_limit(program: Program, check_amount: int) -> int:
    """The most points `redeem.max_share_bp` of the check can take, rounded down."""
    _require_non_negative(check_amount)
    return check_amount * program.redeem.max_share_bp // (BP * program.redeem.point_value)


def max_redeemable(program: Program, balance: int, check_amount: int) -> int:
    """The most points a member may spend on a check.

    - no more than the balance, and none when the balance is 0 or negative;
    - no more than `redeem.max_share_bp` of the check, converted to points, rounded down;
    - none when that is below `redeem.min_points`.
    """
    if balance <= 0:
        return 0
    points = min(balance, share_limit(program, check_amount))
    return points if points >= program.redeem.min_points else 0


def validate_redemption(program: Program, balance: int, check_amount: int, points: int) -> None:
    """Checks a redemption of `points` on a check, in this order.

    - the points are a positive number (InvalidInput, `points-not-positive`);
    - the balance is not negative (RedemptionBlocked, until purchases bring it back);
    - the balance covers the points (InsufficientPoints);
    - the points are at least `redeem.min_points` (InvalidInput, `redeem-below-minimum`);
    - the points are at most the share of the check (InvalidInput, `redeem-above-share`).
    """
    if points <= 0:
        raise _invalid(POINTS_NOT_POSITIVE, points=points)
    if balance < 0:
        raise RedemptionBlocked(balance=balance)
    if points > balance:
        raise InsufficientPoints(balance=balance, points=points)
    if points < program.redeem.min_points:
        raise _invalid(REDEEM_BELOW_MINIMUM, points=points, min_points=program.redeem.min_points)
    limit = share_limit(program, check_amount)
    if points > limit:
        raise _invalid(REDEEM_ABOVE_SHARE, points=points, max_points=limit)


# --- tiers -------------------------------------------------------------------------------------


def _effective_tier(program: Program, tier_code: str) -> Tier:
    if not program.has_tiers:
        return program.base_tier
    return program.tier(tier_code) or program.base_tier


def _rank(program: Program, tier: Tier) -> int:
    return program.tiers.levels.index(tier)


def tier_for_spend(program: Program, spend: int) -> Tier:
    """The tier a spend over the tier window earns.

    - the level with the highest threshold at or below the spend;
    - the base tier when the program has no tiers (or a single level).
    """
    if not program.has_tiers:
        return program.base_tier
    reached = [t for t in program.tiers.levels if t.threshold <= spend]
    return max(reached, key=lambda t: t.threshold, default=program.base_tier)


def tier_ladder(program: Program) -> list[tuple[int, str]]:
    """(threshold, code) of each level, highest threshold first: `tier_for_spend` is the first
    rung the spend reaches, else the base tier (empty when the program has no tiers)."""
    if not program.has_tiers:
        return []
    return sorted(((t.threshold, t.code) for t in program.tiers.levels), reverse=True)


def next_tier(program: Program, tier_code: str) -> Tier | None:
    """The level above the member's tier; None at the top or when the program has no tiers."""
    if not program.has_tiers:
        return None
    levels = program.tiers.levels
    rank = _rank(program, _effective_tier(program, tier_code))
    return levels[rank + 1] if rank + 1 < len(levels) else None


def money_to_next_tier(program: Program, spend: int) -> int | None:
    """Spend (minor units) still missing for the next tier; None at the top or without tiers."""
    upper = next_tier(program, tier_for_spend(program, spend).code)
    return None if upper is None else upper.threshold - spend


def tier_change(
    program: Program, current_code: str, spend: int, *, allow_downgrade: bool
) -> str | None:
    """The code of the member's new tier, or None when it stays.

    - an upgrade applies at once (after any purchase);
    - a downgrade applies only at the periodic recalculation (`allow_downgrade=True`);
    - an unknown current code (a new member, a level removed from the program) is always
      replaced by the tier the spend earns.
    """
    target = tier_for_spend(program, spend)
    current = program.tier(current_code)
    if current is None:
        return target.code
    if target == current:
        return None
    if _rank(program, target) > _rank(program, current) or allow_downgrade:
        return target.code
    return None


def tier_discount(program: Program, tier_code: str, check_amount: int) -> int:
    """The accumulative discount of the member's tier on a check, in minor units.

    - shown to staff separately from points; none in the points-only model;
    - `discount_bp` of the check, rounded down.
    """
    _require_non_negative(check_amount)
    if program.model is ProgramModel.POINTS:
        return 0
    return check_amount * _effective_tier(program, tier_code).discount_bp // BP


# --- refunds -----------------------------------------------------------------------------------


class Reversal(NamedTuple):
    earned_to_reverse: int
    """Points earned by the purchase to take back."""
    used_to_return: int
    """Points spent on the purchase to give back."""


def refund_reversal(
    purchase_amount: int,
    points_earned: int,
    points_used: int,
    already_refunded_amount: int,
    already_reversed_earned: int,
    already_returned_used: int,
    refund_amount: int,
) -> Reversal:
    """The points a (partial) refund reverses.

    - proportional to the refunded share of the purchase amount;
    - computed cumulatively: after this refund, floor(points × refunded / amount) points in
      total are reversed, minus what earlier refunds reversed; so any sequence of partial refunds
      that adds up to the full amount reverses exactly `points_earned` and returns exactly
      `points_used`, with no rounding drift;
    - the refund is positive and at most what is not refunded yet (InvalidInput otherwise).
    """
    for value in (purchase_amount, points_earned, points_used):
        _require_non_negative(value, REFUND_STATE_INVALID)
    if not (
        0 <= already_refunded_amount <= purchase_amount
        and 0 <= already_reversed_earned <= points_earned
        and 0 <= already_returned_used <= points_used
    ):
        raise _invalid(REFUND_STATE_INVALID)
    if refund_amount <= 0:
        raise _invalid(REFUND_NOT_POSITIVE, refund_amount=refund_amount)
    remaining = purchase_amount - already_refunded_amount
    if refund_amount > remaining:
        raise _invalid(REFUND_EXCEEDS_REMAINING, refund_amount=refund_amount, remaining=remaining)
    refunded_after = already_refunded_amount + refund_amount
    earned_after = points_earned * refunded_after // purchase_amount
    used_after = points_used * refunded_after // purchase_amount
    # max(0, ...) only matters if earlier refunds were rounded differently (e.g. entered by hand).
    return Reversal(
        earned_to_reverse=max(0, earned_after - already_reversed_earned),
        used_to_return=max(0, used_after - already_returned_used),
    )
