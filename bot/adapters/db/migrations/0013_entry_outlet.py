from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0012_webhook_events")]

    initial = False

    operations = [
        ops.AddField(
            model_name="LedgerEntry",
            name="outlet",
            field=fields.ForeignKeyField(
                "models.Outlet",
                source_field="outlet_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="entries",
                on_delete=OnDelete.RESTRICT,
            ),
        ),
    ]
