"""Staff: who may work the till, and who acts in each operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.offers import Coupon

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


SHELL_OPERATOR = Actor(0, Role.OWNER)
"""Whoever runs `python -m bot` (api-key, report) holds the machine and its database: an
owner. Telegram id 0 is nobody's; audit rows show it as the shell."""


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
    coupons: tuple[CardCoupon, ...] = ()
    """The member's active coupons, soonest ending first."""


@dataclass(frozen=True, slots=True)
class CardCoupon:
    coupon: Coupon
    usable: bool
    """Inside its dates and hours now: the card view offers to apply it."""


def short_name(first_name: str | None, last_name: str | None) -> str:
    """ "Anna K." — the first name and the last initial."""
    first = (first_name or "").strip()
    initial = (last_name or "").strip()[:1]
    return f"{first} {initial}.".strip() if initial else first


REDEMPTION_CALLBACK_PREFIX = "rdm"
"""Callback data of the customer's buttons: `rdm:<ok|no>:<request id>`; the id alone proves
nothing, the service checks that the presser is the request's member."""


def redemption_callback(confirm: bool, request_id: int) -> str:
    return f"{REDEMPTION_CALLBACK_PREFIX}:{'ok' if confirm else 'no'}:{request_id}"


class RedemptionStatus(StrEnum):
    PENDING = "pending"
    CONFIRMING = "confirming"
    """Claimed by the customer's confirmation; the ledger operation is running (or a crash
    interrupted it: pressing Confirm again finishes it, idempotently)."""
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"
    """Confirmed in time, but the ledger refused (the balance changed since the request)."""


@dataclass(frozen=True, slots=True)
class NewRedemptionRequest:
    member_id: int
    staff_id: int | None
    points: int
    check_amount: int
    created_at: datetime
    expires_at: datetime
    staff_chat_id: int | None
    staff_locale: str
    api_key_id: int | None = None
    """Set (and `staff_id` None) when a POS asked through the API."""


@dataclass(frozen=True, slots=True)
class RedemptionRequestRecord:
    id: int
    member_id: int
    member_telegram_id: int | None
    staff_id: int | None
    points: int
    check_amount: int
    status: RedemptionStatus
    created_at: datetime
    expires_at: datetime
    staff_chat_id: int | None
    staff_message_id: int | None
    staff_locale: str
    api_key_id: int | None = None
    outlet_id: int | None = None
    """Where it was asked: the staff member's outlet, or the API key's."""


@dataclass(frozen=True, slots=True)
class RedemptionAsk:
    """A redemption request waiting for the customer: what the staff message shows."""

    request_id: int
    member_id: int
    display_name: str
    points: int
    discount: int
    """What the points take off the check, in minor units."""
    check_amount: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class RedemptionOutcome:
    request_id: int
    status: RedemptionStatus
    points: int
    discount: int
    balance: int | None
    """The member's balance after a confirmed redemption."""


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    staff_id: int
    name: str
    registered: int
    """Members who joined through the staff member's `st_` link in the period."""
    purchases: int
    """Purchases the staff member recorded in the period."""
    surveys: int = 0
    """Surveys completed through the staff member's `sv_` link or prompt in the period."""


@dataclass(frozen=True, slots=True)
class Leaderboard:
    since: datetime
    until: datetime
    rows: tuple[LeaderboardRow, ...]
    """Every active staff member, best first: most members registered, then most purchases
    recorded, then the longest-serving (lowest id)."""

    def rank_of(self, staff_id: int) -> int | None:
        return next((i for i, row in enumerate(self.rows, 1) if row.staff_id == staff_id), None)


def rank_leaderboard(rows: list[LeaderboardRow]) -> tuple[LeaderboardRow, ...]:
    return tuple(sorted(rows, key=lambda r: (-r.registered, -r.purchases, -r.surveys, r.staff_id)))
