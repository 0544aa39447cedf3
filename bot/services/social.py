"""Inviting friends and joining the brand's channel: what a member sees and claims.

The referral reward itself is paid by the ledger after the friend's purchase
(`bot/services/referral_rewards.py`); here is only the member's side of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import InvalidInput, JoinRequired, NotFound
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import Member, MemberStatus
from bot.domain.ports import UnitOfWork, UnitOfWorkFactory
from bot.domain.program import Program, RewardReason
from bot.services.ledger import Ledger
from bot.services.membership import REFERRAL_PREFIX

CHANNEL_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
"""`getChatMember` statuses of someone in the channel (`restricted` only with `is_member`,
which the edge folds into the status it passes)."""
CHANNEL_NOT_JOINED = "channel-not-joined"
NO_CHANNEL = "no-channel"


@dataclass(frozen=True, slots=True)
class Invitation:
    payload: str
    """The deep-link payload `ref_<code>` of the member's personal link."""
    friends_joined: int
    friends_bought: int
    """Friends whose first qualifying purchase was recorded."""
    referrer_points: int
    friend_points: int
    min_purchase: int


@dataclass(frozen=True, slots=True)
class ChannelBonus:
    points: int
    """Credited by this claim; 0 when paid before (see `already`) or the program gives none."""
    already: bool
    balance: int


class Social:
    def __init__(self, uow: UnitOfWorkFactory, program: Program, ledger: Ledger) -> None:
        self._uow = uow
        self._program = program
        self._ledger = ledger

    async def invitation(self, telegram_id: int) -> Invitation:
        """The member's personal invitation and how it went: friends who joined (finished
        joining) and friends who bought. Only for a member who finished joining."""
        async with self._uow() as uow:
            member = await active_member(uow, telegram_id)
            joined, bought = await uow.referrals.counts(member.id)
        return Invitation(
            payload=REFERRAL_PREFIX + member.referral_code,
            friends_joined=joined,
            friends_bought=bought,
            referrer_points=self._program.reward(RewardReason.REFERRAL_REFERRER),
            friend_points=self._program.reward(RewardReason.REFERRAL_FRIEND),
            min_purchase=self._program.referrals.min_purchase,
        )

    async def claim_channel_bonus(self, telegram_id: int, chat_status: str) -> ChannelBonus:
        """The bonus for joining the program's channel, `chat_status` being what Telegram's
        `getChatMember` says of the member there.

        - only with a channel configured (NotFound `no-channel`) and for a member who
          finished joining;
        - a status that is not in the channel is InvalidInput `channel-not-joined`;
        - paid once per member (key `channel:<member id>`): a second claim credits nothing
          and says so (`already`).
        """
        if self._program.channel is None:
            raise NotFound(NO_CHANNEL, reason=NO_CHANNEL)
        async with self._uow() as uow:
            member = await active_member(uow, telegram_id)
        if chat_status not in CHANNEL_MEMBER_STATUSES:
            raise InvalidInput(CHANNEL_NOT_JOINED, reason=CHANNEL_NOT_JOINED)
        result = await self._ledger.grant_reward(
            member.id,
            RewardReason.CHANNEL_JOIN,
            f"channel:{member.id}",
            LedgerActor.member(member.id),
        )
        if result.replayed:
            return ChannelBonus(0, True, result.balance)
        return ChannelBonus(result.points, False, result.balance)


async def active_member(uow: UnitOfWork, telegram_id: int) -> Member:
    """The member behind a Telegram user, who finished joining (JoinRequired otherwise)."""
    member = await uow.members.by_telegram_id(telegram_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise JoinRequired("join-required")
    return member
