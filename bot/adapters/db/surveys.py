"""Survey responses and referral decisions: the repositories behind `uow.surveys` and
`uow.referrals`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.functions import Count

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.models.surveys import (
    PurchaseRating,
    ReferralReward,
    SurveyAnswer,
    SurveyResponse,
)
from bot.domain.members import MemberStatus
from bot.domain.referrals import ReferredFriend
from bot.domain.surveys import RatingPrompt, StoredAnswer, SurveyProgress


def _progress(row: SurveyResponse) -> SurveyProgress:
    return SurveyProgress(
        response_id=row.id,
        member_id=row.member_id,
        survey_id=row.survey_id,
        position=row.position,
        draft=tuple(row.draft or ()),
        completed=row.completed_at is not None,
        staff_id=row.staff_id,
    )


class TortoiseSurveys:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def response(self, member_id: int, survey_id: str) -> SurveyProgress | None:
        row = (
            await SurveyResponse.filter(member_id=member_id, survey_id=survey_id)
            .using_db(self._db)
            .first()
        )
        return _progress(row) if row else None

    async def start(
        self, member_id: int, survey_id: str, staff_id: int | None, now: datetime
    ) -> SurveyProgress:
        """The member's response, created unless it exists (a concurrent start loses
        quietly: the unique (member, survey) pair keeps one)."""
        await SurveyResponse.bulk_create(
            [
                SurveyResponse(
                    member_id=member_id, survey_id=survey_id, staff_id=staff_id, started_at=now
                )
            ],
            ignore_conflicts=True,
            using_db=self._db,
        )
        progress = await self.response(member_id, survey_id)
        assert progress is not None
        return progress

    async def set_draft(self, response_id: int, position: int, draft: tuple[str, ...]) -> bool:
        updated = (
            await SurveyResponse.filter(id=response_id, position=position, completed_at=None)
            .using_db(self._db)
            .update(draft=list(draft))
        )
        return bool(updated)

    async def record_answer(
        self,
        response_id: int,
        position: int,
        question_id: str,
        value: str,
        now: datetime,
        *,
        last: bool,
    ) -> bool:
        """Store the answer to the question at `position` and move on, only if the response
        is still at that question (False otherwise, and nothing changes)."""
        changes: dict[str, Any] = {"position": position + 1, "draft": None}
        if last:
            changes["completed_at"] = now
        updated = (
            await SurveyResponse.filter(id=response_id, position=position, completed_at=None)
            .using_db(self._db)
            .update(**changes)
        )
        if not updated:
            return False
        await SurveyAnswer.create(
            response_id=response_id,
            question_id=question_id,
            value=value,
            answered_at=now,
            using_db=self._db,
        )
        return True

    async def answers(self, response_id: int) -> dict[str, str]:
        rows = await SurveyAnswer.filter(response_id=response_id).using_db(self._db)
        return {row.question_id: row.value for row in rows}

    async def completed_surveys(self, member_id: int) -> set[str]:
        ids = (
            await SurveyResponse.filter(member_id=member_id, completed_at__isnull=False)
            .using_db(self._db)
            .values_list("survey_id", flat=True)
        )
        return {str(i) for i in ids}

    async def has_purchases(self, member_id: int) -> bool:
        return await Purchase.filter(member_id=member_id).using_db(self._db).exists()

    async def audience(self, survey_id: str, tier_code: str | None, buyers: bool) -> list[int]:
        members = Member.filter(status=MemberStatus.ACTIVE.value)
        if tier_code is not None:
            members = members.filter(tier_code=tier_code)
        ids: set[Any] = set(await members.using_db(self._db).values_list("id", flat=True))
        if buyers:
            ids &= set(
                await Purchase.all()
                .using_db(self._db)
                .distinct()
                .values_list("member_id", flat=True)
            )
        done: set[Any] = set(
            await SurveyResponse.filter(survey_id=survey_id, completed_at__isnull=False)
            .using_db(self._db)
            .values_list("member_id", flat=True)
        )
        return sorted(int(i) for i in ids - done)

    async def erase_answers(self, member_id: int, questions: set[tuple[str, str]]) -> None:
        responses = await SurveyResponse.filter(member_id=member_id).using_db(self._db)
        for response in responses:
            ids = [q for survey, q in questions if survey == response.survey_id]
            if ids:
                await (
                    SurveyAnswer.filter(response_id=response.id, question_id__in=ids)
                    .using_db(self._db)
                    .update(value="")
                )

    async def all_answers(self, survey_id: str) -> tuple[int, int, list[tuple[str, str]]]:
        """(responses started, responses completed, every (question id, value))."""
        started = await SurveyResponse.filter(survey_id=survey_id).using_db(self._db).count()
        completed = (
            await SurveyResponse.filter(survey_id=survey_id, completed_at__isnull=False)
            .using_db(self._db)
            .count()
        )
        rows = (
            await SurveyAnswer.filter(response__survey_id=survey_id)
            .using_db(self._db)
            .values_list("question_id", "value")
        )
        return started, completed, [(str(q), str(v)) for q, v in rows]

    async def credit_staff(self, response_id: int, staff_id: int) -> bool:
        updated = (
            await SurveyResponse.filter(id=response_id, staff_id=None, completed_at=None)
            .using_db(self._db)
            .update(staff_id=staff_id)
        )
        return bool(updated)

    async def purchase_parties(self, purchase_id: int) -> tuple[int, int | None] | None:
        row = await Purchase.filter(id=purchase_id).using_db(self._db).first()
        return (row.member_id, row.staff_id) if row else None  # type: ignore[attr-defined]

    async def member_answers(self, member_id: int) -> list[StoredAnswer]:
        rows = (
            await SurveyAnswer.filter(response__member_id=member_id)
            .using_db(self._db)
            .order_by("answered_at", "id")
            .values_list("response__survey_id", "question_id", "value", "answered_at")
        )
        return [StoredAnswer(str(s), str(q), str(v), a) for s, q, v, a in rows]

    async def add_rating_prompt(self, member_id: int, purchase_id: int, now: datetime) -> int:
        row = await PurchaseRating.create(
            member_id=member_id, purchase_id=purchase_id, prompted_at=now, using_db=self._db
        )
        return int(row.id)

    async def rating_prompts_since(self, member_id: int, since: datetime) -> int:
        return (
            await PurchaseRating.filter(member_id=member_id, prompted_at__gte=since)
            .using_db(self._db)
            .count()
        )

    async def rating_prompt(self, prompt_id: int) -> RatingPrompt | None:
        row = await PurchaseRating.filter(id=prompt_id).using_db(self._db).first()
        return _rating(row) if row else None

    async def set_rating(self, prompt_id: int, score: int, now: datetime) -> bool:
        updated = (
            await PurchaseRating.filter(id=prompt_id, score=None)
            .using_db(self._db)
            .update(score=score, rated_at=now)
        )
        return bool(updated)

    async def rating_counts(self) -> dict[int, int]:
        rows = (
            await PurchaseRating.filter(score__isnull=False)
            .using_db(self._db)
            .annotate(n=Count("id"))
            .group_by("score")
            .values_list("score", "n")
        )
        return {int(score): int(n) for score, n in rows}

    async def member_ratings(self, member_id: int) -> list[RatingPrompt]:
        rows = await PurchaseRating.filter(member_id=member_id).using_db(self._db).order_by("id")
        return [_rating(row) for row in rows]


def _rating(row: PurchaseRating) -> RatingPrompt:
    return RatingPrompt(
        id=row.id,
        member_id=row.member_id,
        purchase_id=row.purchase_id,
        prompted_at=row.prompted_at,
        score=row.score,
        rated_at=row.rated_at,
    )


class TortoiseReferrals:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def chain(self, member_id: int, depth: int) -> list[int]:
        """The member's referrer, that one's referrer, ... (at most `depth`, nearest first)."""
        chain: list[int] = []
        current: int | None = member_id
        while current is not None and len(chain) < depth:
            row = await Member.filter(id=current).using_db(self._db).first()
            current = row.referred_by_id if row else None  # type: ignore[attr-defined]
            if current is None or current in chain:
                break
            chain.append(current)
        return chain

    async def decision(self, friend_id: int) -> str | None:
        row = await ReferralReward.filter(friend_id=friend_id).using_db(self._db).first()
        return row.outcome if row else None

    async def count_outcome_since(self, referrer_id: int, outcome: str, since: datetime) -> int:
        return (
            await ReferralReward.filter(
                referrer_id=referrer_id, outcome=outcome, decided_at__gte=since
            )
            .using_db(self._db)
            .count()
        )

    async def decide(
        self, friend_id: int, referrer_id: int, outcome: str, purchase_id: int, now: datetime
    ) -> str:
        """Store the decision unless one exists; returns the stored one (the first wins)."""
        await ReferralReward.bulk_create(
            [
                ReferralReward(
                    friend_id=friend_id,
                    referrer_id=referrer_id,
                    outcome=outcome,
                    purchase_id=purchase_id,
                    decided_at=now,
                )
            ],
            ignore_conflicts=True,
            using_db=self._db,
        )
        stored = await self.decision(friend_id)
        assert stored is not None
        return stored

    async def friends(self, referrer_id: int) -> list[ReferredFriend]:
        rows = await Member.filter(referred_by_id=referrer_id).using_db(self._db).order_by("id")
        outcomes = dict(
            await ReferralReward.filter(referrer_id=referrer_id)
            .using_db(self._db)
            .values_list("friend_id", "outcome")
        )
        return [
            ReferredFriend(
                first_name=row.first_name,
                joined_at=row.joined_at,
                outcome=outcomes.get(row.id),
            )
            for row in rows
        ]

    async def counts(self, referrer_id: int) -> tuple[int, int]:
        """(friends who joined, friends whose qualifying purchase was recorded)."""
        joined = (
            await Member.filter(referred_by_id=referrer_id, status=MemberStatus.ACTIVE.value)
            .using_db(self._db)
            .count()
        )
        bought = await ReferralReward.filter(referrer_id=referrer_id).using_db(self._db).count()
        return joined, bought
