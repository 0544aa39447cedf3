"""The outbox of proactive messages, campaigns, and the file ids of uploaded photos."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.core import Member


class Campaign(Model):
    # A broadcast to many members; its holdout share is never sent, to measure lift.

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128)
    holdout_share = fields.FloatField(default=0.0)
    status = fields.CharField(max_length=16, default="active")
    created_at = fields.DatetimeField()

    class Meta:
        table = "campaigns"


class OutboxMessage(Model):
    # One proactive message to one member. Content is a locale key plus variables, rendered in
    # the member's language at send time. A sender claims a row by setting status "sending" and
    # claimed_at; a row left "sending" longer than the lease belongs to a dead sender and is
    # claimed again. UNIQUE (campaign, member): a campaign reaches a member once (NULL campaigns,
    # the transactional messages, never collide).

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=16)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="outbox", on_delete=fields.CASCADE
    )
    campaign: fields.ForeignKeyNullableRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="messages", null=True, on_delete=fields.RESTRICT
    )
    content_key = fields.CharField(max_length=128)
    member_id: int
    campaign_id: int | None
    content_vars: fields.JSONField[Any] = fields.JSONField(default=dict)
    photo = fields.CharField(max_length=255, null=True)
    buttons: fields.JSONField[Any] = fields.JSONField(null=True)
    priority = fields.SmallIntField(default=0)
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    sent_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "outbox"
        unique_together = (("campaign", "member"),)
        indexes = (("status", "next_attempt_at"), ("member_id", "kind", "sent_at"))


class MediaFile(Model):
    # A photo uploaded to Telegram once: its file_id is reused for every later recipient.

    id = fields.IntField(primary_key=True)
    source = fields.CharField(max_length=255, unique=True)
    file_id = fields.CharField(max_length=255)
    created_at = fields.DatetimeField()

    class Meta:
        table = "delivery_media"
