from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0011_member_external_id")]

    initial = False

    operations = [
        ops.CreateModel(
            name="WebhookEvent",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("event_id", fields.UUIDField(unique=True)),
                ("type", fields.CharField(max_length=32)),
                ("payload", fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("delivered_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("failed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_error", fields.CharField(null=True, max_length=500)),
            ],
            options={"table": "webhook_events", "app": "models", "indexes": [Index(fields=["delivered_at", "failed_at", "next_attempt_at"])], "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
