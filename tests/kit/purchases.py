"""Planting purchases in tests: a row written directly, plus the member's rhythm
(`member_activity`) that the purchase path keeps in the same transaction."""

from __future__ import annotations

from typing import Any

from tortoise import connections

from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.segments import SqlSegments


async def plant_purchase(**fields: Any) -> Purchase:
    """`Purchase.create(**fields)`, then the member's activity row as a real purchase leaves it."""
    purchase = await Purchase.create(**fields)
    await SqlSegments(connections.get("default")).refresh_activity([purchase.member_id])
    return purchase
