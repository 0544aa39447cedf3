"""Staff: who may work the till, and who acts in each operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

INVITE_PREFIX = "inv_"
"""`/start inv_<token>`: a staff invite link."""
STAFF_REF_PREFIX = "st_"
"""`/start st_<code>`: a member registered by a staff member (leaderboard attribution)."""


class StaffRole(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"


class Role(StrEnum):
    """The role an actor has in one operation, resolved at the edge from trusted data only
    (OWNER_IDS from the configuration, the staff table), never from what the client sends."""

    MEMBER = "member"
    CASHIER = "cashier"
    MANAGER = "manager"
    OWNER = "owner"


@dataclass(frozen=True, slots=True)
class Actor:
    telegram_id: int
    role: Role
    staff_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.CASHIER, Role.MANAGER, Role.OWNER)

    @property
    def can_manage(self) -> bool:
        """Owners and managers run the admin chat; cashiers only work the till."""
        return self.role in (Role.MANAGER, Role.OWNER)


@dataclass(frozen=True, slots=True)
class StaffMember:
    id: int
    telegram_id: int
    name: str
    role: StaffRole
    code: str
    outlet_id: int | None
    active: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffInvite:
    token: str
    """Shown once, in the link; the database keeps its digest."""
    role: StaffRole
    outlet_id: int | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CardView:
    """What staff see after scanning a card: no phone, no full name."""

    scan_id: int
    member_id: int
    display_name: str
    tier_code: str
    balance: int


def short_name(first_name: str | None, last_name: str | None) -> str:
    """ "Anna K." — the first name and the last initial."""
    first = (first_name or "").strip()
    initial = (last_name or "").strip()[:1]
    return f"{first} {initial}.".strip() if initial else first
