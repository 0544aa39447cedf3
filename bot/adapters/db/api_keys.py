"""API keys of the POS / web-shop API: the repository behind `uow.api_keys`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.db.models.api import ApiKey
from bot.adapters.db.models.core import Outlet
from bot.adapters.db.models.ledger import Purchase
from bot.domain.pos import ApiKeyRecord


def _record(row: ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=int(row.id),
        key_id=row.key_id,
        digest=row.digest,
        outlet_id=int(row.outlet_id),  # type: ignore[attr-defined]
        outlet_code=row.outlet.code,
        partner_id=row.outlet.partner_id,  # type: ignore[attr-defined]
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class TortoiseApiKeys:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def outlet_by_code(self, code: str) -> int | None:
        row = await Outlet.filter(code=code).using_db(self._db).first()
        return int(row.id) if row else None

    async def add(self, key_id: str, digest: str, outlet_id: int, now: datetime) -> None:
        await ApiKey.create(
            using_db=self._db, key_id=key_id, digest=digest, outlet_id=outlet_id, created_at=now
        )

    async def by_key_id(self, key_id: str) -> ApiKeyRecord | None:
        row = await ApiKey.filter(key_id=key_id).using_db(self._db).select_related("outlet").first()
        return _record(row) if row else None

    async def revoke(self, key_id: str, now: datetime) -> bool:
        changed = (
            await ApiKey.filter(key_id=key_id, revoked_at__isnull=True)
            .using_db(self._db)
            .update(revoked_at=now)
        )
        return bool(changed)

    async def list(self) -> list[ApiKeyRecord]:
        rows = await ApiKey.all().using_db(self._db).select_related("outlet").order_by("id")
        return [_record(row) for row in rows]

    async def purchase_outlet(self, purchase_id: int) -> int | None:
        row = await Purchase.filter(id=purchase_id).using_db(self._db).first()
        return row.outlet_id if row else None  # type: ignore[attr-defined]
