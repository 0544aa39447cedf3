"""Joining: consent (with the language), phone, name, birthday. See docs/conversations/join.md.

The consent and phone steps are derived from the member row; only the name and birthday questions
live in the conversation state (`JoinForm`). A lost state asks the name again.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.adapters.i18n import I18n, Translator
from bot.domain.joining import JoinStep
from bot.domain.program import Program, localized
from bot.handlers.customer.keyboards import (
    JOIN_AGREE,
    JoinLanguage,
    button_texts,
    consent_keyboard,
    main_menu,
    phone_keyboard,
    single_button_keyboard,
)
from bot.services.membership import Membership, Progress


class JoinForm(StatesGroup):
    name = State()
    birthday = State()


def consent_text(t: Translator, program: Program, *, greeting_name: str | None = None) -> str:
    text = t(
        "consent-text",
        rules=escape(localized(program.rules_text, t.locale)),
        privacy=escape(localized(program.privacy_text, t.locale)),
    )
    if greeting_name is not None:
        greeting = t("start-greeting", name=escape(greeting_name), program=escape(program.name))
        text = f"{greeting}\n\n{text}"
    return text


async def ask(
    bot: Bot,
    chat_id: int,
    progress: Progress,
    t: Translator,
    i18n: I18n,
    program: Program,
    state: FSMContext,
) -> None:
    """Send the question of the member's current step (or the main menu once joined)."""
    member = progress.member
    if progress.step is JoinStep.CONSENT:
        await state.clear()
        await bot.send_message(
            chat_id, consent_text(t, program), reply_markup=consent_keyboard(t, i18n.locales)
        )
    elif progress.step is JoinStep.PHONE:
        await state.clear()
        await bot.send_message(chat_id, t("join-ask-phone"), reply_markup=phone_keyboard(t))
    elif progress.step is JoinStep.DETAILS:
        if await state.get_state() == JoinForm.birthday.state:
            await _ask_birthday(bot, chat_id, member.display_name, t)
        else:
            await _ask_name(bot, chat_id, member.display_name, t, state)
    else:
        await state.clear()
        await bot.send_message(chat_id, t("menu-hint"), reply_markup=main_menu(t))


async def _ask_name(bot: Bot, chat_id: int, name: str, t: Translator, state: FSMContext) -> None:
    await state.set_state(JoinForm.name)
    if name:
        await bot.send_message(
            chat_id,
            t("join-ask-name", name=escape(name)),
            reply_markup=single_button_keyboard(t("join-name-keep")),
        )
    else:
        await bot.send_message(
            chat_id, t("join-ask-name-empty"), reply_markup=ReplyKeyboardRemove()
        )


async def _ask_birthday(bot: Bot, chat_id: int, name: str, t: Translator) -> None:
    await bot.send_message(
        chat_id,
        t("join-ask-birthday", name=escape(name)),
        reply_markup=single_button_keyboard(t("join-skip")),
    )


async def on_consent_language(
    callback: CallbackQuery,
    callback_data: JoinLanguage,
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
        # The consent message of a member who has since deleted their data.
        await bot.send_message(callback.from_user.id, t("stranger-hint"))
        return
    if progress.step is JoinStep.CONSENT and isinstance(callback.message, Message):
        await callback.message.edit_text(
            consent_text(t, program), reply_markup=consent_keyboard(t, i18n.locales)
        )
    else:
        await ask(bot, callback.from_user.id, progress, t, i18n, program, state)


async def on_agree(
    callback: CallbackQuery,
    membership: Membership,
    t: Translator,
    i18n: I18n,
    program: Program,
    state: FSMContext,
    bot: Bot,
) -> None:
    progress = await membership.accept_terms(callback.from_user.id)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    await ask(bot, callback.from_user.id, progress, t, i18n, program, state)


async def on_contact(
    message: Message,
    membership: Membership,
    t: Translator,
    i18n: I18n,
    program: Program,
    state: FSMContext,
    bot: Bot,
) -> None:
    assert message.from_user is not None and message.contact is not None
    progress = await membership.share_phone(
        message.from_user.id, message.contact.user_id, message.contact.phone_number
    )
    if progress.matched:
        # An imported customer: joined already, straight to the menu with their balance.
        await state.clear()
        member = progress.member
        await message.answer(
            t(
                "join-matched",
                name=escape(member.display_name),
                program=escape(program.name),
                balance=t("points", count=member.balance),
            ),
            reply_markup=main_menu(t),
        )
        return
    await ask(bot, message.chat.id, progress, t, i18n, program, state)


async def on_name(
    message: Message, membership: Membership, t: Translator, i18n: I18n, state: FSMContext
) -> None:
    assert message.from_user is not None and message.text is not None
    typed = None if message.text in button_texts(i18n, "join-name-keep") else message.text
    member = await membership.confirm_name(message.from_user.id, typed)
    await state.set_state(JoinForm.birthday)
    await message.answer(
        t("join-ask-birthday", name=escape(member.display_name)),
        reply_markup=single_button_keyboard(t("join-skip")),
    )


async def on_birthday(
    message: Message,
    membership: Membership,
    t: Translator,
    i18n: I18n,
    program: Program,
    state: FSMContext,
) -> None:
    assert message.from_user is not None and message.text is not None
    typed = None if message.text in button_texts(i18n, "join-skip") else message.text
    joined = await membership.finish_join(message.from_user.id, typed)
    await state.clear()
    text = t("join-done", name=escape(joined.member.display_name), program=escape(program.name))
    if joined.welcome_points > 0:
        bonus = t("points", count=joined.welcome_points)
        text = f"{text}\n{t('join-welcome-bonus', points=bonus)}"
    await message.answer(text, reply_markup=main_menu(t))


def create_router() -> Router:
    router = Router(name="customer.join")
    router.message.filter(F.chat.type == "private")
    router.callback_query.register(on_consent_language, JoinLanguage.filter())
    router.callback_query.register(on_agree, F.data == JOIN_AGREE)
    router.message.register(on_contact, F.contact)
    typed = F.text & ~F.text.startswith("/")
    router.message.register(on_name, StateFilter(JoinForm.name), typed)
    router.message.register(on_birthday, StateFilter(JoinForm.birthday), typed)
    return router
