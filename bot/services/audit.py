"""The ledger's consistency check: do the stored rows keep the invariants?"""

from __future__ import annotations

from bot.domain.ledger_audit import ConsistencyReport, MemberFindings, audit
from bot.services.ledger_core import LedgerCore

AUDIT_BATCH = 500
"""Members read per transaction."""


class Audit(LedgerCore):
    async def check_consistency(self, batch_size: int = AUDIT_BATCH) -> ConsistencyReport:
        """Every member whose rows break an invariant (bot/domain/ledger_audit.py), with what
        is wrong; read-only.

        - members are read in batches of `batch_size`, each batch in one transaction;
        - safe beside a running bot: a member found wrong is checked again with their account
          locked (so no ledger operation of theirs is half-visible, on PostgreSQL where
          statements of one transaction may see different commits) and reported only if the
          second look agrees.
        """
        members = entries = lots = 0
        suspects: list[int] = []
        after = 0
        while True:
            async with self._uow() as uow:
                batch = await uow.ledger.audit_batch(after, batch_size)
            if not batch.balances:
                break
            members += len(batch.balances)
            entries += len(batch.entries)
            lots += len(batch.lots)
            suspects += [found.member_id for found in audit(batch)]
            after = max(batch.balances)
        offending: list[MemberFindings] = []
        for member_id in suspects:
            async with self._uow() as uow:
                await uow.ledger.lock_account(member_id)
                offending += audit(await uow.ledger.audit_members([member_id]))
        return ConsistencyReport(members, entries, lots, tuple(offending))
