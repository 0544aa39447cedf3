"""Survey responses and their answers, and the referral decisions."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.core import Member, Staff


class SurveyResponse(Model):
    # One member's pass through one survey (defined in the program file, named by its id).
    # `position` is the index of the question being asked; it only moves by a guarded
    # UPDATE .. WHERE position = <the question answered>, so a stale or repeated answer
    # changes nothing. `draft` holds a multiple-choice question's options ticked so far.

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="survey_responses", on_delete=fields.CASCADE
    )
    member_id: int
    survey_id = fields.CharField(max_length=16)
    position = fields.IntField(default=0)
    draft: Any = fields.JSONField(null=True)
    staff: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="survey_responses", null=True, on_delete=fields.SET_NULL
    )
    staff_id: int | None
    started_at = fields.DatetimeField()
    completed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "survey_responses"
        unique_together = (("member_id", "survey_id"),)
        indexes = (("survey_id", "completed_at"),)


class SurveyAnswer(Model):
    # The answer to one question, as `bot.domain.surveys.parse_answer` stores it.

    id = fields.BigIntField(primary_key=True)
    response: fields.ForeignKeyRelation[SurveyResponse] = fields.ForeignKeyField(
        "models.SurveyResponse", related_name="answers", on_delete=fields.CASCADE
    )
    response_id: int
    question_id = fields.CharField(max_length=16)
    value = fields.TextField()
    answered_at = fields.DatetimeField()

    class Meta:
        table = "survey_answers"
        unique_together = (("response_id", "question_id"),)


class ReferralReward(Model):
    # The decision taken at a referred friend's first qualifying purchase, once per friend
    # (`bot.domain.referrals.ReferralOutcome`). The rewards themselves are ledger entries
    # with the keys `referral:<friend id>:referrer|friend`.

    friend: fields.OneToOneRelation[Member] = fields.OneToOneField(
        "models.Member", related_name="referral_reward", primary_key=True, on_delete=fields.CASCADE
    )
    friend_id: int
    referrer: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="referral_rewards", on_delete=fields.CASCADE
    )
    referrer_id: int
    outcome = fields.CharField(max_length=16)
    purchase_id = fields.BigIntField()
    decided_at = fields.DatetimeField()

    class Meta:
        table = "referral_rewards"
        indexes = (("referrer_id", "decided_at"),)


class PurchaseRating(Model):
    # A post-purchase rating prompt (`[post_purchase_rating]`), one per purchase, written in
    # the purchase's transaction with its outbox message. `score` (1-5) is set once, by a
    # guarded UPDATE .. WHERE score IS NULL, when the member taps a button.

    id = fields.BigIntField(primary_key=True)
    purchase: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "models.Purchase", related_name="rating", on_delete=fields.CASCADE
    )
    purchase_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="purchase_ratings", on_delete=fields.CASCADE
    )
    member_id: int
    prompted_at = fields.DatetimeField()
    score = fields.SmallIntField(null=True)
    rated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "purchase_ratings"
        indexes = (("member_id", "prompted_at"),)
