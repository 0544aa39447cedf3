"""Settings: language, offers on/off (/stop), the birthday if not set yet, export my data,
delete my data (/mydata, /forget)."""

from __future__ import annotations

import json

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyKeyboardRemove

from bot.adapters.i18n import I18n, Translator
from bot.domain.members import Member
from bot.handlers.customer.keyboards import (
    BIRTHDAY,
    EXPORT,
    FORGET,
    FORGET_NO,
    FORGET_YES,
    MARKETING_OFF,
    MARKETING_ON,
    Button,
    button_texts,
    forget_keyboard,
    main_menu,
    settings_keyboard,
    single_button_keyboard,
)
from bot.services.membership import Membership


class SettingsForm(StatesGroup):
    birthday = State()


def _settings_text(t: Translator, member: Member) -> str:
    return t(
        "settings-title",
        language=t(f"lang-{member.locale}"),
        marketing="on" if member.marketing_opt_in else "off",
    )


async def cmd_settings(message: Message, membership: Membership, t: Translator, i18n: I18n) -> None:
    assert message.from_user is not None
    member = await membership.member(message.from_user.id)
    await message.answer(
        _settings_text(t, member),
        reply_markup=settings_keyboard(t, i18n.locales, member),
    )


async def cmd_stop(message: Message, membership: Membership, t: Translator) -> None:
    assert message.from_user is not None
    await membership.set_marketing(message.from_user.id, False)
    await message.answer(t("settings-marketing-off"))


async def on_birthday_button(
    callback: CallbackQuery, t: Translator, state: FSMContext, bot: Bot
) -> None:
    await state.set_state(SettingsForm.birthday)
    await callback.answer()
    await bot.send_message(
        callback.from_user.id,
        t("settings-ask-birthday"),
        reply_markup=single_button_keyboard(t("join-skip")),
    )


async def on_birthday(
    message: Message, membership: Membership, t: Translator, i18n: I18n, state: FSMContext
) -> None:
    assert message.from_user is not None and message.text is not None
    if message.text in button_texts(i18n, "join-skip"):
        await state.clear()
        await message.answer(t("menu-hint"), reply_markup=main_menu(t))
        return
    # A refused date keeps the question open; the error handler says what was wrong.
    member = await membership.set_birthday(message.from_user.id, message.text)
    await state.clear()
    assert member.birthday is not None
    await message.answer(
        t("settings-birthday-saved", date=member.birthday.strftime("%d.%m.%Y")),
        reply_markup=main_menu(t),
    )


async def on_marketing(
    callback: CallbackQuery, membership: Membership, t: Translator, i18n: I18n
) -> None:
    opt_in = callback.data == MARKETING_ON
    member = await membership.set_marketing(callback.from_user.id, opt_in)
    await callback.answer(t("settings-marketing-on" if opt_in else "settings-marketing-off"))
    if isinstance(callback.message, Message):
        await callback.message.edit_text(
            _settings_text(t, member),
            reply_markup=settings_keyboard(t, i18n.locales, member),
        )


async def send_export(
    bot: Bot, chat_id: int, telegram_id: int, membership: Membership, t: Translator
) -> None:
    document = await membership.export(telegram_id)
    payload = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    await bot.send_document(
        chat_id,
        BufferedInputFile(payload, filename="my-data.json"),
        caption=t("export-caption"),
    )


async def cmd_export(message: Message, membership: Membership, t: Translator, bot: Bot) -> None:
    assert message.from_user is not None
    await send_export(bot, message.chat.id, message.from_user.id, membership, t)


async def on_export(
    callback: CallbackQuery, membership: Membership, t: Translator, bot: Bot
) -> None:
    await send_export(bot, callback.from_user.id, callback.from_user.id, membership, t)
    await callback.answer()


async def cmd_forget(message: Message, t: Translator) -> None:
    await message.answer(t("forget-confirm"), reply_markup=forget_keyboard(t))


async def on_forget(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(t("forget-confirm"), reply_markup=forget_keyboard(t))


async def on_forget_confirmed(
    callback: CallbackQuery, membership: Membership, t: Translator, state: FSMContext, bot: Bot
) -> None:
    await membership.forget(callback.from_user.id)
    await state.clear()
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_reply_markup(reply_markup=None)
    await bot.send_message(
        callback.from_user.id, t("forget-done"), reply_markup=ReplyKeyboardRemove()
    )


async def on_forget_cancelled(callback: CallbackQuery, t: Translator) -> None:
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(t("forget-cancelled"))


def create_router() -> Router:
    router = Router(name="customer.settings")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_settings, Command("settings"))
    router.message.register(cmd_settings, Button("menu-settings"))
    router.message.register(cmd_stop, Command("stop"))
    router.message.register(cmd_export, Command("mydata"))
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(on_marketing, F.data.in_({MARKETING_ON, MARKETING_OFF}))
    router.message.register(
        on_birthday, StateFilter(SettingsForm.birthday), F.text & ~F.text.startswith("/")
    )
    router.callback_query.register(on_birthday_button, F.data == BIRTHDAY)
    router.callback_query.register(on_export, F.data == EXPORT)
    router.callback_query.register(on_forget, F.data == FORGET)
    router.callback_query.register(on_forget_confirmed, F.data == FORGET_YES)
    router.callback_query.register(on_forget_cancelled, F.data == FORGET_NO)
    return router
