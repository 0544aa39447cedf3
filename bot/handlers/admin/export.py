"""`/export [members|purchases|ledger]` in the admin chat or an owner's private chat: each table
as a CSV document (all three without an argument). The service checks the sender's role.

The document is streamed: `CsvDocument.read` pulls the rows page by page from the service while
the upload runs, so a big table never sits in memory (Telegram takes documents up to 50 MB from
a bot).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncGenerator, AsyncIterator, Collection, Sequence

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import InputFile, Message

from bot.adapters.i18n import Translator
from bot.domain.exports import EXPORTS
from bot.domain.staff import Actor
from bot.services.exports import Exports


class CsvDocument(InputFile):
    """A CSV file made while it is uploaded: the header, then each page of rows as it comes.
    Starts with a UTF-8 byte order mark, so spreadsheet programs read Cyrillic right."""

    def __init__(
        self, header: Sequence[str], pages: AsyncIterator[list[list[str]]], filename: str
    ) -> None:
        super().__init__(filename=filename)
        self._header = header
        self._pages = pages

    async def read(self, bot: Bot) -> AsyncGenerator[bytes, None]:
        yield _csv([list(self._header)], bom=True)
        async for rows in self._pages:
            yield _csv(rows)


def _csv(rows: list[list[str]], bom: bool = False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


async def cmd_export(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    exports: Exports,
    t: Translator,
) -> None:
    wanted = (command.args or "").strip().lower()
    if wanted and wanted not in EXPORTS:
        await message.answer(t("export-usage"))
        return
    for name in [wanted] if wanted else list(EXPORTS):
        header = exports.columns(actor, name)  # refuses anyone but owners and managers
        await bot.send_document(
            message.chat.id,
            CsvDocument(header, exports.pages(actor, name), f"{name}.csv"),
            caption=t(f"export-name-{name}"),
        )


def create_router(admin_chat_ids: Collection[int]) -> Router:
    router = Router(name="admin.export")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_export, Command("export"))
    return router
