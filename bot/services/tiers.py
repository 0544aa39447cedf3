"""The periodic tier recalculation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.ledger_records import TierMove
from bot.domain.rules import tier_ladder
from bot.services.ledger_core import LedgerCore


@dataclass(frozen=True, slots=True)
class TierRecalculation:
    moves: tuple[TierMove, ...]
    """Every change made, to tell the members."""

    @property
    def upgraded(self) -> int:
        return sum(1 for move in self.moves if move.upgrade)

    @property
    def downgraded(self) -> int:
        return len(self.moves) - self.upgraded


class Tiers(LedgerCore):
    async def recalculate_tiers(self, now: datetime) -> TierRecalculation:
        """Put every member in the tier their spend over the rolling window earns.

        - spend: purchases in the last `tiers.window_days` days, less what was refunded;
        - downgrades happen here (and only here); upgrades too, for members whose purchase
          did not trigger one (a program change, say);
        - each change is a TierChange row with reason `recalculation`, made in its own
          transaction with the member locked and the spend re-read, so a purchase at the
          same moment is never lost;
        - forgotten members are left alone.
        """
        since = self._window_start(now)
        program = self._program
        ladder = tier_ladder(program)
        async with self._uow() as uow:
            # Set-based: only the members whose tier would change come back.
            candidates = await uow.segments.tier_candidates(since, ladder, program.base_tier.code)
        moves: list[TierMove] = []
        for member_id in sorted(candidates):
            async with self._uow() as uow:
                account = await uow.ledger.lock_account(member_id)
                if account is None:
                    continue
                tier, _ = await self._retier(uow, account, now, allow_downgrade=True)
            if tier != account.tier_code:
                upgrade = self._is_upgrade(account.tier_code, tier)
                moves.append(TierMove(member_id, account.tier_code, tier, upgrade))
        return TierRecalculation(tuple(moves))
