"""Point lots: points earned together, which expire together.

Every credit of points (a purchase, a bonus, a certificate) creates a lot. Spending takes points
from the lots that expire first; expiry takes what is left in a lot once its date has passed. The
member's balance is the ledger's sum; the lots only say *which* points are spent or expire.

A lot expires at its `expires_at` instant: it is expired at any `now >= expires_at`.
All datetimes are timezone-aware UTC, as in the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import InsufficientPoints, InvalidInput
from bot.domain.program import ExpiryRules

Taken = tuple[int, int]
"""(lot id, points) taken from or put back into a lot."""


@dataclass(frozen=True, slots=True)
class Lot:
    id: int
    amount: int
    """Points the lot was created with."""
    remaining: int
    """Points of the lot not yet spent, expired or reversed."""
    earned_at: datetime
    expires_at: datetime | None = None
    """None: these points never expire."""

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


def expires_at_for(rules: ExpiryRules, earned_at: datetime) -> datetime | None:
    """When points earned at `earned_at` expire: `after_days` later, or never when unset."""
    if rules.after_days is None:
        return None
    return earned_at + timedelta(days=rules.after_days)


def _fifo_key(lot: Lot) -> tuple[bool, datetime, datetime, int]:
    # Lots that never expire sort last; among them (the key's second item is then earned_at)
    # and among equal expiry dates, the oldest earned goes first.
    return (lot.expires_at is None, lot.expires_at or lot.earned_at, lot.earned_at, lot.id)


def fifo_order(lots: Iterable[Lot]) -> list[Lot]:
    """The lots in spending order: earliest expiry first, lots that never expire last."""
    return sorted(lots, key=_fifo_key)


def consume_fifo(lots: Iterable[Lot], points: int) -> list[Taken]:
    """Which lots a spending of `points` takes from, and how much from each.

    - the lot that expires first is emptied first; lots that never expire go last;
    - never more than a lot's `remaining`; empty lots are skipped;
    - InsufficientPoints when all the lots together hold fewer points;
    - spending 0 points takes nothing; a negative amount is InvalidInput.
    """
    if points < 0:
        raise InvalidInput("points-negative", reason="points-negative", points=points)
    taken: list[Taken] = []
    left = points
    for lot in fifo_order(lots):
        if left == 0:
            break
        if lot.remaining <= 0:
            continue
        take = min(lot.remaining, left)
        taken.append((lot.id, take))
        left -= take
    if left > 0:
        raise InsufficientPoints(points=points, available=points - left)
    return taken


def expire(lots: Iterable[Lot], now: datetime) -> list[Taken]:
    """The points that expire at `now`: what remains in every lot past its expiry, in FIFO order."""
    return [
        (lot.id, lot.remaining)
        for lot in fifo_order(lots)
        if lot.remaining > 0 and lot.is_expired(now)
    ]


def expiring_before(lots: Iterable[Lot], moment: datetime) -> int:
    """Points that will have expired by `moment` (the same boundary as `expire`).

    Lots already past expiry that the expiry job has not processed yet are included: they will
    be gone too. For a reminder, pass `now + remind_days_before`.
    """
    return sum(lot.remaining for lot in lots if lot.remaining > 0 and lot.is_expired(moment))


# --- giving spent points back (a refunded or cancelled redemption) -----------------------------


def plan_return(consumptions: Sequence[Taken], already_returned: int, points: int) -> list[Taken]:
    """Which lots `points` returned from a redemption go back to.

    - the redemption took `consumptions` (from `consume_fifo`, oldest expiry first);
    - points go back in the reverse order, the lot taken from last first, so the points that
      live longest come back first;
    - `already_returned` points (earlier partial refunds) were handed back the same way and are
      skipped, so partial returns that add up to the whole give back exactly what was taken;
    - InvalidInput when more would be returned than was taken.
    """
    total = sum(taken for _, taken in consumptions)
    if points < 0 or already_returned < 0 or already_returned + points > total:
        raise InvalidInput("return-exceeds-taken", reason="return-exceeds-taken", taken=total)
    plan: list[Taken] = []
    skip, left = already_returned, points
    for lot_id, taken in reversed(consumptions):
        skipped = min(skip, taken)
        skip -= skipped
        give = min(taken - skipped, left)
        if give > 0:
            plan.append((lot_id, give))
            left -= give
    return plan


@dataclass(frozen=True, slots=True)
class Restoration:
    into_lots: tuple[Taken, ...]
    """(lot id, points) to add back to the `remaining` of existing lots."""
    new_lot_points: int
    """Points that need a new lot (their lot has expired, or is gone)."""


def restore(lots: Iterable[Lot], returns: Iterable[Taken], *, now: datetime) -> Restoration:
    """Where returned points go.

    - back into the lot they came from while that lot has not expired at `now`, up to the lot's
      original `amount`;
    - otherwise (or for the part that does not fit) into one new lot, which the caller creates
      with a fresh expiry (`expires_at_for(program.expiry, now)`): a refund does not make
      points expire at once.
    """
    by_id = {lot.id: lot for lot in lots}
    added: dict[int, int] = {}
    new_lot_points = 0
    for lot_id, points in returns:
        if points < 0:
            raise InvalidInput("points-negative", reason="points-negative", points=points)
        lot = by_id.get(lot_id)
        room = 0
        if lot is not None and not lot.is_expired(now):
            room = lot.amount - lot.remaining - added.get(lot_id, 0)
        give = max(0, min(points, room))
        if give:
            added[lot_id] = added.get(lot_id, 0) + give
        new_lot_points += points - give
    return Restoration(into_lots=tuple(added.items()), new_lot_points=new_lot_points)
