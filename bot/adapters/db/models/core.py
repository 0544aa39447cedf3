"""Members, staff, outlets and partners, and processed Telegram updates."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Partner(Model):
    # A brand in a coalition; a single-brand program has one partner.

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=128)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "partners"


class Outlet(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=128)
    partner: fields.ForeignKeyNullableRelation[Partner] = fields.ForeignKeyField(
        "models.Partner", related_name="outlets", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outlets"


class Member(Model):
    # A customer. `balance` is a cached sum of the member's ledger entries, changed only by
    # guarded updates in the ledger repository.

    id = fields.IntField(primary_key=True)
    telegram_id = fields.BigIntField(unique=True, null=True)
    status = fields.CharField(max_length=16, default="joining", db_index=True)
    locale = fields.CharField(max_length=8, default="ru")
    first_name = fields.CharField(max_length=128, null=True)
    last_name = fields.CharField(max_length=128, null=True)
    username = fields.CharField(max_length=64, null=True)
    phone = fields.CharField(max_length=20, unique=True, null=True)
    # The customer's id in the POS the base was imported from (`python -m bot import`).
    external_id = fields.CharField(max_length=64, unique=True, null=True)
    birthday = fields.DateField(null=True)
    card_code = fields.CharField(max_length=12, unique=True)
    referral_code = fields.CharField(max_length=16, unique=True)
    source = fields.CharField(max_length=32, default="direct", db_index=True)
    referred_by: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="referrals", null=True, on_delete=fields.SET_NULL
    )
    registered_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="registered_members", null=True, on_delete=fields.SET_NULL
    )
    balance = fields.BigIntField(default=0)
    tier_code = fields.CharField(max_length=32, default="")
    marketing_opt_in = fields.BooleanField(default=True)
    reachable = fields.BooleanField(default=True)
    timezone = fields.CharField(max_length=64, null=True)
    consented_at = fields.DatetimeField(null=True)
    joined_at = fields.DatetimeField(null=True, db_index=True)
    forgotten_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "members"


class Staff(Model):
    id = fields.IntField(primary_key=True)
    telegram_id = fields.BigIntField(db_index=True)
    name = fields.CharField(max_length=128)
    role = fields.CharField(max_length=16)
    code = fields.CharField(max_length=16, unique=True)
    outlet: fields.ForeignKeyNullableRelation[Outlet] = fields.ForeignKeyField(
        "models.Outlet", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    removed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff"


class ProcessedUpdate(Model):
    # Telegram update ids already handled, so a re-delivered update is applied once.

    update_id = fields.BigIntField(primary_key=True, generated=False)
    processed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "processed_updates"
