"""Repositories: tortoise rows in, domain dataclasses out. They never commit: the unit of work
that created them owns the transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.core import ProcessedUpdate
from bot.adapters.db.models.core import Staff as StaffRow
from bot.adapters.db.models.ledger import Purchase as PurchaseRow
from bot.domain.imports import IMPORT_SOURCE, ImportedMember
from bot.domain.members import Member, MemberStatus, NewMember, PurchaseSummary


async def insert_or_skip(connection: Any, model: type[Model], **values: Any) -> Any | None:
    """Insert a row inside a savepoint; None if a unique constraint already holds it.

    The savepoint keeps the surrounding transaction usable on PostgreSQL, where a failed
    statement would otherwise abort the whole transaction."""
    try:
        async with connection._in_transaction() as savepoint:
            return await model.create(using_db=savepoint, **values)
    except IntegrityError:
        return None


class _ClaimLost(Exception):
    """Another transaction linked the imported member first: roll the claim back."""


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
        consented_at=row.consented_at,
        referred_by_id=row.referred_by_id,  # type: ignore[attr-defined]
        registered_by_id=row.registered_by_id,  # type: ignore[attr-defined]
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
            referred_by_id=member.referred_by_id,
            registered_by_id=member.registered_by_id,
            created_at=now,
        )
        return member_from_row(row) if row else None

    async def set_locale(self, member_id: int, locale: str) -> None:
        await MemberRow.filter(id=member_id).using_db(self._db).update(locale=locale)

    async def set_card_code(self, member_id: int, card_code: str) -> None:
        await MemberRow.filter(id=member_id).using_db(self._db).update(card_code=card_code)

    async def id_by_referral_code(self, referral_code: str) -> int | None:
        row = (
            await MemberRow.filter(referral_code=referral_code, status=MemberStatus.ACTIVE.value)
            .using_db(self._db)
            .only("id")
            .first()
        )
        return row.id if row else None

    async def active_staff_id_by_code(self, code: str) -> int | None:
        row = await StaffRow.filter(code=code, active=True).using_db(self._db).only("id").first()
        return row.id if row else None

    async def phone_owner(self, phone: str) -> int | None:
        row = await MemberRow.filter(phone=phone).using_db(self._db).only("id").first()
        return row.id if row else None

    async def record_consent(self, member_id: int, now: datetime) -> None:
        await (
            MemberRow.filter(id=member_id, consented_at__isnull=True)
            .using_db(self._db)
            .update(consented_at=now)
        )

    async def set_phone(self, member_id: int, phone: str) -> bool:
        # A savepoint, so that a concurrent claim of the same phone (the unique index) leaves
        # the transaction usable on PostgreSQL.
        try:
            async with self._db._in_transaction() as savepoint:
                await MemberRow.filter(id=member_id).using_db(savepoint).update(phone=phone)
        except IntegrityError:
            return False
        return True

    async def set_name(self, member_id: int, first_name: str, last_name: str | None) -> None:
        await (
            MemberRow.filter(id=member_id)
            .using_db(self._db)
            .update(first_name=first_name, last_name=last_name)
        )

    async def activate(self, member_id: int, birthday: date | None, now: datetime) -> bool:
        updated = await (
            MemberRow.filter(id=member_id, status=MemberStatus.JOINING.value)
            .using_db(self._db)
            .update(status=MemberStatus.ACTIVE.value, birthday=birthday, joined_at=now)
        )
        return bool(updated)

    async def set_marketing_opt_in(self, member_id: int, opt_in: bool) -> None:
        await MemberRow.filter(id=member_id).using_db(self._db).update(marketing_opt_in=opt_in)

    async def set_birthday(self, member_id: int, birthday: date) -> bool:
        updated = await (
            MemberRow.filter(id=member_id, birthday__isnull=True)
            .using_db(self._db)
            .update(birthday=birthday)
        )
        return bool(updated)

    async def set_reachable(self, telegram_id: int, reachable: bool) -> bool:
        updated = await (
            MemberRow.filter(telegram_id=telegram_id).using_db(self._db).update(reachable=reachable)
        )
        return bool(updated)

    async def forget(self, member_id: int, now: datetime) -> None:
        await (
            MemberRow.filter(id=member_id)
            .using_db(self._db)
            .update(
                telegram_id=None,
                status=MemberStatus.FORGOTTEN.value,
                first_name=None,
                last_name=None,
                username=None,
                phone=None,
                external_id=None,
                birthday=None,
                timezone=None,
                marketing_opt_in=False,
                reachable=False,
                forgotten_at=now,
            )
        )

    async def purchases_of(self, member_id: int) -> list[PurchaseSummary]:
        rows = (
            await PurchaseRow.filter(member_id=member_id)
            .using_db(self._db)
            .order_by("created_at", "id")
        )
        return [
            PurchaseSummary(
                created_at=row.created_at,
                amount=row.amount,
                points_used=row.points_used,
                points_earned=row.points_earned,
                category=row.category,
                receipt_no=row.receipt_no,
                refunded_amount=row.refunded_amount,
            )
            for row in rows
        ]

    async def add_imported(
        self,
        member: ImportedMember,
        card_code: str,
        referral_code: str,
        tier_code: str,
        now: datetime,
    ) -> Member | None:
        row = await insert_or_skip(
            self._db,
            MemberRow,
            telegram_id=None,
            status=MemberStatus.ACTIVE.value,
            locale=member.locale,
            first_name=member.first_name,
            last_name=member.last_name,
            phone=member.phone,
            external_id=member.external_id,
            birthday=member.birthday,
            source=IMPORT_SOURCE,
            card_code=card_code,
            referral_code=referral_code,
            tier_code=tier_code,
            # No Telegram chat yet: the outbox skips the member until they join the bot.
            reachable=False,
            joined_at=member.joined_at or now,
            created_at=now,
        )
        return member_from_row(row) if row else None

    async def id_by_external_id(self, external_id: str) -> int | None:
        row = await MemberRow.filter(external_id=external_id).using_db(self._db).only("id").first()
        return row.id if row else None

    async def claim_imported(self, imported_id: int, visitor_id: int) -> bool:
        visitor = await MemberRow.filter(id=visitor_id).using_db(self._db).first()
        imported = (
            await MemberRow.filter(
                id=imported_id, telegram_id__isnull=True, status=MemberStatus.ACTIVE.value
            )
            .using_db(self._db)
            .first()
        )
        if visitor is None or imported is None:
            return False
        try:
            async with self._db._in_transaction() as savepoint:
                # The visitor's row goes first: it holds the Telegram id (unique). A joining
                # member has no ledger rows (the ledger needs an active member), so nothing
                # restricts the delete.
                await MemberRow.filter(id=visitor_id).using_db(savepoint).delete()
                updated = await (
                    MemberRow.filter(id=imported_id, telegram_id__isnull=True)
                    .using_db(savepoint)
                    .update(
                        telegram_id=visitor.telegram_id,
                        locale=visitor.locale,
                        username=visitor.username,
                        first_name=imported.first_name or visitor.first_name,
                        last_name=imported.last_name if imported.first_name else visitor.last_name,
                        consented_at=visitor.consented_at,
                        reachable=True,
                    )
                )
                if not updated:
                    raise _ClaimLost
        except _ClaimLost:
            return False
        return True


class TortoiseUpdateLog:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def claim(self, update_id: int, now: datetime) -> bool:
        row = await insert_or_skip(self._db, ProcessedUpdate, update_id=update_id, processed_at=now)
        return row is not None

    async def release(self, update_id: int) -> None:
        await ProcessedUpdate.filter(update_id=update_id).using_db(self._db).delete()
