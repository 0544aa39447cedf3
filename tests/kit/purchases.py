"""Planting purchases in tests: a row written directly, plus the read models the purchase path
keeps in the same transaction (`SqlSegments.purchase_added`)."""

from __future__ import annotations

from typing import Any

from tortoise import connections

from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.segments import SqlSegments


async def plant_purchase(**fields: Any) -> Purchase:
    """`Purchase.create(**fields)`, then the read models a real purchase keeps (the member's
    rhythm, the window totals), counting what `refunded_amount` says was refunded."""
    purchase = await Purchase.create(**fields)
    await SqlSegments(connections.get("default")).purchase_added(
        purchase.member_id,
        purchase.category,
        purchase.amount - purchase.refunded_amount,
        purchase.created_at,
    )
    return purchase
