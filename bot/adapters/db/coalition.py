"""Partners and outlets: the program file's `[[partners]]` kept in the database, and the
settlement's sums in one grouped statement (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.adapters.db.models.core import Outlet, Partner
from bot.adapters.db.segments import SqlSegments
from bot.domain.coalition import PartnerConfig, PartnerRef, ReasonTotal
from bot.domain.ledger import EntryReason

# An entry's outlet: its own (a redemption outside a purchase), else its purchase's. Only the
# sums by partner and reason come back: a handful of rows whatever the number of entries.
_TOTALS = """
    SELECT o.partner_id AS partner_id, e.reason AS reason, SUM(e.amount) AS points
    FROM ledger_entries e
    LEFT JOIN purchases p ON p.id = e.purchase_id
    LEFT JOIN outlets o ON o.id = COALESCE(e.outlet_id, p.outlet_id)
    WHERE e.created_at >= :start AND e.created_at < :end
    GROUP BY o.partner_id, e.reason
"""


class TortoiseCoalition:
    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._sql = SqlSegments(connection)

    async def sync(self, partners: Sequence[PartnerConfig]) -> None:
        for config in partners:
            partner = await Partner.filter(code=config.code).using_db(self._db).first()
            if partner is None:
                partner = await Partner.create(
                    using_db=self._db, code=config.code, name=config.name
                )
            elif partner.name != config.name:
                partner.name = config.name
                await partner.save(using_db=self._db, update_fields=["name"])
            for item in config.outlets:
                outlet = await Outlet.filter(code=item.code).using_db(self._db).first()
                if outlet is None:
                    await Outlet.create(
                        using_db=self._db, code=item.code, name=item.name, partner=partner
                    )
                    continue
                current = (outlet.name, outlet.partner_id)  # type: ignore[attr-defined]
                if current != (item.name, partner.id):
                    outlet.name = item.name
                    outlet.partner_id = partner.id
                    await outlet.save(using_db=self._db, update_fields=["name", "partner_id"])

    async def partners(self) -> list[PartnerRef]:
        rows = await Partner.all().using_db(self._db).order_by("id")
        return [PartnerRef(int(row.id), row.code, row.name) for row in rows]

    async def outlet_codes(self) -> list[str]:
        rows = await Outlet.all().using_db(self._db).order_by("code").values_list("code", flat=True)
        return [str(code) for code in rows]

    async def settlement_totals(self, start: datetime, end: datetime) -> list[ReasonTotal]:
        rows = await self._sql._rows(_TOTALS, {"start": start, "end": end})
        return [
            ReasonTotal(
                partner_id=None if row["partner_id"] is None else int(row["partner_id"]),
                reason=EntryReason(row["reason"]),
                points=int(row["points"]),
            )
            for row in rows
        ]
