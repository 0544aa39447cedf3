from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0008_pos_api")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ReferralReward",
            fields=[
                (
                    "friend",
                    fields.OneToOneField(
                        "models.Member",
                        source_field="friend_id",
                        primary_key=True,
                        db_index=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="referral_reward",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "referrer",
                    fields.ForeignKeyField(
                        "models.Member",
                        source_field="referrer_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="referral_rewards",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("outcome", fields.CharField(max_length=16)),
                ("purchase_id", fields.BigIntField()),
                ("decided_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "referral_rewards",
                "app": "models",
                "indexes": [Index(fields=["referrer_id", "decided_at"])],
                "pk_attr": "friend_id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SurveyResponse",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "models.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="survey_responses",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("survey_id", fields.CharField(max_length=16)),
                ("position", fields.IntField(default=0)),
                (
                    "draft",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.Staff",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="survey_responses",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("started_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                (
                    "completed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "survey_responses",
                "app": "models",
                "unique_together": (("member_id", "survey_id"),),
                "indexes": [Index(fields=["survey_id", "completed_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SurveyAnswer",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "response",
                    fields.ForeignKeyField(
                        "models.SurveyResponse",
                        source_field="response_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="answers",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("question_id", fields.CharField(max_length=16)),
                ("value", fields.TextField(unique=False)),
                ("answered_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "survey_answers",
                "app": "models",
                "unique_together": (("response_id", "question_id"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
