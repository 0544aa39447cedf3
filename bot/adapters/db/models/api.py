"""POS / web-shop API keys: one per outlet client, stored as a digest only."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.core import Outlet


class ApiKey(Model):
    # A key is `<key_id>.<secret>`; only the SHA-256 of the whole key is stored. `key_id` is
    # public (it names the key in logs, the CLI and the ledger's idempotency keys).

    id = fields.IntField(primary_key=True)
    key_id = fields.CharField(max_length=16, unique=True)
    digest = fields.CharField(max_length=64)
    outlet: fields.ForeignKeyRelation[Outlet] = fields.ForeignKeyField(
        "models.Outlet", related_name="api_keys", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_keys"
