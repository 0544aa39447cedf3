"""Surveys defined in the program file, and the rules of answering them.

A survey is a list of questions of five kinds; a member answers them in order, one at a time,
and an answer is always checked against the question it was given for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.domain.program import Localized

RATING_RANGE = range(1, 6)
NPS_RANGE = range(0, 11)
NPS_DETRACTOR_MAX = 6
NPS_PROMOTER_MIN = 9
DONE = "="
"""The value of a multiple-choice question's "Done" button."""
MULTIPLE_SEPARATOR = ","


class QuestionKind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RATING = "rating"
    """1 to 5."""
    NPS = "nps"
    """0 to 10: "How likely are you to recommend us?"."""
    TEXT = "text"


class Audience(StrEnum):
    ALL = "all"
    TIER = "tier"
    """Members of one tier (`Survey.tier`)."""
    BUYERS = "buyers"
    """Members with at least one purchase."""


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    text: Localized


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: QuestionKind
    text: Localized
    options: tuple[Option, ...] = ()
    max_length: int = 500
    """The longest free-text answer, in characters."""

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True, slots=True)
class Survey:
    id: str
    title: Localized
    questions: tuple[Question, ...]
    starts: date | None = None
    ends: date | None = None
    """Inclusive, in the program's time zone."""
    audience: Audience = Audience.ALL
    tier: str | None = None
    points: int | None = None
    """The reward; None: the program's `[rewards].survey`."""

    def active_on(self, day: date) -> bool:
        return (self.starts is None or self.starts <= day) and (
            self.ends is None or day <= self.ends
        )

    def open_to(self, tier_code: str, has_purchases: bool) -> bool:
        if self.audience is Audience.TIER:
            return tier_code == self.tier
        if self.audience is Audience.BUYERS:
            return has_purchases
        return True


class AnswerProblem(StrEnum):
    """Why an answer was refused (`InvalidInput` reasons)."""

    STALE = "survey-stale"
    """Not the question the member is at (an earlier question's button, a double tap)."""
    OPTION = "survey-option-invalid"
    EMPTY = "survey-choose-one"
    TOO_LONG = "survey-text-too-long"


def parse_answer(question: Question, value: str, draft: tuple[str, ...] = ()) -> str:
    """The stored form of an answer to `question`, or ValueError(AnswerProblem).

    - single: an option code; rating: 1..5; nps: 0..10; text: 1..max_length characters
      (stripped);
    - multiple: only `DONE` completes it, with the options chosen so far (`draft`, at least
      one), stored comma-separated in the question's option order.
    """
    kind = question.kind
    if kind is QuestionKind.SINGLE:
        if question.option(value) is None:
            raise ValueError(AnswerProblem.OPTION)
        return value
    if kind is QuestionKind.MULTIPLE:
        if value != DONE:
            raise ValueError(AnswerProblem.OPTION)
        chosen = [o.code for o in question.options if o.code in draft]
        if not chosen:
            raise ValueError(AnswerProblem.EMPTY)
        return MULTIPLE_SEPARATOR.join(chosen)
    if kind in (QuestionKind.RATING, QuestionKind.NPS):
        allowed = RATING_RANGE if kind is QuestionKind.RATING else NPS_RANGE
        if _score(value) not in allowed:
            raise ValueError(AnswerProblem.OPTION)
        return str(int(value))
    text = value.strip()
    if not text:
        raise ValueError(AnswerProblem.EMPTY)
    if len(text) > question.max_length:
        raise ValueError(AnswerProblem.TOO_LONG)
    return text


def toggle(question: Question, draft: tuple[str, ...], code: str) -> tuple[str, ...]:
    """A multiple-choice selection with `code` switched on or off (ValueError for an unknown
    option)."""
    if question.kind is not QuestionKind.MULTIPLE or question.option(code) is None:
        raise ValueError(AnswerProblem.OPTION)
    chosen = set(draft) ^ {code}
    return tuple(o.code for o in question.options if o.code in chosen)


def nps(scores: list[int]) -> int | None:
    """Net promoter score: % promoters (9-10) minus % detractors (0-6), rounded toward zero;
    None without answers."""
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= NPS_PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= NPS_DETRACTOR_MAX)
    return int((promoters - detractors) * 100 / len(scores))


def is_detractor(score: int) -> bool:
    return score <= NPS_DETRACTOR_MAX


@dataclass(frozen=True, slots=True)
class SurveyProgress:
    """A member's stored pass through a survey."""

    response_id: int
    member_id: int
    survey_id: str
    position: int
    """Index of the question being asked; len(questions) once every one is answered."""
    draft: tuple[str, ...]
    completed: bool
    staff_id: int | None = None


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """One of a member's answers, for their data export."""

    survey_id: str
    question_id: str
    value: str
    answered_at: datetime


# --- the post-purchase rating -------------------------------------------------------------


class RatingProblem(StrEnum):
    """Why a rating tap was refused (`InvalidInput` reasons)."""

    UNKNOWN = "rating-unknown"
    """No such prompt, or another member's."""
    DONE = "rating-done"
    """Rated already: the first tap counts."""
    OUT_OF_RANGE = "rating-out-of-range"


def parse_rating(value: str) -> int:
    """A post-purchase rating as tapped: 1..5 (ValueError(RatingProblem.OUT_OF_RANGE))."""
    score = _score(value)
    if score is None or score not in RATING_RANGE:
        raise ValueError(RatingProblem.OUT_OF_RANGE)
    return score


def _score(value: str) -> int | None:
    """A button's score: ASCII digits only (`str.isdigit` also takes "٣" and "²")."""
    return int(value) if value.isascii() and value.isdigit() else None


@dataclass(frozen=True, slots=True)
class RatingPrompt:
    """A post-purchase rating prompt and, once the member tapped, its score."""

    id: int
    member_id: int
    purchase_id: int
    prompted_at: datetime
    score: int | None = None
    rated_at: datetime | None = None
