"""The bot's command menus (`setMyCommands`): per language, and per audience.

| audience | scope | commands |
|---|---|---|
| customers | all private chats | CUSTOMER_COMMANDS |
| a cashier | their private chat | CASHIER_COMMANDS |
| a manager | their private chat | MANAGER_COMMANDS |
| owners | each admin chat (ADMIN_CHAT_IDS) | ADMIN_COMMANDS |

Every menu is set once per supported locale (`language_code`) and once without a language code,
in the default locale, for clients in any other language. Descriptions are the `command-<name>`
keys of locales/*/commands.ftl. The general menus are set at start-up; a staff member's menu
when they accept an invite, and it is deleted when they are removed (their chat then shows the
customers' menu again). A failed menu call is logged, never fails the update: menus are a hint,
the commands work without them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.adapters.i18n import I18n, Translator
from bot.domain.staff import StaffRole

log = logging.getLogger(__name__)

CUSTOMER_COMMANDS = (
    "start",
    "card",
    "balance",
    "offers",
    "history",
    "gift",
    "surveys",
    "friends",
    "channel",
    "settings",
    "language",
    "stop",
    "mydata",
    "forget",
    "help",
)
CASHIER_COMMANDS = ("find", "scanner", "top", *CUSTOMER_COMMANDS)
MANAGER_COMMANDS = ("find", "scanner", "top", "staff", "invite", *CUSTOMER_COMMANDS)
ADMIN_COMMANDS = (
    "broadcast",
    "campaigns",
    "stats",
    "review",
    "program",
    "reload",
    "export",
    "staff",
    "invite",
    "certificates",
    "adjust",
    "survey_results",
    "survey_push",
    "ratings",
    "settlement",
    "apikeys",
    "apikey_revoke",
)

Scope = BotCommandScopeAllPrivateChats | BotCommandScopeChat


def bot_commands(t: Translator, names: Sequence[str]) -> list[BotCommand]:
    return [BotCommand(command=name, description=t(f"command-{name}")) for name in names]


def staff_commands(role: StaffRole) -> tuple[str, ...]:
    return MANAGER_COMMANDS if role is StaffRole.MANAGER else CASHIER_COMMANDS


async def set_menu(bot: Bot, i18n: I18n, scope: Scope, names: Sequence[str]) -> None:
    """`names` for `scope`, in every locale and, without a language code, in the default one."""
    for locale in (*i18n.locales, None):
        await bot.set_my_commands(
            bot_commands(i18n(locale), names), scope=scope, language_code=locale
        )


async def set_general_menus(bot: Bot, i18n: I18n, admin_chat_ids: Collection[int]) -> None:
    await set_menu(bot, i18n, BotCommandScopeAllPrivateChats(), CUSTOMER_COMMANDS)
    for chat_id in admin_chat_ids:
        await set_menu(bot, i18n, BotCommandScopeChat(chat_id=chat_id), ADMIN_COMMANDS)


def startup_handler(
    i18n: I18n, admin_chat_ids: Collection[int]
) -> Callable[[Bot], Awaitable[None]]:
    """The dispatcher's start-up hook that sets the general menus."""
    chats = tuple(admin_chat_ids)

    async def set_command_menus(bot: Bot) -> None:
        try:
            await set_general_menus(bot, i18n, chats)
        except TelegramAPIError:
            log.exception("could not set the command menus")

    return set_command_menus


async def show_staff_menu(bot: Bot, i18n: I18n, telegram_id: int, role: StaffRole) -> None:
    try:
        await set_menu(bot, i18n, BotCommandScopeChat(chat_id=telegram_id), staff_commands(role))
    except TelegramAPIError:
        log.exception("could not set the staff menu of %s", telegram_id)


async def remove_staff_menu(bot: Bot, i18n: I18n, telegram_id: int) -> None:
    scope = BotCommandScopeChat(chat_id=telegram_id)
    try:
        for locale in (*i18n.locales, None):
            await bot.delete_my_commands(scope=scope, language_code=locale)
    except TelegramAPIError:
        log.exception("could not remove the staff menu of %s", telegram_id)
