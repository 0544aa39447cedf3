"""Settings: language, offers on/off, export my data, delete my data (/mydata, /forget)."""

from __future__ import annotations

import json

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message, ReplyKeyboardRemove

from bot.adapters.i18n import I18n, Translator
from bot.domain.members import Member
from bot.handlers.customer.keyboards import (
    EXPORT,
    FORGET,
    FORGET_NO,
    FORGET_YES,
    MARKETING_OFF,
    MARKETING_ON,
    Button,
    forget_keyboard,
    settings_keyboard,
)
from bot.services.membership import Membership


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
        reply_markup=settings_keyboard(t, i18n.locales, member.marketing_opt_in),
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
            reply_markup=settings_keyboard(t, i18n.locales, member.marketing_opt_in),
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
    router.message.register(cmd_export, Command("mydata"))
    router.message.register(cmd_forget, Command("forget"))
    router.callback_query.register(on_marketing, F.data.in_({MARKETING_ON, MARKETING_OFF}))
    router.callback_query.register(on_export, F.data == EXPORT)
    router.callback_query.register(on_forget, F.data == FORGET)
    router.callback_query.register(on_forget_confirmed, F.data == FORGET_YES)
    router.callback_query.register(on_forget_cancelled, F.data == FORGET_NO)
    return router
