"""The points ledger: append-only entries, each with a reason and an idempotency key.

An entry is never changed: a correction or a refund is a new entry. `amount` is signed (a credit
is positive, a debit negative) and `balance_after` is the member's balance once it is applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.program import RewardReason

IDEMPOTENCY_KEY_MAX_LENGTH = 160
"""The width of the `idempotency_key` columns."""


class EntryReason(StrEnum):
    """Why points moved. The usual sign of the amount is given for each."""

    PURCHASE = "purchase"
    """+ points earned by a purchase."""
    REDEMPTION = "redemption"
    """- points spent on a check."""
    REFUND_EARNED = "refund_earned"
    """- points earned by a purchase, taken back when it is refunded."""
    REFUND_USED = "refund_used"
    """+ points spent on a purchase, given back when it is refunded."""
    EXPIRY = "expiry"
    """- points of a lot past its expiry."""
    WELCOME = "welcome"
    BIRTHDAY = "birthday"
    SURVEY = "survey"
    REFERRAL_REFERRER = "referral_referrer"
    REFERRAL_FRIEND = "referral_friend"
    CHANNEL_JOIN = "channel_join"
    CERTIFICATE = "certificate"
    """+ a gift certificate redeemed into points."""
    ADJUSTMENT = "adjustment"
    """± a manual correction by the owner; the note says why."""
    OFFER = "offer"
    """+ the bonus of an offer coupon."""
    WINBACK_BONUS = "winback_bonus"
    VIP_BONUS = "vip_bonus"


def reward_entry_reason(reason: RewardReason) -> EntryReason:
    """The ledger reason of a non-purchase reward (the same name)."""
    return EntryReason(reason.value)


class ActorType(StrEnum):
    """Who caused an entry; `actor_id` is the member, staff or partner id (None for the system)."""

    MEMBER = "member"
    STAFF = "staff"
    OWNER = "owner"
    POS = "pos"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    member_id: int
    amount: int
    """Signed points: positive credits, negative debits."""
    reason: EntryReason
    idempotency_key: str
    balance_after: int
    created_at: datetime
    actor_type: ActorType
    actor_id: int | None = None
    note: str | None = None
    purchase_id: int | None = None


def _escape(part: str | int) -> str:
    if isinstance(part, bool) or not isinstance(part, str | int):
        raise TypeError(f"an idempotency key part must be a str or an int, not {part!r}")
    # Escaping the separator keeps keys unambiguous: ("a:b", "c") and ("a", "b:c") differ.
    return str(part).replace("%", "%25").replace(":", "%3A")


def idempotency_key(*parts: str | int) -> str:
    """A stable key from its parts, e.g. `idempotency_key("purchase", 123, "earn")` is
    "purchase:123:earn".

    - the parts are joined with ":"; a ":" (or "%") inside a part is percent-escaped, so
      different parts never give the same key;
    - a key longer than the column (160) becomes `<first part>%sha256:<hex of the full key>`,
      still stable; "%s" never occurs in an unhashed key, so the two kinds cannot collide.
    """
    if not parts:
        raise ValueError("an idempotency key needs at least one part")
    escaped = [_escape(part) for part in parts]
    key = ":".join(escaped)
    if len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{escaped[0][:80]}%sha256:{digest}"
