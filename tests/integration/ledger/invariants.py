"""The ledger's invariants, checked on the database rows (not through the services).

- a member's cached balance is the sum of their entries, and every entry's `balance_after` is
  the running sum in entry order;
- every idempotency key appears once;
- a member's lots hold max(balance, 0) points;
- every lot has 0 <= remaining <= amount and remaining = amount + the sum of its movements.
"""

from __future__ import annotations

from collections import defaultdict

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry, PointLot
from bot.adapters.db.models.ledger_ops import LotMovement


async def ledger_violations() -> list[str]:
    """Every broken invariant, described; empty when the ledger is consistent."""
    problems: list[str] = []
    balances = dict(await MemberRow.all().values_list("id", "balance"))
    entries: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for entry_id, member_id, amount, after in await LedgerEntry.all().values_list(
        "id", "member_id", "amount", "balance_after"
    ):
        entries[member_id].append((entry_id, amount, after))
    moved: dict[int, int] = defaultdict(int)
    for lot_id, points in await LotMovement.all().values_list("lot_id", "points"):
        moved[lot_id] += points
    held: dict[int, int] = defaultdict(int)
    for lot_id, member_id, amount, remaining in await PointLot.all().values_list(
        "id", "member_id", "amount", "remaining"
    ):
        held[member_id] += remaining
        if not 0 <= remaining <= amount:
            problems.append(f"lot {lot_id}: remaining {remaining} outside 0..{amount}")
        if remaining != amount + moved[lot_id]:
            problems.append(f"lot {lot_id}: remaining {remaining} != {amount} + {moved[lot_id]}")
    for member_id, balance in balances.items():
        running = 0
        for entry_id, amount, after in sorted(entries[member_id]):
            running += amount
            if after != running:
                problems.append(f"entry {entry_id}: balance_after {after} != running {running}")
        if running != balance:
            problems.append(f"member {member_id}: balance {balance} != sum of entries {running}")
        if held[member_id] != max(balance, 0):
            problems.append(f"member {member_id}: lots hold {held[member_id]}, balance {balance}")
    keys = await LedgerEntry.all().values_list("idempotency_key", flat=True)
    if len(keys) != len(set(keys)):
        problems.append("an idempotency key is used twice")
    return problems


async def assert_ledger_consistent() -> None:
    problems = await ledger_violations()
    assert not problems, "\n".join(problems)
