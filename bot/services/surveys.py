"""Surveys: a member answers a program-file survey one question at a time, can stop and come
back, and is rewarded once; the owner reads the results.

Progress lives in the database (`survey_responses.position`), not in the conversation state,
so a member resumes where they stopped after a restart or on another worker. docs/SURVEYS.md
draws the conversation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain.delivery import KIND_PRIORITY, Button, DeliveryKind, MessageContent
from bot.domain.errors import InvalidInput, PermissionDenied
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import Member, MemberStatus
from bot.domain.ports import ChatNotifier, Clock, UnitOfWorkFactory
from bot.domain.program import Program, RewardReason
from bot.domain.staff import Actor, Role
from bot.domain.surveys import (
    DONE,
    MULTIPLE_SEPARATOR,
    AnswerProblem,
    Audience,
    Question,
    QuestionKind,
    Survey,
    SurveyProgress,
    is_detractor,
    nps,
    parse_answer,
    toggle,
)
from bot.services.ledger import Ledger
from bot.services.social import active_member

T = TypeVar("T")

SURVEY_UNKNOWN = "survey-unknown"
"""No such survey, not active today, or not for this member."""
SURVEY_DONE = "survey-done"


@dataclass(frozen=True, slots=True)
class Step:
    """Where a member is in a survey after their last action."""

    survey: Survey
    index: int
    """Of `question`; len(survey.questions) when finished."""
    draft: tuple[str, ...] = ()
    """A multiple-choice question's options ticked so far."""
    finished: bool = False
    points: int = 0
    """Credited for finishing (0 when the survey gives none)."""

    @property
    def question(self) -> Question | None:
        return None if self.finished else self.survey.questions[self.index]


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    answers: int
    counts: dict[str, int] = field(default_factory=dict)
    """Choices: option code -> how many chose it; rating and NPS: score -> how many."""
    average: float | None = None
    """Rating and NPS (for display only; the stored answers stay exact)."""
    nps: int | None = None


@dataclass(frozen=True, slots=True)
class SurveyResults:
    survey: Survey
    started: int
    completed: int
    questions: tuple[QuestionResult, ...]


class Surveys:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        program: Program,
        ledger: Ledger,
        notifier: ChatNotifier,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program
        self._ledger = ledger
        self._notifier = notifier
        self._tz = ZoneInfo(program.timezone)

    async def available(self, telegram_id: int) -> list[Survey]:
        """The surveys a member may answer now: active today (program time zone), open to
        their audience (all, their tier, buyers), not completed by them. Empty for someone
        who has not finished joining."""
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None or member.status is not MemberStatus.ACTIVE:
                return []
            done = await uow.surveys.completed_surveys(member.id)
            bought = await uow.surveys.has_purchases(member.id)
        return [s for s in self._open(member, bought) if s.id not in done]

    def _open(self, member: Member, bought: bool) -> list[Survey]:
        today = self._clock.now().astimezone(self._tz).date()
        return [
            s
            for s in self._program.surveys
            if s.active_on(today) and s.open_to(member.tier_code, bought)
        ]

    async def start(self, telegram_id: int, survey_id: str, staff_code: str | None = None) -> Step:
        """Begin a survey, or resume it at the question the member stopped at.

        - a member who finished joining; a survey active today and open to them
          (InvalidInput `survey-unknown`), not completed (InvalidInput `survey-done`);
        - `staff_code` (a staff member's survey link, `sv_<survey>_<code>`) credits an active
          staff member with the response; only when the response is created.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            member = await active_member(uow, telegram_id)
            bought = await uow.surveys.has_purchases(member.id)
            survey = next((s for s in self._open(member, bought) if s.id == survey_id), None)
            if survey is None:
                raise InvalidInput(SURVEY_UNKNOWN, reason=SURVEY_UNKNOWN)
            progress = await uow.surveys.response(member.id, survey.id)
            if progress is None:
                staff_id = (
                    await uow.members.active_staff_id_by_code(staff_code) if staff_code else None
                )
                progress = await uow.surveys.start(member.id, survey.id, staff_id, now)
        if progress.completed:
            raise InvalidInput(SURVEY_DONE, reason=SURVEY_DONE)
        return Step(survey, progress.position, progress.draft)

    async def answer(self, telegram_id: int, survey_id: str, question_id: str, value: str) -> Step:
        """An answer to the question `question_id` of a survey the member started.

        - refused unless the member is at that very question (InvalidInput `survey-stale`: a
          button of an earlier question, the same button twice, two taps at once; the guarded
          update lets exactly one through), and unless it fits the question
          (`domain.surveys.parse_answer`);
        - a multiple-choice option ticks or unticks it (kept server-side); "Done" answers;
        - the last answer completes the survey and pays its points once per member and survey
          (key `survey:<survey>:<member>`); an NPS answer of 0-6 is forwarded to the admin
          chat with the member's free-text answers.
        """
        now = self._clock.now()
        survey = self._program.survey(survey_id)
        if survey is None:
            raise InvalidInput(SURVEY_UNKNOWN, reason=SURVEY_UNKNOWN)
        async with self._uow() as uow:
            member = await active_member(uow, telegram_id)
            progress = await uow.surveys.response(member.id, survey.id)
            question = _current(survey, progress, question_id)
            assert progress is not None
            if question.kind is QuestionKind.MULTIPLE and value != DONE:
                draft = _checked(lambda: toggle(question, progress.draft, value))
                if not await uow.surveys.set_draft(progress.response_id, progress.position, draft):
                    raise InvalidInput(AnswerProblem.STALE, reason=AnswerProblem.STALE)
                return Step(survey, progress.position, draft)
            stored = _checked(lambda: parse_answer(question, value, progress.draft))
            last = progress.position == len(survey.questions) - 1
            recorded = await uow.surveys.record_answer(
                progress.response_id, progress.position, question.id, stored, now, last=last
            )
            if not recorded:
                raise InvalidInput(AnswerProblem.STALE, reason=AnswerProblem.STALE)
            answers = await uow.surveys.answers(progress.response_id) if last else {}
        if not last:
            return Step(survey, progress.position + 1)
        reward = await self._ledger.grant_reward(
            member.id,
            RewardReason.SURVEY,
            f"survey:{survey.id}:{member.id}",
            LedgerActor.member(member.id),
            points=survey.points,
        )
        await self._forward_detractor(survey, member, answers)
        return Step(survey, len(survey.questions), finished=True, points=reward.points)

    async def _forward_detractor(
        self, survey: Survey, member: Member, answers: dict[str, str]
    ) -> None:
        scores = [
            int(answers[q.id])
            for q in survey.questions
            if q.kind is QuestionKind.NPS and q.id in answers
        ]
        if not any(is_detractor(score) for score in scores):
            return
        comment = "\n".join(
            answers[q.id]
            for q in survey.questions
            if q.kind is QuestionKind.TEXT and q.id in answers
        )
        await self._notifier.to_admins(
            [
                MessageContent(
                    "survey-detractor",
                    {
                        "survey": survey.id,
                        "name": member.display_name,
                        "member": member.id,
                        "score": min(scores),
                        "comment": comment or "-",
                    },
                )
            ]
        )

    async def push(self, actor: Actor, survey_id: str) -> int:
        """Invite the survey's audience with a message and a button that opens it; owners
        only. Active today, to active members it is open to who have not completed it; queued
        as marketing (opt-out, frequency cap and quiet hours apply). Returns how many were
        queued."""
        if actor.role is not Role.OWNER:
            raise PermissionDenied("permission-denied", action="survey-push")
        today = self._clock.now().astimezone(self._tz).date()
        survey = self._program.survey(survey_id)
        if survey is None or not survey.active_on(today):
            raise InvalidInput(SURVEY_UNKNOWN, reason=SURVEY_UNKNOWN)
        content = MessageContent(
            "survey-invite",
            {},
            buttons=((Button("survey-open", callback_data=f"svo:{survey.id}"),),),
        )
        now = self._clock.now()
        async with self._uow() as uow:
            tier = survey.tier if survey.audience is Audience.TIER else None
            members = await uow.surveys.audience(
                survey.id, tier, survey.audience is Audience.BUYERS
            )
            for member_id in members:
                await uow.outbox.add(
                    DeliveryKind.MARKETING,
                    member_id,
                    content,
                    KIND_PRIORITY[DeliveryKind.MARKETING],
                    now,
                )
        return len(members)

    async def results(self, actor: Actor, survey_id: str) -> SurveyResults:
        """Counts per option and score, rating averages and the NPS of a survey; owners
        only (PermissionDenied)."""
        if actor.role is not Role.OWNER:
            raise PermissionDenied("permission-denied", action="survey-results")
        survey = self._program.survey(survey_id)
        if survey is None:
            raise InvalidInput(SURVEY_UNKNOWN, reason=SURVEY_UNKNOWN)
        async with self._uow() as uow:
            started, completed, rows = await uow.surveys.all_answers(survey.id)
        by_question: dict[str, list[str]] = {}
        for question_id, value in rows:
            by_question.setdefault(question_id, []).append(value)
        return SurveyResults(
            survey,
            started,
            completed,
            tuple(_summarize(q, by_question.get(q.id, [])) for q in survey.questions),
        )


def _current(survey: Survey, progress: SurveyProgress | None, question_id: str) -> Question:
    if progress is None:
        raise InvalidInput(AnswerProblem.STALE, reason=AnswerProblem.STALE)
    if progress.completed:
        raise InvalidInput(SURVEY_DONE, reason=SURVEY_DONE)
    question = survey.questions[progress.position]
    if question.id != question_id:
        raise InvalidInput(AnswerProblem.STALE, reason=AnswerProblem.STALE)
    return question


def _checked(parse: Callable[[], T]) -> T:
    try:
        return parse()
    except ValueError as exc:
        reason = str(exc.args[0]) if exc.args else AnswerProblem.OPTION.value
        raise InvalidInput(reason, reason=reason) from None


def _summarize(question: Question, values: list[str]) -> QuestionResult:
    if question.kind is QuestionKind.TEXT:
        return QuestionResult(question, len(values))
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        counts = Counter(
            code for value in values for code in value.split(MULTIPLE_SEPARATOR) if code
        )
        return QuestionResult(
            question, len(values), {o.code: counts.get(o.code, 0) for o in question.options}
        )
    scores = [int(v) for v in values]
    counted = Counter(scores)
    return QuestionResult(
        question,
        len(scores),
        {str(score): counted[score] for score in sorted(counted)},
        average=sum(scores) / len(scores) if scores else None,
        nps=nps(scores) if question.kind is QuestionKind.NPS else None,
    )
