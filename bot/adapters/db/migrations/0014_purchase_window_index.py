# A covering index for the automations' selections over a window of purchases (favourite,
# VIP, off-peak, tier spend): the range on created_at is read from the index alone.
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0013_entry_outlet")]

    initial = False

    operations = [
        ops.AddIndex(
            model_name="Purchase",
            index=Index(fields=["created_at", "member_id", "amount", "refunded_amount", "category"]),
        ),
    ]
