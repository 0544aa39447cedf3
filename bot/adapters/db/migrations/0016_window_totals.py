# Spend and purchase counts per member and category over the automations' windows, kept by the
# purchase path and moved forward by the selections (bot/adapters/db/segments.py). Empty here:
# each window length is built from the purchases the first time a selection asks for it.
from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("models", "0015_member_activity")]

    initial = False

    operations = [
        ops.CreateModel(
            name="MemberWindowTotal",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("window_seconds", fields.IntField()),
                ("member_id", fields.IntField()),
                ("category", fields.CharField(max_length=32)),
                ("spend", fields.BigIntField()),
                ("n", fields.IntField()),
            ],
            options={"table": "member_window_totals", "app": "models", "unique_together": (("window_seconds", "member_id", "category"),), "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberWindowBuyer",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("window_seconds", fields.IntField()),
                ("member_id", fields.IntField()),
                ("spend", fields.BigIntField()),
                ("n", fields.IntField()),
                ("last_e", fields.BigIntField()),
            ],
            options={"table": "member_window_buyers", "app": "models", "unique_together": (("window_seconds", "member_id"),), "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WindowRoll",
            fields=[
                ("window_seconds", fields.IntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ("boundary", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "window_rolls", "app": "models", "pk_attr": "window_seconds"},
            bases=["Model"],
        ),
    ]
