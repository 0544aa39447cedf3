from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import rules
from bot.domain.errors import InvalidInput
from bot.domain.program import EarnRules, Program, ProgramModel
from bot.domain.rules import points_for_purchase, validate_purchase_amount
from tests.unit.domain.programs import coffee_program, programs

PROGRAM = coffee_program()


@pytest.mark.parametrize(
    ("tier", "amount", "category", "points"),
    [
        ("gold", 45_000, "food", 22),  # 5 % of 450.00 ₽ = 22.50 ₽, rounded down
        ("silver", 45_000, "food", 13),  # 3 % = 13.50
        ("silver", 45_000, "coffee", 27),  # 3 % x2 = 27.00
        ("platinum", 100_000, "coffee", 140),  # 7 % x2 of 1000 ₽
        ("gold", 45_099, "food", 22),  # 22.5495
        ("gold", 46_000, "merch", 23),
    ],
)
def test_points_follow_tier_rate_and_category(
    tier: str, amount: int, category: str, points: int
) -> None:
    assert points_for_purchase(PROGRAM, tier, amount, category) == points


def test_purchase_of_exactly_the_minimum_earns() -> None:
    assert points_for_purchase(PROGRAM, "silver", 10_000, "food") == 3


def test_purchase_below_the_minimum_earns_nothing() -> None:
    assert points_for_purchase(PROGRAM, "platinum", 9_999, "coffee") == 0


def test_zero_amount_earns_nothing() -> None:
    assert points_for_purchase(replace(PROGRAM, earn=EarnRules()), "gold", 0, "food") == 0


def test_points_are_capped_per_purchase() -> None:
    # 7 % x2 of 100 000 ₽ would be 14 000 points.
    assert points_for_purchase(PROGRAM, "platinum", 10_000_000, "coffee") == 5000


def test_no_cap_when_unset() -> None:
    program = replace(PROGRAM, earn=EarnRules(min_purchase=10_000))
    assert points_for_purchase(program, "platinum", 10_000_000, "coffee") == 14_000


@pytest.mark.parametrize("category", ["tea", "", "COFFEE"])
def test_unknown_category_earns_at_x1(category: str) -> None:
    assert points_for_purchase(PROGRAM, "gold", 45_000, category) == 22


@pytest.mark.parametrize("tier", ["", "bronze"])
def test_unknown_tier_earns_at_the_base_rate(tier: str) -> None:
    assert points_for_purchase(PROGRAM, tier, 45_000, "food") == 13


def test_tiers_only_program_earns_no_points() -> None:
    program = coffee_program(ProgramModel.TIERS)
    assert points_for_purchase(program, "platinum", 100_000, "coffee") == 0


def test_points_only_program_earns_at_the_base_rate_whatever_the_tier() -> None:
    program = coffee_program(ProgramModel.POINTS)
    assert points_for_purchase(program, "platinum", 45_000, "food") == 13


def test_point_value_converts_money_to_points() -> None:
    program = replace(PROGRAM, redeem=replace(PROGRAM.redeem, point_value=1000))  # 10 ₽ a point
    assert points_for_purchase(program, "gold", 45_000, "food") == 2


def test_negative_amount_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        points_for_purchase(PROGRAM, "gold", -1, "food")
    assert caught.value.details["reason"] == rules.AMOUNT_NEGATIVE


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (0, rules.AMOUNT_NOT_POSITIVE),
        (-5, rules.AMOUNT_NOT_POSITIVE),
        (10_000_001, rules.AMOUNT_ABOVE_LIMIT),
    ],
)
def test_purchase_amount_is_validated(amount: int, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_purchase_amount(PROGRAM, amount)
    assert caught.value.details["reason"] == reason


@pytest.mark.parametrize("amount", [1, 10_000_000])
def test_purchase_amount_within_limits_is_accepted(amount: int) -> None:
    validate_purchase_amount(PROGRAM, amount)


@given(
    programs(),
    st.integers(0, 10**9),
    st.sampled_from(["t0", "t1", "x"]),
    st.sampled_from(["c", "x"]),
)
def test_points_are_whole_non_negative_and_capped(
    program: Program, amount: int, tier: str, category: str
) -> None:
    points = points_for_purchase(program, tier, amount, category)
    assert type(points) is int
    assert points >= 0
    cap = program.earn.max_points_per_purchase
    assert cap is None or points <= cap
    if not program.earns_points or amount < program.earn.min_purchase:
        assert points == 0


@given(programs(), st.integers(0, 10**9), st.integers(0, 10**9))
def test_a_bigger_purchase_never_earns_fewer_points(program: Program, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert points_for_purchase(program, "t1", low, "c") <= points_for_purchase(
        program, "t1", high, "c"
    )


@given(programs(), st.integers(0, 10**9))
def test_points_never_exceed_the_exact_value(program: Program, amount: int) -> None:
    points = points_for_purchase(program, "t0", amount, "c")
    tier = program.base_tier if not program.has_tiers else program.tier("t0")
    assert tier is not None
    category = program.category("c")
    assert category is not None
    exact_numerator = amount * tier.earn_rate_bp * category.multiplier_pct
    denominator = 10_000 * 100 * program.redeem.point_value
    assert points * denominator <= exact_numerator
