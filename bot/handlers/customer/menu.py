"""What no other customer handler took: a message off the expected path gets a hint and the
question of the current step again; an unknown or stale button gets an alert. Registered last."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.adapters.i18n import I18n, Translator
from bot.domain.program import Program
from bot.handlers.customer.join import ask
from bot.services.membership import Membership


async def on_other_message(
    message: Message,
    membership: Membership,
    t: Translator,
    i18n: I18n,
    program: Program,
    state: FSMContext,
    bot: Bot,
) -> None:
    assert message.from_user is not None
    progress = await membership.progress(message.from_user.id)
    if progress is None:
        await message.answer(t("stranger-hint"))
        return
    await message.answer(t("fallback-use-buttons"))
    await ask(bot, message.chat.id, progress, t, i18n, program, state)


async def on_stale_button(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer(t("error-stale-button"), show_alert=True)


def create_router() -> Router:
    router = Router(name="customer.fallback")
    router.message.filter(F.chat.type == "private")
    router.message.register(on_other_message)
    router.callback_query.register(on_stale_button)
    return router
