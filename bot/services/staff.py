"""Staff use cases: invites, the staff list, scanning a customer's card."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta, tzinfo

from bot.domain.card_token import member_id_from_card_code, parse_card_code, verify_card_token
from bot.domain.errors import (
    CardTokenReplayed,
    InviteInvalid,
    MemberNotFound,
    NotFound,
    PermissionDenied,
    ScanClosed,
)
from bot.domain.joining import normalize_phone
from bot.domain.members import Member, MemberStatus
from bot.domain.offers import unusable_reason
from bot.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain.staff import (
    Actor,
    CardCoupon,
    CardView,
    Role,
    StaffInvite,
    StaffMember,
    StaffRole,
    short_name,
)

INVITE_VALIDITY = timedelta(hours=24)
OUTLET_UNKNOWN = "outlet-unknown"
SCAN_VALIDITY = timedelta(minutes=10)
"""How long a card view stays usable for its one operation."""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        owner_ids: Collection[int],
        card_secret: bytes,
        card_ttl: timedelta,
        token_factory: Callable[[], str] = lambda: secrets.token_urlsafe(16),
        timezone: tzinfo = UTC,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._owners = frozenset(owner_ids)
        self._card_secret = card_secret
        self._card_ttl = card_ttl
        self._new_token = token_factory
        self._tz = timezone
        """The program's: a coupon's hours of the week are in it."""

    async def actor_for(self, telegram_id: int) -> Actor:
        """Who this Telegram user is to the program: owner (from the configuration), active
        staff (from the staff table), or a member."""
        if telegram_id in self._owners:
            async with self._uow() as uow:
                staff = await uow.staff.active_by_telegram_id(telegram_id)
            return Actor(telegram_id, Role.OWNER, staff.id if staff else None)
        async with self._uow() as uow:
            staff = await uow.staff.active_by_telegram_id(telegram_id)
        if staff is None:
            return Actor(telegram_id, Role.MEMBER)
        return Actor(telegram_id, Role(staff.role.value), staff.id)

    async def create_invite(
        self, actor: Actor, role: StaffRole, outlet_code: str | None = None
    ) -> StaffInvite:
        """An invite link's token.

        - owners invite anyone; managers invite cashiers only;
        - `outlet_code`: the outlet the new staff member works at (an unknown one is NotFound
          `outlet-unknown`); their till's purchases and redemptions count for its partner in
          the settlement (without one, for the home partner);
        - single use, valid for 24 hours; the database keeps only the token's digest.
        """
        if not actor.can_manage or (actor.role is Role.MANAGER and role is not StaffRole.CASHIER):
            raise PermissionDenied("invite")
        token = self._new_token()
        now = self._clock.now()
        expires_at = now + INVITE_VALIDITY
        async with self._uow() as uow:
            outlet_id = None
            if outlet_code is not None:
                outlet_id = await uow.api_keys.outlet_by_code(outlet_code)
                if outlet_id is None:
                    raise NotFound(OUTLET_UNKNOWN, reason=OUTLET_UNKNOWN, outlet=outlet_code)
            await uow.staff.add_invite(
                digest(token), role, outlet_id, actor.telegram_id, now, expires_at
            )
            await uow.staff.audit(actor, "invite", None, {"role": role.value}, now)
        return StaffInvite(token, role, outlet_id, expires_at)

    async def accept_invite(self, telegram_id: int, name: str, token: str) -> StaffMember:
        """Opening an invite link makes the user staff.

        - the invite must exist, be unused and unexpired (else InviteInvalid, nothing changes);
        - a user who is already active staff keeps their role (InviteInvalid);
        - two people racing for one invite: one wins (guarded update).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.staff.active_by_telegram_id(telegram_id) is not None:
                raise InviteInvalid("already-staff", reason="already-staff")
            invite = await uow.staff.use_invite(digest(token), now)
            if invite is None:
                raise InviteInvalid("invite-invalid")
            role, outlet_id, invite_id = invite
            staff = await uow.staff.add_staff(
                telegram_id, name[:128] or str(telegram_id), role, outlet_id, now, invite_id
            )
            actor = Actor(telegram_id, Role(role.value), staff.id)
            await uow.staff.audit(actor, "join", None, {"invite": invite_id}, now)
            return staff

    async def list_staff(self, actor: Actor) -> list[StaffMember]:
        if not actor.can_manage:
            raise PermissionDenied("staff-list")
        async with self._uow() as uow:
            return await uow.staff.list_active()

    async def remove_staff(self, actor: Actor, staff_id: int) -> StaffMember:
        """Owners remove staff; the removal holds from the next update on (every staff
        operation re-reads the staff table)."""
        if actor.role is not Role.OWNER:
            raise PermissionDenied("staff-remove")
        now = self._clock.now()
        async with self._uow() as uow:
            removed = await uow.staff.deactivate(staff_id, now)
            if removed is None:
                raise PermissionDenied("staff-remove", reason="not-found")
            await uow.staff.audit(actor, "remove", None, {"staff_id": staff_id}, now)
            return removed

    async def scan_card(self, actor: Actor, token: str) -> CardView:
        """A staff member opened a customer's card link.

        - only active staff (re-read now): anyone else gets PermissionDenied and learns nothing;
        - the token must verify (forged: CardTokenInvalid; too old: CardTokenExpired);
        - a token serves one scan (a replayed screenshot: CardTokenReplayed);
        - a forgotten or unknown member is MemberNotFound.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            staff = await self._require_staff(uow, actor)
            member_id = verify_card_token(token, now, self._card_secret, self._card_ttl)
            member = await self._require_member(uow, member_id)
            scan_id = await uow.staff.add_scan(digest(token), member.id, staff.id, now)
            if scan_id is None:
                raise CardTokenReplayed("card-token-replayed")
            await uow.staff.audit(actor, "scan", member.id, {"scan": scan_id}, now)
            return await self._view(uow, scan_id, member, now)

    async def find_member(self, actor: Actor, query: str) -> CardView:
        """Look a customer up at the till by the numeric card code or by phone number
        (normalised: `8 (912) 345-67-89`... must match the shared contact's digits).
        Staff only; opens a card view like a scan."""
        now = self._clock.now()
        async with self._uow() as uow:
            staff = await self._require_staff(uow, actor)
            member: Member | None = None
            code = parse_card_code(query)
            if code is not None:
                member_id = member_id_from_card_code(code, self._card_secret)
                member = await uow.members.get(member_id) if member_id else None
            else:
                owner = await uow.members.phone_owner(normalize_phone(query))
                member = await uow.members.get(owner) if owner else None
            if member is None or member.status is not MemberStatus.ACTIVE:
                raise MemberNotFound("member-not-found")
            scan_id = await uow.staff.add_scan(
                digest(f"lookup:{self._new_token()}"), member.id, staff.id, now
            )
            assert scan_id is not None
            await uow.staff.audit(actor, "lookup", member.id, {"scan": scan_id}, now)
            return await self._view(uow, scan_id, member, now)

    async def claim_scan(self, actor: Actor, scan_id: int, operation: str) -> int:
        """Spend the card view's one operation; the member id it was opened for.

        The scan id arrives in callback data, so it proves nothing by itself: the scan must
        belong to this (still active) staff member, be unused and younger than 10 minutes."""
        now = self._clock.now()
        async with self._uow() as uow:
            staff = await self._require_staff(uow, actor)
            member_id = await uow.staff.claim_scan(
                scan_id, staff.id, operation, now, now - SCAN_VALIDITY
            )
            if member_id is None:
                raise ScanClosed("scan-closed")
            return member_id

    async def release_scan(self, scan_id: int) -> None:
        """Give the operation back when it was refused (a typo in the amount, say)."""
        async with self._uow() as uow:
            await uow.staff.release_scan(scan_id)

    async def _require_staff(self, uow: UnitOfWork, actor: Actor) -> StaffMember:
        staff = await uow.staff.active_by_telegram_id(actor.telegram_id)
        if staff is None:
            raise PermissionDenied("not-staff", reason="not-staff")
        return staff

    async def _view(self, uow: UnitOfWork, scan_id: int, member: Member, now: datetime) -> CardView:
        """The card view, with the member's active coupons (those usable now can be applied
        to the purchase)."""
        coupons = await uow.offers.active_coupons(member.id, now)
        return CardView(
            scan_id=scan_id,
            member_id=member.id,
            display_name=short_name(member.first_name, member.last_name),
            tier_code=member.tier_code,
            balance=member.balance,
            coupons=tuple(
                CardCoupon(c, unusable_reason(c, now, self._tz) is None) for c in coupons
            ),
        )

    async def _require_member(self, uow: UnitOfWork, member_id: int) -> Member:
        member = await uow.members.get(member_id)
        if member is None or member.status is not MemberStatus.ACTIVE:
            raise MemberNotFound("member-not-found")
        return member
