# Redemption requests remember the staff message's language (its outcome is edited in it) and
# are found by status and expiry. (makemigrations also proposed re-creating
# processed_updates.update_id, the known false diff; dropped, as in 0002-0004.)
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_staff')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RedemptionRequest',
            name='staff_locale',
            field=fields.CharField(default='ru', max_length=8),
        ),
        ops.AddIndex(
            model_name='RedemptionRequest',
            index=Index(fields=['status', 'expires_at']),
        ),
    ]
