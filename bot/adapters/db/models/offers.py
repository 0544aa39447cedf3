"""Coupons (personal offers) and the automations' record of whom they targeted."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import Campaign


class Coupon(Model):
    # One offer issued to one member, valid in [valid_from, valid_until) and, when
    # `hours_of_week` is set, only in those hours of the week (weekday * 24 + hour, program
    # timezone). Redeemed at most once: the redemption is a guarded UPDATE .. WHERE status =
    # 'active'. `issue_key` makes issuing idempotent (a re-run issues nothing new).

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="coupons", on_delete=fields.CASCADE
    )
    member_id: int
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="coupons", null=True, on_delete=fields.RESTRICT
    )
    campaign_id: int | None
    automation = fields.CharField(max_length=32, null=True)
    offer_code = fields.CharField(max_length=32)
    discount_bp = fields.IntField(default=0)
    bonus_points = fields.IntField(default=0)
    category = fields.CharField(max_length=32, null=True)
    valid_from = fields.DatetimeField()
    valid_until = fields.DatetimeField()
    hours_of_week: Any = fields.JSONField(null=True)
    status = fields.CharField(max_length=16, default="active")
    issue_key = fields.CharField(max_length=160, unique=True)
    issued_at = fields.DatetimeField()
    redeemed_at = fields.DatetimeField(null=True)
    redeemed_by = fields.BigIntField(null=True)

    class Meta:
        table = "coupons"
        indexes = (("member_id", "status"), ("status", "valid_until"))


class AutomationTarget(Model):
    # A member an automation selected in one run, treated or held out; the cooldown looks
    # back over these rows, and `returned_at` records a lapsed member's purchase within the
    # attribution window after the win-back.

    id = fields.BigIntField(primary_key=True)
    automation = fields.CharField(max_length=32)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="automation_targets", on_delete=fields.CASCADE
    )
    member_id: int
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="targets", on_delete=fields.RESTRICT
    )
    campaign_id: int
    held_out = fields.BooleanField(default=False)
    targeted_at = fields.DatetimeField()
    returned_at = fields.DatetimeField(null=True)

    class Meta:
        table = "automation_targets"
        unique_together = (("campaign", "member"),)
        indexes = (("automation", "member_id", "targeted_at"),)


class VipMembership(Model):
    # A spell in the VIP segment: joined when a run first finds the member in the top decile,
    # left when a later run no longer does.

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="vip_spells", on_delete=fields.CASCADE
    )
    member_id: int
    joined_at = fields.DatetimeField()
    left_at = fields.DatetimeField(null=True)

    class Meta:
        table = "vip_memberships"
        indexes = (("member_id", "left_at"),)
