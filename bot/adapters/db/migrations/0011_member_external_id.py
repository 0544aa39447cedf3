from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0010_purchase_ratings")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Member",
            name="external_id",
            field=fields.CharField(max_length=64, unique=True, null=True),
        ),
    ]
