import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import rules
from bot.domain.errors import InvalidInput
from bot.domain.rules import Reversal, refund_reversal


def test_full_refund_reverses_everything() -> None:
    assert refund_reversal(45_000, 22, 135, 0, 0, 0, 45_000) == Reversal(22, 135)


def test_partial_refunds_reverse_exactly_the_whole_in_the_end() -> None:
    # Three equal thirds of 450 ₽ with 22 points earned: 7.33 -> 7, 14.67 -> 14 (7 more), 22 (8).
    first = refund_reversal(45_000, 22, 0, 0, 0, 0, 15_000)
    second = refund_reversal(45_000, 22, 0, 15_000, 7, 0, 15_000)
    third = refund_reversal(45_000, 22, 0, 30_000, 14, 0, 15_000)
    assert (first, second, third) == (Reversal(7, 0), Reversal(7, 0), Reversal(8, 0))


def test_partial_refund_returns_spent_points_in_proportion() -> None:
    assert refund_reversal(45_000, 22, 135, 0, 0, 0, 10_000) == Reversal(4, 30)


def test_refund_of_a_purchase_without_points_reverses_nothing() -> None:
    assert refund_reversal(5_000, 0, 0, 0, 0, 0, 5_000) == Reversal(0, 0)


@pytest.mark.parametrize(
    ("already", "refund", "reason"),
    [
        (0, 45_001, rules.REFUND_EXCEEDS_REMAINING),
        (45_000, 1, rules.REFUND_EXCEEDS_REMAINING),
        (30_000, 15_001, rules.REFUND_EXCEEDS_REMAINING),
        (0, 0, rules.REFUND_NOT_POSITIVE),
        (0, -1, rules.REFUND_NOT_POSITIVE),
        (45_001, 1, rules.REFUND_STATE_INVALID),
    ],
)
def test_refund_beyond_what_remains_is_refused(already: int, refund: int, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        refund_reversal(45_000, 22, 0, already, 0, 0, refund)
    assert caught.value.details["reason"] == reason


def test_inconsistent_earlier_reversals_are_refused() -> None:
    with pytest.raises(InvalidInput):
        refund_reversal(45_000, 22, 0, 15_000, 23, 0, 15_000)


@st.composite
def refund_plans(draw: st.DrawFn) -> tuple[int, int, int, list[int]]:
    amount = draw(st.integers(1, 10**7))
    earned = draw(st.integers(0, 10**5))
    used = draw(st.integers(0, 10**5))
    cuts = sorted(draw(st.sets(st.integers(1, amount - 1), max_size=8))) if amount > 1 else []
    bounds = [0, *cuts, amount]
    return amount, earned, used, [b - a for a, b in itertools.pairwise(bounds)]


@given(refund_plans())
def test_partial_refunds_add_up_to_the_full_reversal(
    plan: tuple[int, int, int, list[int]],
) -> None:
    amount, earned, used, parts = plan
    refunded = reversed_earned = returned_used = 0
    for part in parts:
        step = refund_reversal(amount, earned, used, refunded, reversed_earned, returned_used, part)
        assert type(step.earned_to_reverse) is int and type(step.used_to_return) is int
        assert step.earned_to_reverse >= 0 and step.used_to_return >= 0
        refunded += part
        reversed_earned += step.earned_to_reverse
        returned_used += step.used_to_return
        # Never more than the refunded share: the member keeps the rest until it is refunded.
        assert reversed_earned * amount <= earned * refunded
        assert returned_used * amount <= used * refunded
    assert (reversed_earned, returned_used) == (earned, used)
    with pytest.raises(InvalidInput):
        refund_reversal(amount, earned, used, refunded, reversed_earned, returned_used, 1)
