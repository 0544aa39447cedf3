"""Gift certificates: a member types a code (`/gift <code>`, or the Settings button, then the
code) and gets its points.

Conversation: /gift or the button -> "send the code" (state `GiftCode.code`) -> the code ->
points, or the error (wrong, used, expired, too many wrong codes) and the state stays for
another try. A command or a menu button leaves the state and does what it says.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.adapters.i18n import I18n, Translator
from bot.domain.errors import RateLimited
from bot.handlers.customer.keyboards import GIFT, button_texts
from bot.services.membership import Membership

MENU_BUTTONS = ("menu-card", "menu-balance", "menu-history", "menu-settings")


class GiftCode(StatesGroup):
    code = State()


async def redeem(
    message: Message, code: str, membership: Membership, t: Translator, state: FSMContext
) -> None:
    assert message.from_user is not None
    try:
        redeemed = await membership.redeem_certificate(message.from_user.id, code)
    except RateLimited:
        await state.clear()
        raise
    await state.clear()
    await message.answer(
        t(
            "gift-redeemed",
            points=t("points", count=redeemed.points),
            balance=t("points", count=redeemed.balance),
        )
    )


async def cmd_gift(
    message: Message,
    command: CommandObject,
    membership: Membership,
    t: Translator,
    state: FSMContext,
) -> None:
    code = (command.args or "").strip()
    if code:
        await redeem(message, code, membership, t, state)
        return
    await state.set_state(GiftCode.code)
    await message.answer(t("gift-enter-code"))


async def on_gift_button(
    callback: CallbackQuery, t: Translator, state: FSMContext, bot: Bot
) -> None:
    await state.set_state(GiftCode.code)
    await callback.answer()
    await bot.send_message(callback.from_user.id, t("gift-enter-code"))


async def on_code(
    message: Message, membership: Membership, t: Translator, i18n: I18n, state: FSMContext
) -> None:
    text = (message.text or "").strip()
    if text.startswith("/") or any(text in button_texts(i18n, key) for key in MENU_BUTTONS):
        # Another action: leave the code step and let its own handler answer.
        await state.clear()
        raise SkipHandler
    await redeem(message, text, membership, t, state)


def create_router() -> Router:
    """Before the customer fallback (`menu`), which would otherwise take the typed code."""
    router = Router(name="customer.gift")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_gift, Command("gift"))
    router.message.register(on_code, GiftCode.code, F.text)
    router.callback_query.register(on_gift_button, F.data == GIFT)
    return router
