"""The surveys, referrals and ratings part of a member's data export (`/mydata`,
`Membership.export`): what the member answered, who brought them and whom they brought, and
how they rated their purchases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.ledger import EntryReason, LedgerEntry
from bot.domain.members import Member
from bot.domain.ports import UnitOfWork
from bot.domain.program import Program, localized
from bot.domain.surveys import MULTIPLE_SEPARATOR, QuestionKind, StoredAnswer

REFERRAL_REASONS = frozenset({EntryReason.REFERRAL_REFERRER, EntryReason.REFERRAL_FRIEND})


async def social_data(
    uow: UnitOfWork, program: Program, member: Member, entries: Sequence[LedgerEntry]
) -> dict[str, Any]:
    """`survey_answers`, `referrals` and `ratings` of the export, oldest first.

    - an answer names its survey and question (id and text in the member's language), the
      stored value and, for a choice, the options' texts; a free-text answer erased by
      `/forget` is "";
    - referrals: the member who referred them (id and first name), the friends they
      referred (first name, when they finished joining, whether their qualifying purchase
      was recorded and the decision taken), and the referral rewards among `entries` (the
      member's ledger entries, newest first as the ledger lists them);
    - ratings: each post-purchase prompt with its score (None until tapped).
    """
    answers = await uow.surveys.member_answers(member.id)
    referrer = await uow.members.get(member.referred_by_id) if member.referred_by_id else None
    friends = await uow.referrals.friends(member.id)
    ratings = await uow.surveys.member_ratings(member.id)
    return {
        "survey_answers": [_answer(program, member.locale, a) for a in answers],
        "referrals": {
            "referred_by": (
                {"member_id": referrer.id, "first_name": referrer.first_name}
                if referrer is not None
                else None
            ),
            "friends": [
                {
                    "first_name": friend.first_name,
                    "joined_at": friend.joined_at.isoformat() if friend.joined_at else None,
                    "bought": friend.outcome is not None,
                    "outcome": friend.outcome,
                }
                for friend in friends
            ],
            "rewards": [
                {
                    "created_at": entry.created_at.isoformat(),
                    "points": entry.amount,
                    "reason": entry.reason.value,
                }
                for entry in reversed(entries)
                if entry.reason in REFERRAL_REASONS
            ],
        },
        "ratings": [
            {
                "purchase_id": rating.purchase_id,
                "prompted_at": rating.prompted_at.isoformat(),
                "score": rating.score,
                "rated_at": rating.rated_at.isoformat() if rating.rated_at else None,
            }
            for rating in ratings
        ],
    }


def _answer(program: Program, locale: str, answer: StoredAnswer) -> dict[str, Any]:
    survey = program.survey(answer.survey_id)
    question = (
        next((q for q in survey.questions if q.id == answer.question_id), None) if survey else None
    )
    shown = answer.value
    if question is not None and question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        options = [question.option(code) for code in answer.value.split(MULTIPLE_SEPARATOR)]
        shown = ", ".join(localized(o.text, locale) for o in options if o is not None)
    return {
        "survey_id": answer.survey_id,
        "question_id": answer.question_id,
        "question": localized(question.text, locale) if question else None,
        "answer": shown,
        "value": answer.value,
        "answered_at": answer.answered_at.isoformat(),
    }
