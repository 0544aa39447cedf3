"""Inviting a friend (the personal link, a share button, how it went) and the channel bonus
("I've joined", checked with Telegram's getChatMember)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.adapters.i18n import Translator
from bot.domain.program import Program
from bot.handlers.customer.keyboards import Button
from bot.services.social import Social

CHANNEL_CHECK = "channel:check"
NOT_IN_CHANNEL = "left"
"""The status passed on when Telegram cannot tell (the bot is not in the channel, a network
error): the member is told to join first, nothing is paid."""


def invite_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


def share_url(link: str, text: str) -> str:
    # t.me/share/url opens Telegram's "forward to..." picker with the link and the text.
    return "https://t.me/share/url?" + urlencode({"url": link, "text": text}, quote_via=quote)


async def cmd_invite(
    message: Message, social: Social, t: Translator, bot: Bot, program: Program
) -> None:
    assert message.from_user is not None
    invitation = await social.invitation(message.from_user.id)
    me = await bot.me()
    link = invite_link(me.username or "", invitation.payload)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t("invite-share"),
                    url=share_url(
                        link,
                        t("invite-share-text", points=t("points", count=invitation.friend_points)),
                    ),
                )
            ]
        ]
    )
    await message.answer(
        t(
            "invite-text",
            link=link,
            referrer_points=t("points", count=invitation.referrer_points),
            friend_points=t("points", count=invitation.friend_points),
            min_purchase=t.money(invitation.min_purchase, program.currency),
            joined=invitation.friends_joined,
            bought=invitation.friends_bought,
        ),
        reply_markup=keyboard,
    )


async def cmd_channel(message: Message, t: Translator, program: Program) -> None:
    channel = program.channel
    if channel is None:
        await message.answer(t("channel-none"))
        return
    rows = []
    if channel.username:
        rows.append(
            [InlineKeyboardButton(text=t("channel-open"), url=f"https://t.me/{channel.username}")]
        )
    rows.append([InlineKeyboardButton(text=t("channel-joined"), callback_data=CHANNEL_CHECK)])
    await message.answer(t("channel-text"), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def on_channel_check(
    callback: CallbackQuery, social: Social, t: Translator, program: Program, bot: Bot
) -> None:
    status = NOT_IN_CHANNEL
    if program.channel is not None:
        try:
            chat_member = await bot.get_chat_member(program.channel.chat_id, callback.from_user.id)
            status = str(getattr(chat_member.status, "value", chat_member.status))
            if status == "restricted" and not getattr(chat_member, "is_member", False):
                status = NOT_IN_CHANNEL
        except TelegramAPIError:
            status = NOT_IN_CHANNEL
    bonus = await social.claim_channel_bonus(callback.from_user.id, status)
    if bonus.already:
        await callback.answer(t("channel-bonus-already"), show_alert=True)
        return
    await callback.answer()
    if callback.message is not None:
        await bot.send_message(
            callback.from_user.id,
            t(
                "channel-bonus-paid",
                points=t("points", count=bonus.points),
                balance=t("points", count=bonus.balance),
            ),
        )


def create_router() -> Router:
    router = Router(name="customer.social")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_invite, Command("friends"))
    router.message.register(cmd_invite, Button("menu-invite"))
    router.message.register(cmd_channel, Command("channel"))
    router.callback_query.register(on_channel_check, F.data == CHANNEL_CHECK)
    return router
