"""The money core: append-only ledger entries, point lots for expiry, purchases, tier changes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from bot.adapters.db.models.core import Member, Outlet, Staff


class LedgerEntry(Model):
    # One change of a member's points. Never updated or deleted: a correction is a new entry.

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="entries", on_delete=fields.RESTRICT
    )
    amount = fields.BigIntField()
    reason = fields.CharField(max_length=32, db_index=True)
    actor_type = fields.CharField(max_length=16)
    actor_id = fields.BigIntField(null=True)
    idempotency_key = fields.CharField(max_length=160, unique=True)
    balance_after = fields.BigIntField()
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "models.Purchase", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    note = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(db_index=True)
    # Where a redemption that belongs to no purchase happened (a till's or a POS's request the
    # customer confirmed); a purchase's entries take the purchase's outlet. The settlement
    # groups by it (docs/COALITION.md).
    outlet: fields.ForeignKeyNullableRelation[Outlet] = fields.ForeignKeyField(
        "models.Outlet", related_name="entries", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "ledger_entries"
        indexes = (("member_id", "created_at"), ("purchase_id",))


class PointLot(Model):
    # Points earned together that expire together; spending takes the oldest-expiring first.

    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="lots", on_delete=fields.RESTRICT
    )
    entry: fields.ForeignKeyRelation[LedgerEntry] = fields.ForeignKeyField(
        "models.LedgerEntry", related_name="lots", on_delete=fields.RESTRICT
    )
    amount = fields.BigIntField()
    remaining = fields.BigIntField()
    earned_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "point_lots"
        indexes = (("member_id", "remaining"), ("entry_id",))


class Purchase(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="purchases", on_delete=fields.RESTRICT
    )
    outlet: fields.ForeignKeyNullableRelation[Outlet] = fields.ForeignKeyField(
        "models.Outlet", related_name="purchases", null=True, on_delete=fields.RESTRICT
    )
    staff: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="purchases", null=True, on_delete=fields.RESTRICT
    )
    amount = fields.BigIntField()
    # The check amount before points, in minor units.
    points_used = fields.BigIntField(default=0)
    points_earned = fields.BigIntField(default=0)
    category = fields.CharField(max_length=32, null=True, db_index=True)
    receipt_no = fields.CharField(max_length=64, null=True)
    channel = fields.CharField(max_length=16, default="bot")
    idempotency_key = fields.CharField(max_length=160, unique=True)
    request_hash = fields.CharField(max_length=64)
    refunded_amount = fields.BigIntField(default=0)
    points_earned_reversed = fields.BigIntField(default=0)
    points_used_returned = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "purchases"
        # The second covers the automations' selections over a window of purchases
        # (bot/adapters/db/segments.py): read from the index alone, without a table lookup
        # per purchase (docs/PERFORMANCE.md, "Segments").
        indexes = (
            ("member_id", "created_at"),
            ("created_at", "member_id", "amount", "refunded_amount", "category"),
        )


class Refund(Model):
    # A full or partial refund of a purchase; its key makes a replayed refund a no-op.

    id = fields.BigIntField(primary_key=True)
    purchase: fields.ForeignKeyRelation[Purchase] = fields.ForeignKeyField(
        "models.Purchase", related_name="refunds", on_delete=fields.RESTRICT
    )
    amount = fields.BigIntField()
    points_earned_reversed = fields.BigIntField()
    points_used_returned = fields.BigIntField()
    idempotency_key = fields.CharField(max_length=160, unique=True)
    request_hash = fields.CharField(max_length=64)
    created_at = fields.DatetimeField()

    class Meta:
        table = "refunds"


class TierChange(Model):
    id = fields.BigIntField(primary_key=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "models.Member", related_name="tier_changes", on_delete=fields.RESTRICT
    )
    from_tier = fields.CharField(max_length=32)
    to_tier = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=16)
    created_at = fields.DatetimeField()

    class Meta:
        table = "tier_changes"


class MemberActivity(Model):
    # A read model of each buyer's rhythm, kept by the purchase path in the purchase's own
    # transaction (`SqlSegments.purchase_added`): the "we miss you" selection reads one row a
    # member instead of running window functions over every purchase (docs/PERFORMANCE.md,
    # "Segments"). Rebuilt from purchases by the migration that made it and by `bench.gen_data`.

    member_id = fields.IntField(primary_key=True, generated=False)
    last_e = fields.BigIntField(db_index=True)
    # The latest purchase, in epoch seconds.
    median_gap = fields.FloatField(null=True)
    # The median gap between visits in seconds (purchases less than an hour apart are one
    # visit); NULL with a single visit.

    class Meta:
        table = "member_activity"


class WindowRoll(Model):
    # How far the totals of one window length (`MemberWindowTotal`) have been moved: they hold
    # the purchases made after `boundary` (`SqlSegments.window_totals_at`).

    window_seconds = fields.IntField(primary_key=True, generated=False)
    boundary = fields.DatetimeField()

    class Meta:
        table = "window_rolls"


class MemberWindowTotal(Model):
    # Spend and purchase count per member and category ('' for none) over a window of the latest
    # purchases, for the window selections (favourite, VIP): added to by the purchase path,
    # reduced by refunds, moved forward by the selections themselves (docs/DECISIONS.md).

    id = fields.BigIntField(primary_key=True)
    window_seconds = fields.IntField()
    member_id = fields.IntField()
    category = fields.CharField(max_length=32)
    spend = fields.BigIntField()
    n = fields.IntField()

    class Meta:
        table = "member_window_totals"
        unique_together = (("window_seconds", "member_id", "category"),)


class MemberWindowBuyer(Model):
    # Spend, purchase count and latest purchase per member over a window of the latest
    # purchases, for VIP; kept like `MemberWindowTotal`.

    id = fields.BigIntField(primary_key=True)
    window_seconds = fields.IntField()
    member_id = fields.IntField()
    spend = fields.BigIntField()
    n = fields.IntField()
    last_e = fields.BigIntField()
    # The latest purchase, in epoch seconds.

    class Meta:
        table = "member_window_buyers"
        unique_together = (("window_seconds", "member_id"),)
