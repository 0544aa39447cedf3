"""Coalitions: partners (brands) with their outlets, and the settlement between them.

One program, one balance per member: points earned at any partner's outlet are spent at any
other's. Who paid for the points and who gave them away as a discount is settled per period by
`settle` (docs/COALITION.md):

- every point is worth the program's `point_value` (minor units);
- a partner *issues* the points its outlets' purchases earn, less those refunds take back; it
  *redeems* the points spent at its outlets, less those refunds give back;
- its position is `point_value × (redeemed − issued)`: positive, the pool owes it; negative, it
  owes the pool;
- the pool (what was issued and not redeemed, expired points included) is kept by the home
  partner (the first in the program file), which runs the program: it also owns what happened
  at no outlet (a till whose staff member has no outlet, program rewards), so positions and pool
  sum to zero and two partners settle with one transfer;
- program rewards (welcome, birthday, ... and the owner's adjustments) and expired points are
  lines of their own: no outlet issued or redeemed them.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.errors import InvalidInput
from bot.domain.ledger import EntryReason

PERIOD_INVALID = "settlement-period"
"""`InvalidInput` reason: a period that is not `YYYY-MM` or `YYYY-MM-DD..YYYY-MM-DD`."""
MAX_PERIOD_DAYS = 366
EXACT_TRANSFERS_LIMIT = 12
"""Up to this many partners with a non-zero balance the transfers are provably minimal (a
search over subsets, 2^n); beyond, the greedy match gives at most n − 1."""

OUTLET_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
"""A partner's or an outlet's code (the program file checks the same pattern); a command's
argument that does not match cannot name one."""

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True, slots=True)
class OutletConfig:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class PartnerConfig:
    """A brand of the coalition as the program file names it (`[[partners]]`)."""

    code: str
    name: str
    outlets: tuple[OutletConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days in the program's time zone: `start` up to, not including, `end`."""

    start: date
    end: date

    @property
    def last(self) -> date:
        return self.end - timedelta(days=1)


def _month(year: int, month: int) -> Period:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return Period(start, end)


def previous_month(today: date) -> Period:
    first = today.replace(day=1)
    return _month((first - timedelta(days=1)).year, (first - timedelta(days=1)).month)


def parse_period(text: str | None, today: date) -> Period:
    """The period a command names: nothing (the previous calendar month), `YYYY-MM`, or
    `YYYY-MM-DD..YYYY-MM-DD` (both days included, at most 366 days). Anything else is
    InvalidInput (`settlement-period`)."""
    text = (text or "").strip()
    if not text:
        return previous_month(today)
    # A month 13 or a 31st of February (ValueError) gets the same refusal as any other bad text.
    with contextlib.suppress(ValueError):
        if month := _MONTH.fullmatch(text):
            return _month(int(month[1]), int(month[2]))
        if days := _RANGE.fullmatch(text):
            start, last = date.fromisoformat(days[1]), date.fromisoformat(days[2])
            if start <= last and (last - start).days < MAX_PERIOD_DAYS:
                return Period(start, last + timedelta(days=1))
    raise InvalidInput(PERIOD_INVALID, reason=PERIOD_INVALID)


@dataclass(frozen=True, slots=True)
class PartnerRef:
    id: int
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class ReasonTotal:
    """The signed sum of the period's ledger entries of one reason at one partner's outlets
    (`partner_id` None: at no outlet, or at an outlet with no partner)."""

    partner_id: int | None
    reason: EntryReason
    points: int


@dataclass(frozen=True, slots=True)
class PartnerSettlement:
    code: str
    name: str
    earned: int
    """Points earned by purchases at its outlets."""
    earned_reversed: int
    """Of those (of any period), taken back by refunds in this one."""
    spent: int
    """Points spent at its outlets."""
    spent_returned: int
    """Of those, given back by refunds."""
    point_value: int

    @property
    def issued(self) -> int:
        return self.earned - self.earned_reversed

    @property
    def redeemed(self) -> int:
        return self.spent - self.spent_returned

    @property
    def position(self) -> int:
        """Minor units: positive, the pool owes the partner; negative, the partner owes it."""
        return self.point_value * (self.redeemed - self.issued)


@dataclass(frozen=True, slots=True)
class Transfer:
    payer: str
    payee: str
    amount: int
    """Minor units, positive."""


@dataclass(frozen=True, slots=True)
class Settlement:
    period: Period
    point_value: int
    home: str
    """The code of the partner that keeps the pool."""
    partners: tuple[PartnerSettlement, ...]
    rewards: int
    """Points given by the program itself (rewards, offers, adjustments), net."""
    expired: int
    """Points that expired: issued, never redeemed; the pool keeps their value."""
    transfers: tuple[Transfer, ...]

    @property
    def pool(self) -> int:
        """Minor units the pool keeps: the value of the points issued and not redeemed."""
        return -sum(p.position for p in self.partners)

    def balance(self, code: str) -> int:
        """What the partner receives (positive) or pays (negative) in all: its position, and
        the pool for the home partner."""
        own = next(p.position for p in self.partners if p.code == code)
        return own + (self.pool if code == self.home else 0)

    def as_dict(self) -> dict[str, object]:
        """The JSON form (`python -m bot report settlement --json`): integers only, money in
        minor units, the period's days inclusive."""
        return {
            "period": {
                "first": self.period.start.isoformat(),
                "last": self.period.last.isoformat(),
            },
            "point_value": self.point_value,
            "home": self.home,
            "partners": [
                {
                    "code": p.code,
                    "name": p.name,
                    "earned": p.earned,
                    "earned_reversed": p.earned_reversed,
                    "issued": p.issued,
                    "spent": p.spent,
                    "spent_returned": p.spent_returned,
                    "redeemed": p.redeemed,
                    "position": p.position,
                    "balance": self.balance(p.code),
                }
                for p in self.partners
            ],
            "pool": self.pool,
            "rewards": self.rewards,
            "expired": self.expired,
            "transfers": [
                {"payer": t.payer, "payee": t.payee, "amount": t.amount} for t in self.transfers
            ],
        }


_ISSUING = {EntryReason.PURCHASE, EntryReason.REFUND_EARNED}
_REDEEMING = {EntryReason.REDEMPTION, EntryReason.REFUND_USED}


def settle(
    period: Period,
    point_value: int,
    partners: Sequence[PartnerRef],
    home_id: int,
    totals: Iterable[ReasonTotal],
) -> Settlement:
    """The settlement of `period` from the sums the database grouped by partner and reason.

    - sums at no outlet, or at a partner not in `partners`, count for the home partner;
    - an expiry is a line of its own, every other reason but purchases, redemptions and their
      refunds is a program reward (a line of its own);
    - the transfers are the fewest that bring every partner's balance to zero.
    """
    known = {p.id for p in partners}
    sums: dict[tuple[int, EntryReason], int] = {}
    rewards = expired = 0
    for total in totals:
        if total.reason is EntryReason.EXPIRY:
            expired -= total.points
        elif total.reason not in _ISSUING | _REDEEMING:
            rewards += total.points
        else:
            partner = total.partner_id if total.partner_id in known else home_id
            key = (partner, total.reason)
            sums[key] = sums.get(key, 0) + total.points
    lines = tuple(
        PartnerSettlement(
            code=p.code,
            name=p.name,
            earned=sums.get((p.id, EntryReason.PURCHASE), 0),
            earned_reversed=-sums.get((p.id, EntryReason.REFUND_EARNED), 0),
            spent=-sums.get((p.id, EntryReason.REDEMPTION), 0),
            spent_returned=sums.get((p.id, EntryReason.REFUND_USED), 0),
            point_value=point_value,
        )
        for p in partners
    )
    home = next(p.code for p in partners if p.id == home_id)
    draft = Settlement(period, point_value, home, lines, rewards, expired, ())
    balances = {p.code: draft.balance(p.code) for p in lines}
    return Settlement(
        period, point_value, home, lines, rewards, expired, tuple(minimal_transfers(balances))
    )


def minimal_transfers(balances: Mapping[str, int]) -> list[Transfer]:
    """The fewest payments that bring every balance to zero (positive: to receive).

    With n non-zero balances in k groups that each sum to zero (the most such groups there
    are), n − k payments are needed and enough: inside a group, the largest debtor pays the
    largest creditor as much as both allow until the group is even. The groups are found
    exactly up to `EXACT_TRANSFERS_LIMIT` balances; beyond, all form one group (n − 1).
    """
    if sum(balances.values()) != 0:
        raise ValueError("balances must sum to zero")
    items = sorted((code, amount) for code, amount in balances.items() if amount)
    groups = _zero_sum_groups(items) if len(items) <= EXACT_TRANSFERS_LIMIT else [items]
    return [transfer for group in groups for transfer in _settle_group(group)]


def _zero_sum_groups(items: list[tuple[str, int]]) -> list[list[tuple[str, int]]]:
    """Split `items` (summing to zero) into the most subsets that each sum to zero.

    best[mask] is the most zero-sum prefixes any ordering of `mask` has; the ordering that
    reaches best[full] is rebuilt backwards, and cut where its running sum is zero."""
    n = len(items)
    full = (1 << n) - 1
    sums = [0] * (full + 1)
    best = [0] * (full + 1)
    for mask in range(1, full + 1):
        low = (mask & -mask).bit_length() - 1
        sums[mask] = sums[mask & (mask - 1)] + items[low][1]
        gain = 1 if sums[mask] == 0 else 0
        best[mask] = gain + max(best[mask ^ (1 << i)] for i in range(n) if mask >> i & 1)
    order: list[int] = []
    mask = full
    while mask:
        gain = 1 if sums[mask] == 0 else 0
        members = (i for i in range(n) if mask >> i & 1)
        i = next(i for i in members if best[mask ^ (1 << i)] + gain == best[mask])
        order.append(i)
        mask ^= 1 << i
    groups: list[list[tuple[str, int]]] = [[]]
    running = 0
    for i in reversed(order):
        groups[-1].append(items[i])
        running += items[i][1]
        if running == 0:
            groups.append([])
    return [group for group in groups if group]


def _settle_group(group: list[tuple[str, int]]) -> list[Transfer]:
    owed = {code: amount for code, amount in group}
    transfers: list[Transfer] = []
    while any(owed.values()):
        payer = min(owed, key=lambda code: (owed[code], code))
        payee = max(owed, key=lambda code: (owed[code], code))
        amount = min(-owed[payer], owed[payee])
        transfers.append(Transfer(payer, payee, amount))
        owed[payer] += amount
        owed[payee] -= amount
    return transfers
