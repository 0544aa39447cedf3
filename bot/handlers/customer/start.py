"""/start (with its deep-link payload) and /help."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot.adapters.i18n import Translator
from bot.domain.program import Program
from bot.services.membership import Membership, Visitor


async def cmd_start(
    message: Message,
    command: CommandObject,
    membership: Membership,
    program: Program,
    t: Translator,
    locale: str,
) -> None:
    user = message.from_user
    assert user is not None
    visitor = Visitor(user.id, user.first_name, user.last_name, user.username, locale)
    member = await membership.open(visitor, command.args)
    await message.answer(
        t("start-greeting", name=member.display_name or user.first_name, program=program.name)
    )


async def cmd_help(message: Message, t: Translator) -> None:
    await message.answer(t("help"))


def create_router() -> Router:
    router = Router(name="customer.start")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_start, CommandStart())
    router.message.register(cmd_help, Command("help"))
    return router
