"""The ledger's invariants, checked on what is stored (`python -m bot check-ledger`).

For every member:
- the cached balance is the sum of their entries, and each entry's `balance_after` is the
  running sum in entry order (entry id);
- their lots hold max(balance, 0) points in total;
- every lot has 0 <= remaining <= amount and remaining = amount + the sum of its movements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Discrepancy(StrEnum):
    BALANCE_NOT_SUM = "balance-not-sum"
    """The cached balance differs from the sum of the entries."""
    RUNNING_BALANCE = "running-balance"
    """An entry's `balance_after` differs from the running sum at that entry."""
    LOTS_NOT_BALANCE = "lots-not-balance"
    """The open lots hold another number of points than max(balance, 0)."""
    LOT_OUT_OF_RANGE = "lot-out-of-range"
    """A lot's remaining points are below 0 or above its amount."""
    LOT_NOT_MOVEMENTS = "lot-not-movements"
    """A lot's remaining points differ from its amount plus its movements."""


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Discrepancy
    expected: int
    actual: int
    row_id: int | None = None
    """The entry or lot concerned (None for the member's totals)."""


@dataclass(frozen=True, slots=True)
class MemberFindings:
    member_id: int
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class AuditedLot:
    id: int
    member_id: int
    amount: int
    remaining: int
    moved: int
    """The sum of the lot's movements."""


@dataclass(frozen=True, slots=True)
class AuditedEntry:
    id: int
    member_id: int
    amount: int
    balance_after: int


@dataclass(frozen=True, slots=True)
class AuditBatch:
    """A slice of members (by id) with all their entries and lots."""

    balances: dict[int, int]
    """Member id -> cached balance."""
    entries: Sequence[AuditedEntry]
    lots: Sequence[AuditedLot]


@dataclass(frozen=True, slots=True)
class ConsistencyReport:
    members: int
    entries: int
    lots: int
    offending: tuple[MemberFindings, ...]
    """Members with at least one finding, by id."""

    @property
    def consistent(self) -> bool:
        return not self.offending


def audit(batch: AuditBatch) -> list[MemberFindings]:
    """The members of the batch whose rows break an invariant, with what is wrong."""
    entries: dict[int, list[AuditedEntry]] = defaultdict(list)
    for entry in batch.entries:
        entries[entry.member_id].append(entry)
    lots: dict[int, list[AuditedLot]] = defaultdict(list)
    for lot in batch.lots:
        lots[lot.member_id].append(lot)
    offending = []
    for member_id in sorted(batch.balances):
        findings = _member_findings(batch.balances[member_id], entries[member_id], lots[member_id])
        if findings:
            offending.append(MemberFindings(member_id, tuple(findings)))
    return offending


def _member_findings(
    balance: int, entries: Iterable[AuditedEntry], lots: Iterable[AuditedLot]
) -> list[Finding]:
    findings: list[Finding] = []
    running = 0
    for entry in sorted(entries, key=lambda e: e.id):
        running += entry.amount
        if entry.balance_after != running:
            findings.append(
                Finding(Discrepancy.RUNNING_BALANCE, running, entry.balance_after, entry.id)
            )
    if balance != running:
        findings.append(Finding(Discrepancy.BALANCE_NOT_SUM, running, balance))
    held = 0
    for lot in sorted(lots, key=lambda lot: lot.id):
        held += lot.remaining
        if not 0 <= lot.remaining <= lot.amount:
            findings.append(
                Finding(Discrepancy.LOT_OUT_OF_RANGE, lot.amount, lot.remaining, lot.id)
            )
        if lot.remaining != lot.amount + lot.moved:
            findings.append(
                Finding(
                    Discrepancy.LOT_NOT_MOVEMENTS, lot.amount + lot.moved, lot.remaining, lot.id
                )
            )
    if held != max(balance, 0):
        findings.append(Finding(Discrepancy.LOTS_NOT_BALANCE, max(balance, 0), held))
    return findings
