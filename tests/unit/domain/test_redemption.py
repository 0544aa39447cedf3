import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import rules
from bot.domain.errors import InsufficientPoints, InvalidInput, RedemptionBlocked
from bot.domain.program import Program
from bot.domain.rules import max_redeemable, points_value, share_limit, validate_redemption
from tests.unit.domain.programs import coffee_program, programs

PROGRAM = coffee_program()  # 1 point = 1 ₽, at least 50 points, at most 30 % of a check


@pytest.mark.parametrize(
    ("balance", "check", "points"),
    [
        (1000, 45_000, 135),  # 30 % of 450 ₽
        (100, 45_000, 100),  # the balance limits
        (49, 45_000, 0),  # below the minimum of 50
        (1000, 10_000, 0),  # 30 % of 100 ₽ = 30 points, below the minimum
        (1000, 16_667, 50),  # 50.001 -> 50, exactly the minimum
        (1000, 16_666, 0),  # 49.998 -> 49
        (50, 45_000, 50),
        (0, 45_000, 0),
        (-10, 45_000, 0),
        (1000, 0, 0),
    ],
)
def test_max_redeemable(balance: int, check: int, points: int) -> None:
    assert max_redeemable(PROGRAM, balance, check) == points


def test_points_value_is_in_minor_units() -> None:
    assert points_value(PROGRAM, 135) == 13_500


def test_share_limit_rounds_down() -> None:
    assert share_limit(PROGRAM, 45_099) == 135  # 135.297


def test_valid_redemption_passes() -> None:
    validate_redemption(PROGRAM, balance=1000, check_amount=45_000, points=135)
    validate_redemption(PROGRAM, balance=50, check_amount=45_000, points=50)


def test_redemption_is_blocked_while_the_balance_is_negative() -> None:
    with pytest.raises(RedemptionBlocked):
        validate_redemption(PROGRAM, balance=-5, check_amount=45_000, points=50)


def test_redemption_fails_when_balance_too_low() -> None:
    with pytest.raises(InsufficientPoints):
        validate_redemption(PROGRAM, balance=100, check_amount=100_000, points=101)


@pytest.mark.parametrize(
    ("points", "reason"),
    [
        (0, rules.POINTS_NOT_POSITIVE),
        (-1, rules.POINTS_NOT_POSITIVE),
        (49, rules.REDEEM_BELOW_MINIMUM),
        (136, rules.REDEEM_ABOVE_SHARE),
    ],
)
def test_redemption_outside_the_rules_is_invalid(points: int, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_redemption(PROGRAM, balance=1000, check_amount=45_000, points=points)
    assert caught.value.details["reason"] == reason


def test_above_share_error_says_the_limit() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_redemption(PROGRAM, balance=1000, check_amount=45_000, points=200)
    assert caught.value.details["max_points"] == 135


@given(programs(), st.integers(-1000, 10**7), st.integers(0, 10**9))
def test_max_redeemable_respects_balance_share_and_minimum(
    program: Program, balance: int, check: int
) -> None:
    points = max_redeemable(program, balance, check)
    assert type(points) is int
    assert 0 <= points <= max(balance, 0)
    assert points_value(program, points) * 10_000 <= check * program.redeem.max_share_bp
    assert points == 0 or points >= program.redeem.min_points


@given(programs(), st.integers(1, 10**7), st.integers(0, 10**9))
def test_max_redeemable_is_always_a_valid_redemption(
    program: Program, balance: int, check: int
) -> None:
    points = max_redeemable(program, balance, check)
    if points > 0:
        validate_redemption(program, balance, check, points)
        with pytest.raises((InvalidInput, InsufficientPoints)):
            validate_redemption(program, balance, check, points + 1)
