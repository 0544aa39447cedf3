"""Staff, invites, card scans and the audit log on tortoise."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.core import Staff as StaffRow
from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.models.staff import AuditEntry, CardScan, RedemptionRequest, StaffInvite
from bot.adapters.db.models.surveys import SurveyResponse
from bot.adapters.db.repositories import insert_or_skip
from bot.domain.staff import (
    Actor,
    LeaderboardRow,
    NewRedemptionRequest,
    RedemptionRequestRecord,
    RedemptionStatus,
    StaffMember,
    StaffRole,
)


def staff_from_row(row: StaffRow) -> StaffMember:
    return StaffMember(
        id=row.id,
        telegram_id=row.telegram_id,
        name=row.name,
        role=StaffRole(row.role),
        code=row.code,
        outlet_id=row.outlet_id,  # type: ignore[attr-defined]
        active=row.active,
        created_at=row.created_at,
    )


class TortoiseStaffRepository:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def active_by_telegram_id(self, telegram_id: int) -> StaffMember | None:
        row = await StaffRow.filter(telegram_id=telegram_id, active=True).using_db(self._db).first()
        return staff_from_row(row) if row else None

    async def by_code(self, code: str) -> StaffMember | None:
        row = await StaffRow.filter(code=code).using_db(self._db).first()
        return staff_from_row(row) if row else None

    async def list_active(self) -> list[StaffMember]:
        rows = await StaffRow.filter(active=True).using_db(self._db).order_by("id")
        return [staff_from_row(row) for row in rows]

    async def add_invite(
        self,
        token_digest: str,
        role: StaffRole,
        outlet_id: int | None,
        created_by: int,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await StaffInvite.create(
            using_db=self._db,
            token_digest=token_digest,
            role=role.value,
            outlet_id=outlet_id,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )

    async def use_invite(
        self, token_digest: str, now: datetime
    ) -> tuple[StaffRole, int | None, int] | None:
        invite = await StaffInvite.filter(token_digest=token_digest).using_db(self._db).first()
        if invite is None:
            return None
        # Guarded: of two people opening the same link at once, exactly one gets the update.
        taken = (
            await StaffInvite.filter(id=invite.id, used_at__isnull=True, expires_at__gt=now)
            .using_db(self._db)
            .update(used_at=now)
        )
        if not taken:
            return None
        return StaffRole(invite.role), invite.outlet_id, invite.id  # type: ignore[attr-defined]

    async def add_staff(
        self,
        telegram_id: int,
        name: str,
        role: StaffRole,
        outlet_id: int | None,
        now: datetime,
        invite_id: int,
    ) -> StaffMember:
        row = await StaffRow.create(
            using_db=self._db,
            telegram_id=telegram_id,
            name=name,
            role=role.value,
            code=f"s{invite_id:x}{telegram_id % 4096:03x}",
            outlet_id=outlet_id,
            created_at=now,
        )
        await StaffInvite.filter(id=invite_id).using_db(self._db).update(used_by_id=row.id)
        return staff_from_row(row)

    async def deactivate(self, staff_id: int, now: datetime) -> StaffMember | None:
        changed = (
            await StaffRow.filter(id=staff_id, active=True)
            .using_db(self._db)
            .update(active=False, removed_at=now)
        )
        if not changed:
            return None
        row = await StaffRow.get(id=staff_id, using_db=self._db)
        return staff_from_row(row)

    async def add_scan(
        self, token_digest: str, member_id: int, staff_id: int, now: datetime
    ) -> int | None:
        row = await insert_or_skip(
            self._db,
            CardScan,
            token_digest=token_digest,
            member_id=member_id,
            staff_id=staff_id,
            created_at=now,
        )
        return int(row.id) if row is not None else None

    async def claim_scan(
        self, scan_id: int, staff_id: int, operation: str, now: datetime, not_before: datetime
    ) -> int | None:
        claimed = (
            await CardScan.filter(
                Q(id=scan_id, staff_id=staff_id, used_at__isnull=True, created_at__gte=not_before)
            )
            .using_db(self._db)
            .update(used_at=now, operation=operation)
        )
        if not claimed:
            return None
        scan = await CardScan.get(id=scan_id, using_db=self._db)
        return int(scan.member_id)  # type: ignore[attr-defined]

    async def open_scan_member(
        self, scan_id: int, staff_id: int, not_before: datetime
    ) -> int | None:
        scan = (
            await CardScan.filter(
                Q(id=scan_id, staff_id=staff_id, used_at__isnull=True, created_at__gte=not_before)
            )
            .using_db(self._db)
            .first()
        )
        return int(scan.member_id) if scan else None  # type: ignore[attr-defined]

    async def release_scan(self, scan_id: int) -> None:
        await CardScan.filter(id=scan_id).using_db(self._db).update(used_at=None, operation=None)

    async def audit(
        self,
        actor: Actor,
        action: str,
        member_id: int | None,
        details: dict[str, Any],
        now: datetime,
    ) -> None:
        await AuditEntry.create(
            using_db=self._db,
            actor_telegram_id=actor.telegram_id,
            staff_id=actor.staff_id,
            action=action,
            member_id=member_id,
            details=details,
            created_at=now,
        )

    async def count_actions(self, staff_id: int, action: str, since: datetime) -> int:
        return int(
            await AuditEntry.filter(staff_id=staff_id, action=action, created_at__gte=since)
            .using_db(self._db)
            .count()
        )

    async def count_purchases_by_staff(self, staff_id: int, since: datetime) -> int:
        query = Purchase.filter(staff_id=staff_id, created_at__gte=since).using_db(self._db)
        return int(await query.count())

    async def count_purchases_of_member(self, member_id: int, since: datetime) -> int:
        query = Purchase.filter(member_id=member_id, created_at__gte=since).using_db(self._db)
        return int(await query.count())

    async def add_redemption_request(self, request: NewRedemptionRequest) -> int:
        row = await RedemptionRequest.create(
            using_db=self._db,
            member_id=request.member_id,
            staff_id=request.staff_id,
            api_key_id=request.api_key_id,
            points=request.points,
            check_amount=request.check_amount,
            status=RedemptionStatus.PENDING.value,
            created_at=request.created_at,
            expires_at=request.expires_at,
            staff_chat_id=request.staff_chat_id,
            staff_locale=request.staff_locale,
        )
        return int(row.id)

    async def set_redemption_message(self, request_id: int, message_id: int) -> None:
        await (
            RedemptionRequest.filter(id=request_id)
            .using_db(self._db)
            .update(staff_message_id=message_id)
        )

    async def redemption_request(self, request_id: int) -> RedemptionRequestRecord | None:
        row = (
            await RedemptionRequest.filter(id=request_id)
            .using_db(self._db)
            .select_related("member", "staff", "api_key")
            .first()
        )
        if row is None:
            return None
        # Where it was asked: the staff member's outlet, or the API key's.
        asker: Any = row.staff or row.api_key
        return _request_from_row(row, asker.outlet_id if asker else None)

    async def move_redemption(
        self,
        request_id: int,
        from_statuses: Sequence[RedemptionStatus],
        to_status: RedemptionStatus,
        now: datetime,
    ) -> bool:
        changed = (
            await RedemptionRequest.filter(
                id=request_id, status__in=[s.value for s in from_statuses]
            )
            .using_db(self._db)
            .update(status=to_status.value, decided_at=now)
        )
        return bool(changed)

    async def overdue_redemption_requests(
        self, now: datetime, limit: int
    ) -> list[RedemptionRequestRecord]:
        rows = (
            await RedemptionRequest.filter(
                status=RedemptionStatus.PENDING.value, expires_at__lte=now
            )
            .using_db(self._db)
            .select_related("member")
            .order_by("expires_at", "id")
            .limit(limit)
        )
        return [_request_from_row(row) for row in rows]

    async def leaderboard_counts(self, since: datetime, until: datetime) -> list[LeaderboardRow]:
        registered = (
            await MemberRow.filter(
                registered_by_id__isnull=False, joined_at__gt=since, joined_at__lte=until
            )
            .using_db(self._db)
            .annotate(n=Count("id"))
            .group_by("registered_by_id")
            .values("registered_by_id", "n")
        )
        recorded = (
            await Purchase.filter(
                staff_id__isnull=False, created_at__gt=since, created_at__lte=until
            )
            .using_db(self._db)
            .annotate(n=Count("id"))
            .group_by("staff_id")
            .values("staff_id", "n")
        )
        prompted = (
            await SurveyResponse.filter(
                staff_id__isnull=False, completed_at__gt=since, completed_at__lte=until
            )
            .using_db(self._db)
            .annotate(n=Count("id"))
            .group_by("staff_id")
            .values("staff_id", "n")
        )
        by_registrar = {int(r["registered_by_id"]): int(r["n"]) for r in registered}
        by_prompter = {int(r["staff_id"]): int(r["n"]) for r in prompted}
        by_recorder = {int(r["staff_id"]): int(r["n"]) for r in recorded}
        people = await StaffRow.filter(active=True).using_db(self._db).order_by("id")
        return [
            LeaderboardRow(
                staff_id=person.id,
                name=person.name,
                registered=by_registrar.get(person.id, 0),
                purchases=by_recorder.get(person.id, 0),
                surveys=by_prompter.get(person.id, 0),
            )
            for person in people
        ]


def _request_from_row(
    row: RedemptionRequest, outlet_id: int | None = None
) -> RedemptionRequestRecord:
    return RedemptionRequestRecord(
        id=int(row.id),
        member_id=int(row.member_id),  # type: ignore[attr-defined]
        member_telegram_id=row.member.telegram_id,
        staff_id=row.staff_id,  # type: ignore[attr-defined]
        api_key_id=row.api_key_id,  # type: ignore[attr-defined]
        points=int(row.points),
        check_amount=int(row.check_amount),
        status=RedemptionStatus(row.status),
        created_at=row.created_at,
        expires_at=row.expires_at,
        staff_chat_id=row.staff_chat_id,
        staff_message_id=row.staff_message_id,
        staff_locale=row.staff_locale,
        outlet_id=outlet_id,
    )
