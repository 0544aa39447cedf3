"""The two-sided referral reward, settled by the ledger after a friend's purchase.

It lives on the ledger's purchase path (`Purchases.record_purchase` calls `_settle_referral`)
so every front end that records a purchase (the till, the Mini App, the POS API, imports)
pays it the same way, once.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.ledger_records import LedgerActor
from bot.domain.members import MemberStatus
from bot.domain.program import RewardReason
from bot.domain.referrals import CHAIN_DEPTH, ReferralOutcome, decide
from bot.services.rewards import Rewards


def referral_key(friend_id: int, side: str) -> str:
    """`referral:<friend id>:referrer|friend`: one reward per side per friend."""
    return f"referral:{friend_id}:{side}"


class ReferralRewards(Rewards):
    async def _settle_referral(self, friend_id: int, referrer_id: int, purchase_id: int) -> None:
        """After a recorded (not replayed) purchase of at least `referrals.min_purchase` by a
        friend `referrer_id` referred.

        - the first such purchase takes the decision (`referrals.decide`: self-referral by
          phone or by a circle pays nobody, the monthly cap stops the referrer's reward, not
          the friend's), stored once per friend with the referrer's row locked so two friends
          of one referrer cannot both pass the cap;
        - the rewards are `grant_reward` with the keys `referral:<friend>:referrer|friend`,
          so a crash between the decision and the credit is mended by the friend's next
          purchase, and nothing is paid twice.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.referrals.decision(friend_id)
            if stored is None:
                friend = await uow.members.get(friend_id)
                await uow.ledger.lock_account(referrer_id)
                referrer = await uow.members.get(referrer_id)
                outcome = decide(
                    friend_id=friend_id,
                    friend_phone=friend.phone if friend else None,
                    referrer_phone=referrer.phone if referrer else None,
                    referrer_active=referrer is not None and referrer.status is MemberStatus.ACTIVE,
                    referrer_chain=await uow.referrals.chain(referrer_id, CHAIN_DEPTH),
                    paid_this_month=await uow.referrals.count_outcome_since(
                        referrer_id, ReferralOutcome.PAID.value, self._month_start(now)
                    ),
                    monthly_cap=self._program.referrals.monthly_cap,
                )
                stored = await uow.referrals.decide(
                    friend_id, referrer_id, outcome.value, purchase_id, now
                )
        outcome = ReferralOutcome(stored)
        system = LedgerActor.system()
        if outcome.pays_referrer:
            await self.grant_reward(
                referrer_id,
                RewardReason.REFERRAL_REFERRER,
                referral_key(friend_id, "referrer"),
                system,
            )
        if outcome.pays_friend:
            await self.grant_reward(
                friend_id, RewardReason.REFERRAL_FRIEND, referral_key(friend_id, "friend"), system
            )

    def _month_start(self, now: datetime) -> datetime:
        local = now.astimezone(ZoneInfo(self._program.timezone))
        return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
