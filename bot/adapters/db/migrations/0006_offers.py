# Coupons, the automations' targets (cooldowns, holdout, returns) and VIP spells.
# (makemigrations also proposed re-creating processed_updates.update_id, the known false diff;
# dropped, as in 0002-0005.)
from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_redemption_requests')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AutomationTarget',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('automation', fields.CharField(max_length=32)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='automation_targets', on_delete=OnDelete.CASCADE)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', db_constraint=True, to_field='id', related_name='targets', on_delete=OnDelete.RESTRICT)),
                ('held_out', fields.BooleanField(default=False)),
                ('targeted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('returned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'automation_targets', 'app': 'models', 'unique_together': (('campaign', 'member'),), 'indexes': [Index(fields=['automation', 'member_id', 'targeted_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Coupon',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.CASCADE)),
                ('campaign', fields.ForeignKeyField('models.Campaign', source_field='campaign_id', null=True, db_constraint=True, to_field='id', related_name='coupons', on_delete=OnDelete.RESTRICT)),
                ('automation', fields.CharField(null=True, max_length=32)),
                ('offer_code', fields.CharField(max_length=32)),
                ('discount_bp', fields.IntField(default=0)),
                ('bonus_points', fields.IntField(default=0)),
                ('category', fields.CharField(null=True, max_length=32)),
                ('valid_from', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('hours_of_week', fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='active', max_length=16)),
                ('issue_key', fields.CharField(unique=True, max_length=160)),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('redeemed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('redeemed_by', fields.BigIntField(null=True)),
            ],
            options={'table': 'coupons', 'app': 'models', 'indexes': [Index(fields=['member_id', 'status']), Index(fields=['status', 'valid_until'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VipMembership',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('member', fields.ForeignKeyField('models.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='vip_spells', on_delete=OnDelete.CASCADE)),
                ('joined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('left_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'vip_memberships', 'app': 'models', 'indexes': [Index(fields=['member_id', 'left_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
