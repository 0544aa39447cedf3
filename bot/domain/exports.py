"""What `/export` writes: the tables, their columns, and how a forgotten member stays anonymous.

- members, purchases and the ledger, each one CSV document, rows in id order;
- money in minor units and points as whole numbers, times in UTC ISO 8601, as stored;
- a forgotten member's personal columns are empty even where a value survived (the erasure
  already cleared them: `Membership.forget`; this is the export's own guarantee), and the free
  text of their ledger entries (`note`, typed by staff, may name them) is empty too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXPORTS: dict[str, tuple[str, ...]] = {
    "members": (
        "id",
        "status",
        "telegram_id",
        "first_name",
        "last_name",
        "username",
        "phone",
        "external_id",
        "birthday",
        "locale",
        "timezone",
        "source",
        "referred_by_id",
        "registered_by_id",
        "tier_code",
        "balance",
        "marketing_opt_in",
        "reachable",
        "joined_at",
        "forgotten_at",
    ),
    "purchases": (
        "id",
        "member_id",
        "outlet_id",
        "staff_id",
        "channel",
        "amount",
        "refunded_amount",
        "points_used",
        "points_earned",
        "category",
        "receipt_no",
        "created_at",
    ),
    "ledger": (
        "id",
        "member_id",
        "amount",
        "reason",
        "actor_type",
        "actor_id",
        "balance_after",
        "purchase_id",
        "note",
        "created_at",
    ),
}
"""Export name -> its columns (the first is the row id the export pages by)."""

PERSONAL_COLUMNS = frozenset(
    {
        "telegram_id",
        "first_name",
        "last_name",
        "username",
        "phone",
        "external_id",
        "birthday",
        "timezone",
        "note",
    }
)
FORGOTTEN = "forgotten"


def export_row(columns: tuple[str, ...], row: Mapping[str, Any], forgotten: bool) -> list[str]:
    """One CSV row: values as text, None as empty, personal columns emptied if `forgotten`."""
    return [
        "" if row.get(c) is None or (forgotten and c in PERSONAL_COLUMNS) else _text(row[c])
        for c in columns
    ]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
