"""The post-purchase rating: the member's tap, and the owner's summary.

The prompt is queued with the purchase (bot/services/rating_prompts.py); docs/SURVEYS.md
describes both.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import InvalidInput, PermissionDenied
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.staff import Actor, Role
from bot.domain.surveys import RATING_RANGE, RatingProblem, parse_rating
from bot.services.social import active_member


@dataclass(frozen=True, slots=True)
class RatingSummary:
    count: int
    average: float | None
    """For display only; None without ratings."""
    distribution: dict[int, int]
    """Every score 1..5 -> how many purchases got it."""


class Ratings:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def rate(self, telegram_id: int, prompt_id: int, value: str) -> int:
        """The member tapped a score under a rating prompt; returns the score stored.

        - a score of 1..5 (InvalidInput `rating-out-of-range`);
        - the prompt must be this member's (InvalidInput `rating-unknown`: callback data is
          the client's and may name anyone's prompt);
        - once: a second tap, or another score later, is `rating-done` (a guarded update
          lets exactly one through).
        """
        try:
            score = parse_rating(value)
        except ValueError:
            reason = RatingProblem.OUT_OF_RANGE
            raise InvalidInput(reason, reason=reason) from None
        async with self._uow() as uow:
            member = await active_member(uow, telegram_id)
            prompt = await uow.surveys.rating_prompt(prompt_id)
            if prompt is None or prompt.member_id != member.id:
                raise InvalidInput(RatingProblem.UNKNOWN, reason=RatingProblem.UNKNOWN)
            if not await uow.surveys.set_rating(prompt_id, score, self._clock.now()):
                raise InvalidInput(RatingProblem.DONE, reason=RatingProblem.DONE)
        return score

    async def summary(self, actor: Actor) -> RatingSummary:
        """How purchases were rated: count, average and the count of each score; owners
        only (PermissionDenied)."""
        if actor.role is not Role.OWNER:
            raise PermissionDenied("permission-denied", action="ratings")
        async with self._uow() as uow:
            counts = await uow.surveys.rating_counts()
        total = sum(counts.values())
        average = sum(s * n for s, n in counts.items()) / total if total else None
        return RatingSummary(total, average, {s: counts.get(s, 0) for s in RATING_RANGE})
