"""Staff invites, card scans (one operation per card token), redemption requests, the audit log."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.api import ApiKey
from bot.adapters.db.models.core import Member, Outlet, Staff


class StaffInvite(Model):
    # A single-use link that makes whoever opens it staff; only the token's digest is stored.

    id = fields.IntField(primary_key=True)
    token_digest = fields.CharField(max_length=64, unique=True)
    role = fields.CharField(max_length=16)
    outlet: fields.ForeignKeyNullableRelation[Outlet] = fields.ForeignKeyField(
        "models.Outlet", related_name="invites", null=True, on_delete=fields.RESTRICT
    )
    created_by = fields.BigIntField()
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="invite", null=True, on_delete=fields.SET_NULL
    )
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_invites"


class CardScan(Model):
    # A card token seen at the till. The unique digest makes a token usable once; the scan
    # then allows one operation (used_at), by the staff member who scanned it.

    id = fields.BigIntField(primary_key=True)
    token_digest = fields.CharField(max_length=64, unique=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="scans", on_delete=fields.CASCADE
    )
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="scans", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    operation = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "card_scans"


class RedemptionRequest(Model):
    # Points a cashier asked to redeem; they move only when the customer confirms in time.

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="redemption_requests", on_delete=fields.CASCADE
    )
    # Asked by a cashier (staff) or by a POS through the API (api_key); exactly one is set.
    staff: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="redemption_requests", null=True, on_delete=fields.CASCADE
    )
    api_key: fields.ForeignKeyNullableRelation[ApiKey] = fields.ForeignKeyField(
        "models.ApiKey", related_name="redemption_requests", null=True, on_delete=fields.CASCADE
    )
    points = fields.BigIntField()
    check_amount = fields.BigIntField()
    status = fields.CharField(max_length=16, default="pending")
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    staff_chat_id = fields.BigIntField(null=True)
    staff_message_id = fields.BigIntField(null=True)
    # The language the staff message is in, so a later edit (the outcome) matches it.
    staff_locale = fields.CharField(max_length=8, default="ru")

    class Meta:
        table = "redemption_requests"
        indexes = (("status", "expires_at"),)


class AuditEntry(Model):
    # Every staff action, append-only.

    id = fields.BigIntField(primary_key=True)
    actor_telegram_id = fields.BigIntField(db_index=True)
    staff: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="audit", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharField(max_length=32)
    member_id = fields.BigIntField(null=True)
    details: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "audit_log"
        indexes = (("staff_id", "action", "created_at"),)
