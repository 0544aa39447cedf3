"""What the ledger use cases exchange with their ports: accounts, new rows, stored rows, and who
acts. Plain frozen dataclasses; the database adapter turns its rows into these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.domain.ledger import ActorType, EntryReason
from bot.domain.members import MemberStatus


@dataclass(frozen=True, slots=True)
class LedgerActor:
    """Who acts in a ledger operation, resolved at the edge from trusted data only.

    `id` is the member id for a member, the staff id for staff, the Telegram id for an owner,
    the partner (or outlet) id for a POS, and None for the system (scheduler jobs)."""

    type: ActorType
    id: int | None = None

    @classmethod
    def system(cls) -> LedgerActor:
        return cls(ActorType.SYSTEM)

    @classmethod
    def owner(cls, telegram_id: int) -> LedgerActor:
        return cls(ActorType.OWNER, telegram_id)

    @classmethod
    def staff(cls, staff_id: int) -> LedgerActor:
        return cls(ActorType.STAFF, staff_id)

    @classmethod
    def member(cls, member_id: int) -> LedgerActor:
        return cls(ActorType.MEMBER, member_id)

    @classmethod
    def pos(cls, partner_id: int | None = None) -> LedgerActor:
        return cls(ActorType.POS, partner_id)


@dataclass(frozen=True, slots=True)
class Account:
    """The ledger's view of a member: the cached balance and the tier."""

    member_id: int
    status: MemberStatus
    balance: int
    tier_code: str
    referred_by: int | None = None
    """The member who referred this one (read with the row lock, for the referral reward)."""


@dataclass(frozen=True, slots=True)
class NewEntry:
    member_id: int
    amount: int
    reason: EntryReason
    idempotency_key: str
    balance_after: int
    created_at: datetime
    actor: LedgerActor
    note: str | None = None
    purchase_id: int | None = None
    outlet_id: int | None = None
    """Where a redemption outside a purchase happened (a purchase's entries take its outlet)."""


@dataclass(frozen=True, slots=True)
class NewPurchase:
    member_id: int
    amount: int
    points_used: int
    points_earned: int
    category: str | None
    receipt_no: str | None
    outlet_id: int | None
    staff_id: int | None
    channel: str
    idempotency_key: str
    request_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PurchaseRecord:
    id: int
    member_id: int
    amount: int
    points_used: int
    points_earned: int
    refunded_amount: int
    points_earned_reversed: int
    points_used_returned: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewRefund:
    purchase_id: int
    amount: int
    points_earned_reversed: int
    points_used_returned: int
    idempotency_key: str
    request_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    id: int
    points: int
    expires_at: datetime | None
    used_at: datetime | None
    used_by_id: int | None


@dataclass(frozen=True, slots=True)
class StoredOperation:
    """An idempotent operation already done: what was asked (its hash) and what it answered."""

    key: str
    kind: str
    member_id: int
    request_hash: str
    result: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class TierMove:
    member_id: int
    from_tier: str
    to_tier: str
    upgrade: bool
