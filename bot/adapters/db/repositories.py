"""Repositories: tortoise rows in, domain dataclasses out. They never commit: the unit of work
that created them owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.core import ProcessedUpdate
from bot.domain.members import Member, MemberStatus, NewMember


async def insert_or_skip(connection: Any, model: type[Model], **values: Any) -> Any | None:
    """Insert a row inside a savepoint; None if a unique constraint already holds it.

    The savepoint keeps the surrounding transaction usable on PostgreSQL, where a failed
    statement would otherwise abort the whole transaction."""
    try:
        async with connection._in_transaction() as savepoint:
            return await model.create(using_db=savepoint, **values)
    except IntegrityError:
        return None


def member_from_row(row: MemberRow) -> Member:
    return Member(
        id=row.id,
        telegram_id=row.telegram_id,
        status=MemberStatus(row.status),
        locale=row.locale,
        first_name=row.first_name,
        last_name=row.last_name,
        phone=row.phone,
        birthday=row.birthday,
        card_code=row.card_code,
        referral_code=row.referral_code,
        source=row.source,
        balance=row.balance,
        tier_code=row.tier_code,
        marketing_opt_in=row.marketing_opt_in,
        reachable=row.reachable,
        joined_at=row.joined_at,
    )


class TortoiseMemberRepository:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        row = await MemberRow.filter(telegram_id=telegram_id).using_db(self._db).first()
        return member_from_row(row) if row else None

    async def get(self, member_id: int) -> Member | None:
        row = await MemberRow.filter(id=member_id).using_db(self._db).first()
        return member_from_row(row) if row else None

    async def add(self, member: NewMember, now: datetime) -> Member | None:
        row = await insert_or_skip(
            self._db,
            MemberRow,
            telegram_id=member.telegram_id,
            locale=member.locale,
            first_name=member.first_name,
            last_name=member.last_name,
            username=member.username,
            source=member.source,
            card_code=member.card_code,
            referral_code=member.referral_code,
            tier_code=member.tier_code,
            created_at=now,
        )
        return member_from_row(row) if row else None

    async def set_locale(self, member_id: int, locale: str) -> None:
        await MemberRow.filter(id=member_id).using_db(self._db).update(locale=locale)


class TortoiseUpdateLog:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def claim(self, update_id: int, now: datetime) -> bool:
        row = await insert_or_skip(self._db, ProcessedUpdate, update_id=update_id, processed_at=now)
        return row is not None

    async def release(self, update_id: int) -> None:
        await ProcessedUpdate.filter(update_id=update_id).using_db(self._db).delete()
