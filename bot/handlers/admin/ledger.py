"""The owner's ledger commands, in the admin chat (or a private chat):

- `/certificates <count> <points> [YYYY-MM-DD]`: new gift certificate codes, sent once as a
  text document (the database keeps only their digests); valid through the given day in the
  program's time zone;
- `/adjust <card code or phone> <+/-points> <reason>`: a manual correction with its reason.

The chat proves nothing: the ledger re-checks that the sender is an owner.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.adapters.i18n import Translator
from bot.domain.ledger import ActorType
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program
from bot.domain.staff import Actor, Role
from bot.services.ledger import Ledger

SIGNED_POINTS = re.compile(r"[+-]\d{1,9}")


def ledger_actor(actor: Actor) -> LedgerActor:
    """The ledger's view of who acts; anyone but an owner is refused by the service."""
    if actor.role is Role.OWNER:
        return LedgerActor.owner(actor.telegram_id)
    if actor.staff_id is not None:
        return LedgerActor.staff(actor.staff_id)
    return LedgerActor(ActorType.MEMBER)


def _valid_through(day: str, program: Program) -> datetime:
    """The end of `day` in the program's time zone."""
    zone = ZoneInfo(program.timezone)
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), tzinfo=zone)


async def cmd_certificates(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    ledger: Ledger,
    program: Program,
    t: Translator,
) -> None:
    parts = (command.args or "").split()
    try:
        count, points = int(parts[0]), int(parts[1])
        expires_at = _valid_through(parts[2], program) if len(parts) == 3 else None
        if len(parts) > 3:
            raise ValueError
    except (IndexError, ValueError):
        await message.answer(t("certificates-usage"))
        return
    batch = await ledger.issue_certificates(ledger_actor(actor), count, points, expires_at)
    until = parts[2] if expires_at is not None else "-"
    document = ("\n".join(batch.codes) + "\n").encode("ascii")
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(document, filename=f"certificates-{count}x{points}.txt"),
        caption=t(
            "certificates-issued",
            count=count,
            points=t("points", count=points),
            until=until,
        ),
    )


async def cmd_adjust(
    message: Message, command: CommandObject, actor: Actor, ledger: Ledger, t: Translator
) -> None:
    tokens = (command.args or "").split()
    at = next((i for i, tok in enumerate(tokens) if i and SIGNED_POINTS.fullmatch(tok)), None)
    if at is None or at == len(tokens) - 1:
        await message.answer(t("adjust-usage"))
        return
    lookup, points, reason = " ".join(tokens[:at]), int(tokens[at]), " ".join(tokens[at + 1 :])
    result = await ledger.adjust_member(
        ledger_actor(actor),
        lookup,
        points,
        reason,
        idempotency_key=f"tg:{message.chat.id}:{message.message_id}",
    )
    await message.answer(
        t(
            "adjust-done",
            points=f"{result.points:+d}",
            member=str(result.member_id),
            balance=t("points", count=result.balance),
        )
    )


def create_router(admin_chat_ids: Collection[int]) -> Router:
    """In the configured admin chats and in private chats; the ledger checks the role."""
    router = Router(name="admin.ledger")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_certificates, Command("certificates"))
    router.message.register(cmd_adjust, Command("adjust"))
    return router
