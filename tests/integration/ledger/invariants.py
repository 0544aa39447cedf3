"""The ledger's invariants, checked on the database rows by the product's own check
(`Ledger.check_consistency`, the same as `python -m bot check-ledger`), plus the uniqueness of
the entries' idempotency keys (which the unique index guarantees)."""

from __future__ import annotations

from bot.adapters.clock import SystemClock
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.program import Program
from bot.services.ledger import Ledger


async def ledger_violations() -> list[str]:
    """Every broken invariant, described; empty when the ledger is consistent."""
    checker = Ledger(tortoise_uow_factory, SystemClock(), Program(name="check"))
    report = await checker.check_consistency(batch_size=7)  # several batches in most tests
    problems = [
        f"member {member.member_id}: {finding.kind.value} (row {finding.row_id}): "
        f"expected {finding.expected}, found {finding.actual}"
        for member in report.offending
        for finding in member.findings
    ]
    keys = await LedgerEntry.all().values_list("idempotency_key", flat=True)
    if len(keys) != len(set(keys)):
        problems.append("an idempotency key is used twice")
    return problems


async def assert_ledger_consistent() -> None:
    problems = await ledger_violations()
    assert not problems, "\n".join(problems)
