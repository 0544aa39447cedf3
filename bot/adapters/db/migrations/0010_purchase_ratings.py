from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0009_surveys_referrals")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PurchaseRating",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                (
                    "purchase",
                    fields.OneToOneField(
                        "models.Purchase",
                        source_field="purchase_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="rating",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "member",
                    fields.ForeignKeyField(
                        "models.Member",
                        source_field="member_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="purchase_ratings",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("prompted_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("score", fields.SmallIntField(null=True)),
                (
                    "rated_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "purchase_ratings",
                "app": "models",
                "indexes": [Index(fields=["member_id", "prompted_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
