import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.program import Program, ProgramModel
from bot.domain.rules import (
    money_to_next_tier,
    next_tier,
    tier_change,
    tier_discount,
    tier_for_spend,
    tier_ladder,
)
from tests.unit.domain.programs import GOLD, PLATINUM, SILVER, coffee_program, programs

PROGRAM = coffee_program()  # silver from 0, gold from 15 000 ₽, platinum from 50 000 ₽


@pytest.mark.parametrize(
    ("spend", "tier"),
    [
        (0, "silver"),
        (1_499_999, "silver"),
        (1_500_000, "gold"),
        (4_999_999, "gold"),
        (5_000_000, "platinum"),
        (10**12, "platinum"),
        (-100, "silver"),
    ],
)
def test_tier_for_spend_is_the_highest_threshold_reached(spend: int, tier: str) -> None:
    assert tier_for_spend(PROGRAM, spend).code == tier


@pytest.mark.parametrize(
    ("current", "upper"), [("silver", GOLD), ("gold", PLATINUM), ("platinum", None), ("", GOLD)]
)
def test_next_tier(current: str, upper: object) -> None:
    assert next_tier(PROGRAM, current) == upper


@pytest.mark.parametrize(
    ("spend", "missing"),
    [
        (0, 1_500_000),
        (1_000_000, 500_000),
        (1_500_000, 3_500_000),
        (4_999_999, 1),
        (5_000_000, None),
    ],
)
def test_money_to_next_tier(spend: int, missing: int | None) -> None:
    assert money_to_next_tier(PROGRAM, spend) == missing


def test_upgrade_applies_at_once() -> None:
    assert tier_change(PROGRAM, "silver", 1_500_000, allow_downgrade=False) == "gold"
    assert tier_change(PROGRAM, "silver", 6_000_000, allow_downgrade=False) == "platinum"


def test_downgrade_waits_for_recalculation() -> None:
    assert tier_change(PROGRAM, "platinum", 2_000_000, allow_downgrade=False) is None
    assert tier_change(PROGRAM, "platinum", 2_000_000, allow_downgrade=True) == "gold"
    assert tier_change(PROGRAM, "gold", 0, allow_downgrade=True) == "silver"


def test_same_tier_is_no_change() -> None:
    assert tier_change(PROGRAM, "gold", 1_500_000, allow_downgrade=True) is None


@pytest.mark.parametrize("current", ["", "bronze"])
def test_unknown_tier_is_replaced_even_without_downgrade(current: str) -> None:
    assert tier_change(PROGRAM, current, 0, allow_downgrade=False) == "silver"
    assert tier_change(PROGRAM, current, 1_600_000, allow_downgrade=False) == "gold"


def test_points_only_program_keeps_everyone_in_the_base_tier() -> None:
    program = coffee_program(ProgramModel.POINTS)
    assert tier_for_spend(program, 10**9) == SILVER
    assert next_tier(program, "silver") is None
    assert money_to_next_tier(program, 0) is None
    assert tier_change(program, "silver", 10**9, allow_downgrade=True) is None


@pytest.mark.parametrize(
    ("tier", "check", "discount"),
    [
        ("silver", 45_000, 0),
        ("gold", 45_000, 1350),  # 3 %
        ("platinum", 33_333, 1666),  # 5 % = 1666.65, rounded down
        ("gold", 0, 0),
        ("", 45_000, 0),
    ],
)
def test_tier_discount(tier: str, check: int, discount: int) -> None:
    assert tier_discount(PROGRAM, tier, check) == discount


def test_tiers_only_program_gives_the_discount() -> None:
    assert tier_discount(coffee_program(ProgramModel.TIERS), "platinum", 100_000) == 5000


def test_points_only_program_gives_no_discount() -> None:
    assert tier_discount(coffee_program(ProgramModel.POINTS), "platinum", 100_000) == 0


@given(programs(), st.integers(0, 10**8))
def test_tier_for_spend_is_reached_and_the_next_is_not(program: Program, spend: int) -> None:
    tier = tier_for_spend(program, spend)
    assert tier.threshold <= spend
    missing = money_to_next_tier(program, spend)
    assert missing is None or missing > 0
    if program.has_tiers:
        assert all(
            t.threshold <= tier.threshold or t.threshold > spend for t in program.tiers.levels
        )


@given(programs(), st.integers(0, 10**8), st.integers(0, 10**8))
def test_more_spend_never_lowers_the_tier(program: Program, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert tier_for_spend(program, low).threshold <= tier_for_spend(program, high).threshold


@given(programs(), st.integers(0, 10**8), st.sampled_from(["t0", "t1", "t2", "x"]))
def test_tier_change_never_downgrades_without_recalculation(
    program: Program, spend: int, current: str
) -> None:
    new = tier_change(program, current, spend, allow_downgrade=False)
    old = program.tier(current)
    if new is not None and old is not None:
        changed = program.tier(new)
        assert changed is not None
        assert changed.threshold > old.threshold


@given(programs(), st.sampled_from(["t0", "t1", "x"]), st.integers(0, 10**9))
def test_tier_discount_is_a_whole_amount_within_the_check(
    program: Program, tier: str, check: int
) -> None:
    discount = tier_discount(program, tier, check)
    assert type(discount) is int
    assert 0 <= discount <= check


@given(programs(), st.integers(-100, 10**8))
def test_the_ladder_the_database_reads_earns_what_tier_for_spend_earns(
    program: Program, spend: int
) -> None:
    # The SQL of the tier recalculation walks the ladder top down; it must agree with the rule.
    earned = next(
        (code for threshold, code in tier_ladder(program) if spend >= threshold),
        program.base_tier.code,
    )
    assert earned == tier_for_spend(program, spend).code
