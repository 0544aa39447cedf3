"""/start (with its deep-link payload), /help and /language."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.adapters.i18n import I18n, Translator
from bot.domain.card_token import CARD_START_PREFIX
from bot.domain.joining import JoinStep
from bot.domain.program import Program
from bot.handlers.customer.join import ask, consent_text
from bot.handlers.customer.keyboards import (
    Language,
    consent_keyboard,
    language_keyboard,
    main_menu,
)
from bot.services.membership import Membership, Visitor
from bot.services.surveys import Surveys

CHOSEN_LOCALE = "chosen_locale"
"""Conversation-state key of the language a stranger picked before /start."""


async def cmd_start(
    message: Message,
    command: CommandObject,
    membership: Membership,
    program: Program,
    t: Translator,
    i18n: I18n,
    locale: str,
    state: FSMContext,
    bot: Bot,
    surveys: Surveys,
) -> None:
    user = message.from_user
    assert user is not None
    # A stranger may have picked a language with /language before joining.
    chosen = (await state.get_data()).get(CHOSEN_LOCALE)
    if chosen in i18n.locales:
        locale = chosen
    visitor = Visitor(user.id, user.first_name, user.last_name, user.username, locale)
    progress = await membership.open(visitor, command.args)
    t = i18n(progress.member.locale)
    if progress.step is JoinStep.CONSENT:
        # The first message greets and asks for consent at once, in the client's language.
        await state.clear()
        name = progress.member.display_name or user.first_name
        await message.answer(
            consent_text(t, program, greeting_name=name),
            reply_markup=consent_keyboard(t, i18n.locales),
        )
        return
    if progress.step is JoinStep.DONE:
        await state.clear()
        name = escape(progress.member.display_name)
        menu = main_menu(t, surveys=bool(await surveys.available(user.id)))
        await message.answer(t("start-welcome-back", name=name), reply_markup=menu)
        return
    await ask(bot, message.chat.id, progress, t, i18n, program, state)


async def cmd_start_card_link(message: Message, t: Translator) -> None:
    """A card's QR link opened by a customer (staff get the card view from the Staff
    routers, which come first): a neutral notice, with no name or balance."""
    await message.answer(t("card-link-notice"))


async def cmd_help(message: Message, t: Translator) -> None:
    await message.answer(t("help"))


async def cmd_language(message: Message, t: Translator, i18n: I18n) -> None:
    await message.answer(t("language-choose"), reply_markup=language_keyboard(t, i18n.locales))


async def on_language(
    callback: CallbackQuery,
    callback_data: Language,
    membership: Membership,
    i18n: I18n,
    program: Program,
    state: FSMContext,
    bot: Bot,
) -> None:
    progress = await membership.choose_language(callback.from_user.id, callback_data.code)
    t = i18n(progress.member.locale if progress else callback_data.code)
    await callback.answer()
    if progress is None:
        # A stranger: nothing is stored about them; the choice waits in the conversation
        # state for their /start.
        await state.update_data({CHOSEN_LOCALE: callback_data.code})
        if isinstance(callback.message, Message):
            await callback.message.edit_text(escape(t("language-changed")))
        await bot.send_message(callback.from_user.id, t("stranger-hint"))
        return
    if isinstance(callback.message, Message):
        await callback.message.edit_text(escape(t("language-changed")))
    # The reply keyboard of the current step is sent again, in the new language.
    await ask(bot, callback.from_user.id, progress, t, i18n, program, state)


def create_router() -> Router:
    router = Router(name="customer.start")
    router.message.filter(F.chat.type == "private")
    router.message.register(
        cmd_start_card_link,
        CommandStart(deep_link=True, magic=F.args.startswith(CARD_START_PREFIX)),
    )
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    router.message.register(cmd_language, Command("language"))
    router.callback_query.register(on_language, Language.filter())
    return router
