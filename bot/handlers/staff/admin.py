"""Staff management from the admin chat (or an owner's private chat): invites, list, removal."""

from __future__ import annotations

from collections.abc import Collection

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.deep_linking import create_start_link

from bot.adapters.i18n import I18n, Translator
from bot.domain.coalition import OUTLET_CODE
from bot.domain.staff import INVITE_PREFIX, Actor, StaffRole
from bot.handlers.commands import remove_staff_menu
from bot.services.staff import StaffService


class RemoveStaff(CallbackData, prefix="staff-rm"):
    staff_id: int


async def cmd_invite(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    staff: StaffService,
    t: Translator,
) -> None:
    # `/invite [cashier|manager] [outlet]`: an outlet ties the till to a coalition partner.
    parts = (command.args or StaffRole.CASHIER.value).lower().split()
    role_text = parts[0] if parts else ""
    outlet = parts[1] if len(parts) == 2 else None
    if (
        role_text not in {r.value for r in StaffRole}
        or len(parts) > 2
        or (outlet is not None and not OUTLET_CODE.fullmatch(outlet))
    ):
        await message.answer(t("staff-invite-usage"))
        return
    invite = await staff.create_invite(actor, StaffRole(role_text), outlet)
    link = await create_start_link(bot, INVITE_PREFIX + invite.token)
    text = t("staff-invite-created", role=t(f"staff-role-{invite.role.value}"), link=link)
    if outlet is not None:
        text += "\n" + t("staff-invite-outlet", outlet=outlet)
    await message.answer(text)


async def cmd_staff(message: Message, actor: Actor, staff: StaffService, t: Translator) -> None:
    people = await staff.list_staff(actor)
    if not people:
        await message.answer(t("staff-list-empty"))
        return
    lines = [
        t("staff-list-line", name=p.name, role=t(f"staff-role-{p.role.value}"), code=p.code)
        for p in people
    ]
    buttons = [
        [
            InlineKeyboardButton(
                text=t("staff-remove-button", name=p.name),
                callback_data=RemoveStaff(staff_id=p.id).pack(),
            )
        ]
        for p in people
    ]
    await message.answer(
        t("staff-list-title") + "\n" + "\n".join(lines),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
    )


async def on_remove(
    query: CallbackQuery,
    callback_data: RemoveStaff,
    actor: Actor,
    staff: StaffService,
    t: Translator,
    bot: Bot,
    i18n: I18n,
) -> None:
    # The staff id comes from the button, but the service checks that the presser is an owner.
    removed = await staff.remove_staff(actor, callback_data.staff_id)
    await remove_staff_menu(bot, i18n, removed.telegram_id)
    await query.answer(t("staff-removed", name=removed.name), show_alert=True)


def create_router(admin_chat_ids: Collection[int]) -> Router:
    """Admin commands work in the configured admin chats and in private chats; either way the
    service checks the sender's role, never the chat alone."""
    router = Router(name="staff.admin")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_invite, Command("invite"))
    router.message.register(cmd_staff, Command("staff"))
    router.callback_query.register(on_remove, RemoveStaff.filter())
    return router
