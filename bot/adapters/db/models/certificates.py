"""Gift certificates (only their codes' digests) and the wrong codes members typed."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.core import Member


class Certificate(Model):
    # A gift certificate worth `points`. The code itself is shown once at issue and never
    # stored: `code_digest` is the SHA-256 of its canonical form (bot/domain/certificates.py).
    # Single use: redeeming sets `used_at` with a guarded UPDATE ... WHERE used_at IS NULL.

    id = fields.BigIntField(primary_key=True)
    code_digest = fields.CharField(max_length=64, unique=True)
    points = fields.BigIntField()
    expires_at = fields.DatetimeField(null=True)
    created_by = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="certificates", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "certificates"


class CertificateAttempt(Model):
    # A code a member typed that is not a certificate; counted for the rate limit, in the
    # database so that a restart does not reset it.

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="certificate_attempts", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()

    class Meta:
        table = "certificate_attempts"
        indexes = (("member_id", "created_at"),)
