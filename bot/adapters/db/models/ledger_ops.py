"""The ledger's bookkeeping: idempotent operations with their results, and lot movements."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import LedgerEntry, PointLot


class LedgerOperation(Model):
    # One idempotent request (a purchase, a redemption, a refund, a reward, an adjustment):
    # its key, the hash of what was asked, and the result it answered, returned as is when
    # the same request is replayed.

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=160, unique=True)
    kind = fields.CharField(max_length=16)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="ledger_operations", on_delete=fields.RESTRICT
    )
    request_hash = fields.CharField(max_length=64)
    result: dict[str, Any] = fields.JSONField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_operations"


class LotMovement(Model):
    # A change of a lot's `remaining` and the entry that caused it (negative: points taken by
    # a redemption, an expiry, a refund; positive: points given back). For every lot,
    # remaining = amount + the sum of its movements.

    id = fields.BigIntField(primary_key=True)
    lot: fields.ForeignKeyRelation[PointLot] = fields.ForeignKeyField(
        "models.PointLot", related_name="movements", on_delete=fields.RESTRICT
    )
    entry: fields.ForeignKeyRelation[LedgerEntry] = fields.ForeignKeyField(
        "models.LedgerEntry", related_name="lot_movements", on_delete=fields.RESTRICT
    )
    points = fields.BigIntField()

    class Meta:
        table = "lot_movements"
        indexes = (("entry_id",), ("lot_id",))
