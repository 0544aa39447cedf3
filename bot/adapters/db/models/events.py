"""The outbox of outbound webhook events (bot/domain/events.py, docs/POS_API.md)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class WebhookEvent(Model):
    # One event for the partner's server, written in the transaction of the change it reports.
    # Due while neither delivered_at nor failed_at is set and next_attempt_at has passed; a claim
    # counts the try and moves next_attempt_at a lease ahead, so a dead sender's row comes back.

    id = fields.BigIntField(primary_key=True)
    event_id = fields.UUIDField(unique=True)
    type = fields.CharField(max_length=32)
    payload: fields.JSONField[Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    delivered_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "webhook_events"
        indexes = (("delivered_at", "failed_at", "next_attempt_at"),)
