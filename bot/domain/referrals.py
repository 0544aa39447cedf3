"""Referral rewards: when a friend's purchase pays the two-sided reward, and when it does not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

CHAIN_DEPTH = 50
"""How far up a referrer's own chain of referrers the circle check looks."""


class ReferralOutcome(StrEnum):
    """The decision taken once per friend, at their first qualifying purchase."""

    PAID = "paid"
    """Both the referrer and the friend are rewarded."""
    CAPPED = "capped"
    """The referrer reached the monthly cap: only the friend is rewarded."""
    SAME_PHONE = "same-phone"
    """The friend's phone is the referrer's: nobody is rewarded."""
    CIRCULAR = "circular"
    """The referrer was (directly or up the chain) referred by the friend: nobody is."""
    REFERRER_GONE = "referrer-gone"
    """The referrer is no longer an active member: only the friend is rewarded."""

    @property
    def pays_referrer(self) -> bool:
        return self is ReferralOutcome.PAID

    @property
    def pays_friend(self) -> bool:
        return self in (
            ReferralOutcome.PAID,
            ReferralOutcome.CAPPED,
            ReferralOutcome.REFERRER_GONE,
        )


def decide(
    *,
    friend_id: int,
    friend_phone: str | None,
    referrer_phone: str | None,
    referrer_active: bool,
    referrer_chain: Sequence[int],
    paid_this_month: int,
    monthly_cap: int | None,
) -> ReferralOutcome:
    """The outcome of a friend's first qualifying purchase.

    - self-referral is refused for both sides: the same phone, or a circle (the friend is
      among the referrer's own referrers, `referrer_chain`, nearest first);
    - a referrer who left or was erased earns nothing, the friend still does;
    - a referrer is paid for at most `monthly_cap` friends a calendar month (program time
      zone); over it the friend is still rewarded.
    """
    if friend_phone is not None and friend_phone == referrer_phone:
        return ReferralOutcome.SAME_PHONE
    if friend_id in referrer_chain:
        return ReferralOutcome.CIRCULAR
    if not referrer_active:
        return ReferralOutcome.REFERRER_GONE
    if monthly_cap is not None and paid_this_month >= monthly_cap:
        return ReferralOutcome.CAPPED
    return ReferralOutcome.PAID


@dataclass(frozen=True, slots=True)
class ReferredFriend:
    """A member someone referred, as the referrer's data export shows them."""

    first_name: str | None
    """None once the friend erased their data."""
    joined_at: datetime | None
    """None until the friend finished joining."""
    outcome: str | None
    """The `ReferralOutcome` taken at their first qualifying purchase; None before it."""
