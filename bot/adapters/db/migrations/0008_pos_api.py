from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0007_broadcasts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key_id', fields.CharField(unique=True, max_length=16)),
                ('digest', fields.CharField(max_length=64)),
                ('outlet', fields.ForeignKeyField('models.Outlet', source_field='outlet_id', db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_keys', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='RedemptionRequest',
            name='staff',
            field=fields.ForeignKeyField('models.Staff', source_field='staff_id', null=True, db_constraint=True, to_field='id', related_name='redemption_requests', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='RedemptionRequest',
            name='api_key',
            field=fields.ForeignKeyField('models.ApiKey', source_field='api_key_id', null=True, db_constraint=True, to_field='id', related_name='redemption_requests', on_delete=OnDelete.CASCADE),
        ),
    ]
