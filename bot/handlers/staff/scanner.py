"""`/scanner`: the staff member gets a `web_app` button that opens the Mini App scanner.

The button carries no authority: the Mini App's API checks the launch data Telegram signs and
that its user is active staff (bot/web/miniapp.py).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo

from bot.adapters.i18n import Translator
from bot.domain.staff import Actor


async def cmd_scanner(
    message: Message, actor: Actor, t: Translator, miniapp_url: str | None
) -> None:
    if actor.staff_id is None:
        # Not staff (an owner works the till once they have a staff record too): the customer
        # routers answer as for any unknown command.
        raise SkipHandler
    if not miniapp_url:
        await message.answer(t("scanner-unavailable"))
        return
    button = InlineKeyboardButton(text=t("scanner-open"), web_app=WebAppInfo(url=miniapp_url))
    await message.answer(
        t("scanner-intro"), reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
    )


def create_router() -> Router:
    """`miniapp_url` reaches the handler as dispatcher data (Settings.miniapp_link)."""
    router = Router(name="staff.scanner")
    # Inline `web_app` buttons work in private chats only.
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_scanner, Command("scanner"))
    return router
