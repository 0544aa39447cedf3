"""Blocking and unblocking the bot: Telegram sends a `my_chat_member` update for the private chat
(the bot's status `kicked`, then `member` again). A blocked member is unreachable: the outbox
sends them nothing until they unblock. Nothing is sent back: a blocked bot cannot write."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.services.membership import Membership


async def on_blocked(event: ChatMemberUpdated, membership: Membership) -> None:
    await membership.set_reachable(event.from_user.id, False)


async def on_unblocked(event: ChatMemberUpdated, membership: Membership) -> None:
    await membership.set_reachable(event.from_user.id, True)


def create_router() -> Router:
    router = Router(name="customer.reachability")
    router.my_chat_member.filter(F.chat.type == "private")
    router.my_chat_member.register(
        on_blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED)
    )
    router.my_chat_member.register(
        on_unblocked, ChatMemberUpdatedFilter(member_status_changed=MEMBER)
    )
    return router
