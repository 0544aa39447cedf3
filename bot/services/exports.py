"""`/export`: members, purchases and the ledger as CSV rows, streamed page by page.

Rules:
- owners and managers only (checked here, whatever chat asked);
- rows come in pages of `PAGE_SIZE` by id (keyset paging, one short transaction per page), so
  memory stays flat however big the tables are; rows added while an export runs may appear;
- a forgotten member's personal data stays out (`bot/domain/exports.py`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.domain.errors import InvalidInput, PermissionDenied
from bot.domain.exports import EXPORTS, FORGOTTEN, export_row
from bot.domain.ports import UnitOfWorkFactory
from bot.domain.staff import Actor

PAGE_SIZE = 1000


class Exports:
    def __init__(self, uow: UnitOfWorkFactory, page_size: int = PAGE_SIZE) -> None:
        self._uow = uow
        self._page_size = page_size

    def columns(self, actor: Actor, export: str) -> tuple[str, ...]:
        """The header of `export`; refuses anyone but an owner or a manager, and unknown names."""
        if not actor.can_manage:
            raise PermissionDenied("export")
        if export not in EXPORTS:
            raise InvalidInput(f"unknown export {export!r}", reason="export")
        return EXPORTS[export]

    async def pages(self, actor: Actor, export: str) -> AsyncIterator[list[list[str]]]:
        """The rows of `export` as text, a page at a time, in id order."""
        columns = self.columns(actor, export)
        after = 0
        while True:
            async with self._uow() as uow:
                rows = await uow.reports.export_page(export, columns, after, self._page_size)
            if not rows:
                return
            yield [export_row(columns, r, r["member_status"] == FORGOTTEN) for r in rows]
            if len(rows) < self._page_size:
                return
            after = int(rows[-1]["id"])
