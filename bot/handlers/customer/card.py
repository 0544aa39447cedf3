"""My card: the QR code of the card's deep link; the caption has the name, tier, balance and card
code; a Refresh button (rate-limited by the service)."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.adapters.i18n import Translator
from bot.adapters.qr import render_card_qr
from bot.domain.card_token import CARD_START_PREFIX, format_card_code
from bot.domain.program import Program, localized
from bot.handlers.customer.keyboards import CARD_REFRESH, Button, card_keyboard
from bot.services.membership import Membership


async def send_card(
    bot: Bot,
    chat_id: int,
    telegram_id: int,
    membership: Membership,
    t: Translator,
    program: Program,
) -> None:
    card = await membership.card(telegram_id)
    tier = program.tier(card.tier_code) if program.has_tiers else None
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={CARD_START_PREFIX}{card.token}"
    await bot.send_photo(
        chat_id,
        BufferedInputFile(render_card_qr(link), filename="card.png"),
        caption=t(
            "card-caption",
            name=escape(card.display_name),
            status=t(
                "card-status-tier" if tier else "card-status",
                tier=escape(localized(tier.name, t.locale)) if tier else "",
                points=t("points", count=card.balance),
            ),
            code=format_card_code(card.code),
            link=link,
            minutes=max(1, int(card.valid_for.total_seconds()) // 60),
        ),
        reply_markup=card_keyboard(t),
    )


async def cmd_card(
    message: Message, membership: Membership, t: Translator, program: Program, bot: Bot
) -> None:
    assert message.from_user is not None
    await send_card(bot, message.chat.id, message.from_user.id, membership, t, program)


async def on_refresh(
    callback: CallbackQuery, membership: Membership, t: Translator, program: Program, bot: Bot
) -> None:
    await send_card(bot, callback.from_user.id, callback.from_user.id, membership, t, program)
    await callback.answer()


def create_router() -> Router:
    router = Router(name="customer.card")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_card, Command("card"))
    router.message.register(cmd_card, Button("menu-card"))
    router.callback_query.register(on_refresh, F.data == CARD_REFRESH)
    return router
