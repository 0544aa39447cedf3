"""Survey answer rules and the NPS, and the referral decision."""

from __future__ import annotations

import pytest

from bot.domain.referrals import ReferralOutcome, decide
from bot.domain.surveys import (
    DONE,
    AnswerProblem,
    Option,
    Question,
    QuestionKind,
    RatingProblem,
    nps,
    parse_answer,
    parse_rating,
    toggle,
)

CHOICES = (Option("a", {"en": "A"}), Option("b", {"en": "B"}), Option("c", {"en": "C"}))
SINGLE = Question("q1", QuestionKind.SINGLE, {"en": "?"}, CHOICES)
MULTIPLE = Question("q2", QuestionKind.MULTIPLE, {"en": "?"}, CHOICES)
RATING = Question("q3", QuestionKind.RATING, {"en": "?"})
NPS = Question("q4", QuestionKind.NPS, {"en": "?"})
TEXT = Question("q5", QuestionKind.TEXT, {"en": "?"}, max_length=5)


@pytest.mark.parametrize(
    ("question", "value", "stored"),
    [
        (SINGLE, "b", "b"),
        (RATING, "1", "1"),
        (RATING, "5", "5"),
        (NPS, "0", "0"),
        (NPS, "10", "10"),
        (TEXT, "  hi  ", "hi"),
        (TEXT, "12345", "12345"),
    ],
)
def test_answers_that_fit_are_stored_normalized(
    question: Question, value: str, stored: str
) -> None:
    assert parse_answer(question, value) == stored


@pytest.mark.parametrize(
    ("question", "value", "problem"),
    [
        (SINGLE, "z", AnswerProblem.OPTION),
        (RATING, "0", AnswerProblem.OPTION),
        (RATING, "6", AnswerProblem.OPTION),
        (RATING, "-1", AnswerProblem.OPTION),
        (NPS, "11", AnswerProblem.OPTION),
        (NPS, "x", AnswerProblem.OPTION),
        (NPS, "٣", AnswerProblem.OPTION),  # a digit, but no button sends it
        (TEXT, "   ", AnswerProblem.EMPTY),
        (TEXT, "123456", AnswerProblem.TOO_LONG),
        (MULTIPLE, "a", AnswerProblem.OPTION),
        (MULTIPLE, DONE, AnswerProblem.EMPTY),
    ],
)
def test_answers_that_do_not_fit_are_refused(
    question: Question, value: str, problem: AnswerProblem
) -> None:
    with pytest.raises(ValueError, match=problem.value):
        parse_answer(question, value)


def test_multiple_choice_ticks_untick_and_keep_the_option_order() -> None:
    draft = toggle(MULTIPLE, (), "c")
    draft = toggle(MULTIPLE, draft, "a")
    draft = toggle(MULTIPLE, draft, "b")
    draft = toggle(MULTIPLE, draft, "b")
    assert draft == ("a", "c")
    assert parse_answer(MULTIPLE, DONE, draft) == "a,c"
    with pytest.raises(ValueError):
        toggle(MULTIPLE, draft, "z")


def test_nps_is_promoters_minus_detractors_in_percent() -> None:
    assert nps([]) is None
    assert nps([10, 9, 8, 7]) == 50
    assert nps([0, 6, 9]) == -33
    assert nps([7, 8]) == 0


def _decide(**overrides: object) -> ReferralOutcome:
    facts: dict[str, object] = {
        "friend_id": 2,
        "friend_phone": "+79990000002",
        "referrer_phone": "+79990000001",
        "referrer_active": True,
        "referrer_chain": [],
        "paid_this_month": 0,
        "monthly_cap": 10,
    }
    return decide(**(facts | overrides))  # type: ignore[arg-type]


def test_referral_outcomes() -> None:
    assert _decide() is ReferralOutcome.PAID
    assert _decide(friend_phone="+79990000001") is ReferralOutcome.SAME_PHONE
    assert _decide(referrer_chain=[5, 2]) is ReferralOutcome.CIRCULAR
    assert _decide(referrer_active=False) is ReferralOutcome.REFERRER_GONE
    assert _decide(paid_this_month=10) is ReferralOutcome.CAPPED
    assert _decide(paid_this_month=10, monthly_cap=None) is ReferralOutcome.PAID
    assert not ReferralOutcome.SAME_PHONE.pays_friend
    assert not ReferralOutcome.CIRCULAR.pays_friend
    assert ReferralOutcome.CAPPED.pays_friend and not ReferralOutcome.CAPPED.pays_referrer


@pytest.mark.parametrize("value", ["1", "3", "5"])
def test_a_rating_of_one_to_five_is_read(value: str) -> None:
    assert parse_rating(value) == int(value)


@pytest.mark.parametrize("value", ["0", "6", "-1", "", "x", "4.5", "٣"])
def test_a_rating_outside_one_to_five_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match=RatingProblem.OUT_OF_RANGE):
        parse_rating(value)
