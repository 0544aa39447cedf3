# The owner's broadcasts (/broadcast): segment, content, schedule and status of each.
# (Written against the models as makemigrations writes it; the processed_updates false diff is
# not included, as in 0002-0006.)
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0006_offers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Broadcast',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='broadcasts', on_delete=OnDelete.RESTRICT)),
                ('segment', fields.CharField(max_length=32)),
                ('segment_arg', fields.CharField(null=True, max_length=64)),
                ('text', fields.TextField()),
                ('photo', fields.CharField(null=True, max_length=255)),
                ('button_url', fields.CharField(null=True, max_length=512)),
                ('offer_code', fields.CharField(null=True, max_length=32)),
                ('status', fields.CharField(max_length=16)),
                ('scheduled_for', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('enqueued_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('recipients', fields.IntField(default=0)),
                ('created_by', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'broadcasts', 'app': 'models', 'indexes': [Index(fields=['status', 'scheduled_for'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
