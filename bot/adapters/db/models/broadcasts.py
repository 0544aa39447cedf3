"""The owner's broadcasts: what to send to which segment, now or at a scheduled moment."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.delivery import Campaign


class Broadcast(Model):
    # One `/broadcast`: its campaign (the outbox rows), the segment it targets and the owner's
    # content. A scheduled one keeps status "scheduled" until the scheduler job enqueues it
    # (a guarded UPDATE .. WHERE status = 'scheduled', so two runs never enqueue it twice); the
    # segment is selected then, on the members as they are at that moment.
    id = fields.IntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "models.Campaign", related_name="broadcasts", on_delete=fields.RESTRICT
    )
    campaign_id: int
    segment = fields.CharField(max_length=32)
    segment_arg = fields.CharField(max_length=64, null=True)
    text = fields.TextField()
    photo = fields.CharField(max_length=255, null=True)
    button_url = fields.CharField(max_length=512, null=True)
    offer_code = fields.CharField(max_length=32, null=True)
    status = fields.CharField(max_length=16)
    scheduled_for = fields.DatetimeField(null=True)
    enqueued_at = fields.DatetimeField(null=True)
    recipients = fields.IntField(default=0)
    created_by = fields.BigIntField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "broadcasts"
        indexes = (("status", "scheduled_for"),)
