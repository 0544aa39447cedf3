"""Members as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class MemberStatus(StrEnum):
    JOINING = "joining"
    """Started the bot, has not finished joining (no consent or phone yet)."""
    ACTIVE = "active"
    FORGOTTEN = "forgotten"
    """Asked to delete their data: personal fields erased, ledger kept anonymously."""


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    telegram_id: int | None
    status: MemberStatus
    locale: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    birthday: date | None
    card_code: str
    referral_code: str
    source: str
    balance: int
    tier_code: str
    marketing_opt_in: bool
    reachable: bool
    joined_at: datetime | None
    consented_at: datetime | None = None
    referred_by_id: int | None = None
    registered_by_id: int | None = None

    @property
    def display_name(self) -> str:
        return self.first_name or ""


@dataclass(frozen=True, slots=True)
class NewMember:
    """What is known when someone first opens the bot."""

    telegram_id: int
    locale: str
    first_name: str | None
    last_name: str | None
    username: str | None
    source: str
    card_code: str
    referral_code: str
    tier_code: str
    referred_by_id: int | None = None
    registered_by_id: int | None = None


@dataclass(frozen=True, slots=True)
class PurchaseSummary:
    """A purchase as the member's data export shows it."""

    created_at: datetime
    amount: int
    points_used: int
    points_earned: int
    category: str | None
    receipt_no: str | None
    refunded_amount: int
