import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InsufficientPoints, InvalidInput
from bot.domain.lots import (
    Lot,
    Restoration,
    consume_fifo,
    expire,
    expires_at_for,
    expiring_before,
    fifo_order,
    plan_return,
    restore,
)
from bot.domain.program import ExpiryRules

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def lot(id: int, remaining: int, expires: int | None, *, amount: int | None = None) -> Lot:
    return Lot(
        id=id,
        amount=remaining if amount is None else amount,
        remaining=remaining,
        earned_at=day(id),
        expires_at=None if expires is None else day(expires),
    )


# A welcome bonus that never expires, and three purchases expiring a year after they were earned.
LOTS = [lot(1, 100, None), lot(2, 30, 367), lot(3, 50, 366), lot(4, 20, 370)]


def test_expiry_date_follows_the_program() -> None:
    assert expires_at_for(ExpiryRules(after_days=365), T0) == day(365)
    assert expires_at_for(ExpiryRules(after_days=None), T0) is None


def test_spending_takes_the_earliest_expiry_first_and_never_expiring_last() -> None:
    assert consume_fifo(LOTS, 90) == [(3, 50), (2, 30), (4, 10)]
    assert consume_fifo(LOTS, 150) == [(3, 50), (2, 30), (4, 20), (1, 50)]


def test_spending_skips_empty_lots() -> None:
    assert consume_fifo([lot(1, 0, 10, amount=40), lot(2, 5, 20)], 5) == [(2, 5)]


def test_same_expiry_spends_the_older_lot_first() -> None:
    assert consume_fifo([lot(5, 10, 400), lot(4, 10, 400)], 15) == [(4, 10), (5, 5)]


def test_spending_all_points_empties_every_lot() -> None:
    assert sum(taken for _, taken in consume_fifo(LOTS, 200)) == 200


def test_spending_more_than_the_lots_hold_fails() -> None:
    with pytest.raises(InsufficientPoints):
        consume_fifo(LOTS, 201)


def test_spending_nothing_takes_nothing() -> None:
    assert consume_fifo(LOTS, 0) == []
    with pytest.raises(InvalidInput):
        consume_fifo(LOTS, -1)


def test_expire_takes_what_remains_in_lots_past_expiry() -> None:
    assert expire(LOTS, day(365)) == []
    assert expire(LOTS, day(366)) == [(3, 50)]  # expired at the instant
    assert expire(LOTS, day(368)) == [(3, 50), (2, 30)]
    assert expire([lot(9, 0, 1, amount=10)], day(400)) == []


def test_expiring_before_counts_the_reminder_window() -> None:
    assert expiring_before(LOTS, day(360)) == 0
    assert expiring_before(LOTS, day(367)) == 80
    assert expiring_before(LOTS, day(10_000)) == 100


def test_plan_return_undoes_the_last_taken_first() -> None:
    taken = [(3, 50), (2, 30), (4, 10)]
    assert plan_return(taken, 0, 90) == [(4, 10), (2, 30), (3, 50)]
    assert plan_return(taken, 0, 15) == [(4, 10), (2, 5)]
    assert plan_return(taken, 15, 30) == [(2, 25), (3, 5)]


def test_plan_return_refuses_more_than_was_taken() -> None:
    with pytest.raises(InvalidInput):
        plan_return([(3, 50)], 20, 31)


def test_restore_puts_points_back_into_live_lots() -> None:
    lots = [lot(3, 0, 366, amount=50), lot(2, 0, 367, amount=30)]
    assert restore(lots, [(2, 30), (3, 50)], now=day(100)) == Restoration(
        into_lots=((2, 30), (3, 50)), new_lot_points=0
    )


def test_restore_makes_a_new_lot_for_points_whose_lot_expired_or_is_gone() -> None:
    lots = [lot(3, 0, 366, amount=50), lot(2, 0, 367, amount=30)]
    assert restore(lots, [(2, 30), (3, 50), (7, 5)], now=day(366)) == Restoration(
        into_lots=((2, 30),), new_lot_points=55
    )


def test_restore_never_fills_a_lot_beyond_its_amount() -> None:
    lots = [lot(2, 25, 367, amount=30)]
    assert restore(lots, [(2, 8), (2, 2)], now=day(1)) == Restoration(
        into_lots=((2, 5),), new_lot_points=5
    )


# --- properties --------------------------------------------------------------------------------


@st.composite
def lot_lists(draw: st.DrawFn) -> list[Lot]:
    count = draw(st.integers(0, 12))
    lots = []
    for i in range(count):
        amount = draw(st.integers(1, 1000))
        earned = draw(st.integers(0, 400))
        lots.append(
            Lot(
                id=i + 1,
                amount=amount,
                remaining=draw(st.integers(0, amount)),
                earned_at=day(earned),
                expires_at=draw(st.none() | st.integers(earned, 800).map(day)),
            )
        )
    return lots


@given(lot_lists(), st.integers(0, 13_000))
def test_fifo_never_takes_more_than_a_lot_has_and_drains_oldest_first(
    lots: list[Lot], points: int
) -> None:
    available = sum(lot.remaining for lot in lots)
    if points > available:
        with pytest.raises(InsufficientPoints):
            consume_fifo(lots, points)
        return
    taken = consume_fifo(lots, points)
    by_id = {lot.id: lot for lot in lots}
    assert sum(t for _, t in taken) == points
    assert all(0 < t <= by_id[lot_id].remaining for lot_id, t in taken)
    assert len({lot_id for lot_id, _ in taken}) == len(taken)
    # Every lot earlier in FIFO order than the last one touched was emptied.
    order = [lot for lot in fifo_order(lots) if lot.remaining > 0]
    assert [lot_id for lot_id, _ in taken] == [lot.id for lot in order[: len(taken)]]
    assert all(t == by_id[lot_id].remaining for lot_id, t in taken[:-1])


@given(lot_lists())
def test_fifo_order_puts_earlier_expiry_first(lots: list[Lot]) -> None:
    ordered = fifo_order(lots)
    expiring = [lot.expires_at for lot in ordered if lot.expires_at is not None]
    assert expiring == sorted(expiring)
    assert all(lot.expires_at is None for lot in ordered[len(expiring) :])


@given(lot_lists(), st.integers(0, 900).map(day))
def test_expiring_before_matches_what_expire_would_take(lots: list[Lot], moment: datetime) -> None:
    expired = expire(lots, moment)
    assert expiring_before(lots, moment) == sum(points for _, points in expired)
    assert all(points > 0 for _, points in expired)


@given(lot_lists(), st.data())
def test_partial_returns_give_back_exactly_what_was_taken(
    lots: list[Lot], data: st.DataObject
) -> None:
    available = sum(lot.remaining for lot in lots)
    taken = consume_fifo(lots, data.draw(st.integers(0, available)))
    total = sum(t for _, t in taken)
    cuts = sorted(data.draw(st.lists(st.integers(0, total), max_size=5)))
    bounds = [0, *cuts, total]
    returned: dict[int, int] = {}
    for start, end in itertools.pairwise(bounds):
        for lot_id, points in plan_return(taken, start, end - start):
            returned[lot_id] = returned.get(lot_id, 0) + points
    assert returned == {lot_id: t for lot_id, t in taken}


@given(
    lot_lists(),
    st.lists(st.tuples(st.integers(1, 14), st.integers(0, 500)), max_size=6),
    st.integers(0, 900).map(day),
)
def test_restore_keeps_every_point_and_respects_lot_amounts(
    lots: list[Lot], returns: list[tuple[int, int]], now: datetime
) -> None:
    result = restore(lots, returns, now=now)
    by_id = {lot.id: lot for lot in lots}
    assert sum(p for _, p in result.into_lots) + result.new_lot_points == sum(p for _, p in returns)
    for lot_id, points in result.into_lots:
        assert points > 0
        assert not by_id[lot_id].is_expired(now)
        assert by_id[lot_id].remaining + points <= by_id[lot_id].amount
