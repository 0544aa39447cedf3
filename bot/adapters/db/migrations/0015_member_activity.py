# Each buyer's rhythm (latest purchase, median gap between visits), kept by the purchase path so
# that the "we miss you" selection reads one row a member; filled here from the purchases.
from typing import Any

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def fill_from_purchases(apps: Any, schema_editor: Any) -> None:
    from bot.adapters.db.segments import SqlSegments

    await SqlSegments(schema_editor.client).rebuild_activity()


class Migration(migrations.Migration):
    dependencies = [("models", "0014_purchase_window_index")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MemberActivity",
            fields=[
                ("member_id", fields.IntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ("last_e", fields.BigIntField(db_index=True)),
                ("median_gap", fields.FloatField(null=True)),
            ],
            options={"table": "member_activity", "app": "models", "pk_attr": "member_id"},
            bases=["Model"],
        ),
        ops.RunPython(fill_from_purchases, ops.RunPython.noop),
    ]
