"""Programs for the domain tests: the example `program.toml` built by hand, and a strategy."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from bot.domain.program import (
    Category,
    EarnRules,
    ExpiryRules,
    Limits,
    Program,
    ProgramModel,
    RedeemRules,
    Tier,
    TierRules,
)

SILVER = Tier(code="silver", name={"en": "Silver"}, threshold=0, earn_rate_bp=300, discount_bp=0)
GOLD = Tier(
    code="gold", name={"en": "Gold"}, threshold=1_500_000, earn_rate_bp=500, discount_bp=300
)
PLATINUM = Tier(
    code="platinum", name={"en": "Platinum"}, threshold=5_000_000, earn_rate_bp=700, discount_bp=500
)


def coffee_program(model: ProgramModel = ProgramModel.COMBINED) -> Program:
    """The example program.toml ("Coffee & Co") in domain units: kopecks, basis points."""
    return Program(
        name="Coffee & Co",
        model=model,
        tiers=TierRules(window_days=365, levels=(SILVER, GOLD, PLATINUM)),
        categories=(
            Category(code="coffee", name={"en": "Coffee"}, multiplier_pct=200),
            Category(code="food", name={"en": "Food"}, multiplier_pct=100),
            Category(code="merch", name={"en": "Merch"}, multiplier_pct=100),
        ),
        earn=EarnRules(min_purchase=10_000, max_points_per_purchase=5000),
        redeem=RedeemRules(point_value=100, min_points=50, max_share_bp=3000),
        expiry=ExpiryRules(after_days=365, remind_days_before=7),
        limits=Limits(max_purchase_amount=10_000_000),
    )


@st.composite
def programs(draw: st.DrawFn) -> Program:
    """Any valid program: the ranges the program file accepts."""
    thresholds = sorted(draw(st.sets(st.integers(1, 10_000_000), max_size=4)))
    levels = tuple(
        Tier(
            code=f"t{i}",
            name={"en": f"T{i}"},
            threshold=threshold,
            earn_rate_bp=draw(st.integers(0, 10_000)),
            discount_bp=draw(st.integers(0, 10_000)),
        )
        for i, threshold in enumerate([0, *thresholds])
    )
    return replace(
        coffee_program(draw(st.sampled_from(ProgramModel))),
        tiers=TierRules(levels=levels),
        categories=(
            Category(code="c", name={"en": "C"}, multiplier_pct=draw(st.integers(0, 10_000))),
        ),
        earn=EarnRules(
            min_purchase=draw(st.integers(0, 100_000)),
            max_points_per_purchase=draw(st.none() | st.integers(1, 100_000)),
        ),
        redeem=RedeemRules(
            point_value=draw(st.integers(1, 10_000)),
            min_points=draw(st.integers(1, 1_000)),
            max_share_bp=draw(st.integers(0, 10_000)),
        ),
    )
