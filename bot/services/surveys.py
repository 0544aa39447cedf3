"""Surveys: a member answers a program-file survey one question at a time, can stop and come
back, and is rewarded once; the owner reads the results.

Progress lives in the database (`survey_responses.position`), not in the conversation state,
so a member resumes where they stopped after a restart or on another worker. docs/SURVEYS.md
draws the conversation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain.delivery import KIND_PRIORITY, Button, DeliveryKind, MessageContent
from bot.domain.errors import InvalidInput, PermissionDenied
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import Member, MemberStatus
from bot.domain.ports import ChatNotifier, Clock, UnitOfWork, UnitOfWorkFactory
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
ASK_UNKNOWN = "survey-ask-unknown"
"""Not a purchase this staff member recorded."""
ASK_CLOSED = "survey-ask-closed"
"""No such survey open to the customer now, or they completed it."""
ASK_SENT = "survey-ask-sent"
"""The customer was asked already (or someone is credited with their response)."""


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
          staff member with the response, unless someone is credited already (`_respond`,
          the path the till's "ask the customer" takes too).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            member = await active_member(uow, telegram_id)
            bought = await uow.surveys.has_purchases(member.id)
            survey = next((s for s in self._open(member, bought) if s.id == survey_id), None)
            if survey is None:
                raise InvalidInput(SURVEY_UNKNOWN, reason=SURVEY_UNKNOWN)
            progress = await uow.surveys.response(member.id, survey.id)
            if progress is None or (staff_code and progress.staff_id is None):
                staff_id = (
                    await uow.members.active_staff_id_by_code(staff_code) if staff_code else None
                )
                progress, _ = await _respond(uow, member.id, survey.id, staff_id, now)
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
        - a survey outside its dates takes no answers (`survey-unknown`), even one started
          while it ran;
        - the last answer completes the survey and pays its points once per member and survey
          (key `survey:<survey>:<member>`) in ONE transaction (`_complete`): a crash cannot
          leave a completed survey unpaid, and a failed payment leaves the last question
          open to be answered again; an NPS answer of 0-6 is forwarded to the admin chat with
          the member's free-text answers.
        """
        now = self._clock.now()
        survey = self._program.survey(survey_id)
        if survey is None or not survey.active_on(now.astimezone(self._tz).date()):
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
            is_last = progress.position == len(survey.questions) - 1
            if not is_last:
                recorded = await uow.surveys.record_answer(
                    progress.response_id, progress.position, question.id, stored, now, last=False
                )
                if not recorded:
                    raise InvalidInput(AnswerProblem.STALE, reason=AnswerProblem.STALE)
        if not is_last:
            return Step(survey, progress.position + 1)
        return await self._complete(survey, member, progress, question.id, stored)

    async def _complete(
        self, survey: Survey, member: Member, progress: SurveyProgress, question_id: str, value: str
    ) -> Step:
        """Store the last answer and pay the reward in the ledger's transaction for the
        reward (`grant_reward(within=...)`, the member locked): both or neither. A copy of the
        answer that lost the race finds the position moved (stale) or the key paid (a
        replay, which never stores anything): either way it is refused as stale."""
        answers: dict[str, str] = {}

        async def store_last_answer(uow: UnitOfWork) -> None:
            recorded = await uow.surveys.record_answer(
                progress.response_id,
                progress.position,
                question_id,
                value,
                self._clock.now(),
                last=True,
            )
            if not recorded:
                raise InvalidInput(AnswerProblem.STALE, reason=AnswerProblem.STALE)
            answers.update(await uow.surveys.answers(progress.response_id))

        reward = await self._ledger.grant_reward(
            member.id,
            RewardReason.SURVEY,
            survey_reward_key(survey.id, member.id),
            LedgerActor.member(member.id),
            points=survey.points,
            within=store_last_answer,
        )
        if reward.replayed:
            raise InvalidInput(AnswerProblem.STALE, reason=AnswerProblem.STALE)
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
        content = invitation(survey)
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

    async def to_ask(self, member_id: int) -> Survey | None:
        """The survey the till offers to ask a customer about after their purchase: the
        first one active today, open to them and not completed; None when there is none."""
        async with self._uow() as uow:
            member = await uow.members.get(member_id)
            if member is None or member.status is not MemberStatus.ACTIVE:
                return None
            done = await uow.surveys.completed_surveys(member.id)
            bought = await uow.surveys.has_purchases(member.id)
        return next((s for s in self._open(member, bought) if s.id not in done), None)

    async def ask_customer(self, actor: Actor, purchase_id: int, survey_id: str) -> None:
        """The staff member who recorded a purchase asks its customer to answer a survey.

        - an active staff member (PermissionDenied `not-staff`) who recorded this very
          purchase (InvalidInput `survey-ask-unknown`: the callback data is the client's and
          may name any purchase);
        - the survey active today, open to the customer and not completed by them
          (`survey-ask-closed`);
        - the response is created if need be and credited to the staff member exactly as
          their `sv_` link does (`_respond`); only the press that credits them queues the
          invitation (a transactional message, its button opens the survey): a second press,
          or a response someone is already credited with, is `survey-ask-sent` and queues
          nothing.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            staff = await uow.staff.active_by_telegram_id(actor.telegram_id)
            if staff is None:
                raise PermissionDenied("not-staff", reason="not-staff")
            parties = await uow.surveys.purchase_parties(purchase_id)
            if parties is None or parties[1] != staff.id:
                raise InvalidInput(ASK_UNKNOWN, reason=ASK_UNKNOWN)
            member = await uow.members.get(parties[0])
            done = await uow.surveys.completed_surveys(parties[0])
            open_ = [] if member is None else self._open(member, bought=True)
            survey = next((s for s in open_ if s.id == survey_id and s.id not in done), None)
            if member is None or member.status is not MemberStatus.ACTIVE or survey is None:
                raise InvalidInput(ASK_CLOSED, reason=ASK_CLOSED)
            _, credited = await _respond(uow, member.id, survey.id, staff.id, now)
            if not credited:
                raise InvalidInput(ASK_SENT, reason=ASK_SENT)
            await uow.outbox.add(
                DeliveryKind.TRANSACTIONAL,
                member.id,
                invitation(survey),
                KIND_PRIORITY[DeliveryKind.TRANSACTIONAL],
                now,
            )

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


def survey_reward_key(survey_id: str, member_id: int) -> str:
    """`survey:<survey>:<member>`: one reward per member and survey."""
    return f"survey:{survey_id}:{member_id}"


def invitation(survey: Survey) -> MessageContent:
    """ "Answer the survey" with a button that opens (or resumes) it."""
    return MessageContent(
        "survey-invite",
        {},
        buttons=((Button("survey-open", callback_data=f"svo:{survey.id}"),),),
    )


async def _respond(
    uow: UnitOfWork, member_id: int, survey_id: str, staff_id: int | None, now: datetime
) -> tuple[SurveyProgress, bool]:
    """The member's response, created unless it exists, and credited to `staff_id` unless
    someone already is (a staff link or the till's "ask the customer"): the one attribution
    path. True when this call credited them (a guarded update: once, whoever races)."""
    progress = await uow.surveys.start(member_id, survey_id, None, now)
    if staff_id is None or progress.completed:
        return progress, False
    credited = await uow.surveys.credit_staff(progress.response_id, staff_id)
    return replace(progress, staff_id=staff_id) if credited else progress, credited


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
