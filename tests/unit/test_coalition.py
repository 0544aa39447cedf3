"""The coalition's rules: the settlement period, the settlement itself on hand-computed sums,
the fewest transfers, and `[[partners]]` in the program file."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

import pytest

from bot.adapters.program_file import ProgramFileError, parse_program
from bot.domain.coalition import (
    PERIOD_INVALID,
    OutletConfig,
    PartnerConfig,
    PartnerRef,
    Period,
    ReasonTotal,
    Transfer,
    minimal_transfers,
    parse_period,
    settle,
)
from bot.domain.errors import InvalidInput
from bot.domain.ledger import EntryReason as R

ROOT = Path(__file__).resolve().parents[2]
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
ALPHA, BETA = PartnerRef(1, "alpha", "Alpha"), PartnerRef(2, "beta", "Beta")


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        (None, date(2026, 3, 15), Period(date(2026, 2, 1), date(2026, 3, 1))),
        ("", date(2026, 1, 1), Period(date(2025, 12, 1), date(2026, 1, 1))),
        ("2026-12", date(2026, 3, 15), Period(date(2026, 12, 1), date(2027, 1, 1))),
        ("2024-02", date(2026, 3, 15), Period(date(2024, 2, 1), date(2024, 3, 1))),
        (" 2026-03-05..2026-03-05 ", date(2026, 3, 15), Period(date(2026, 3, 5), date(2026, 3, 6))),
        ("2025-03-01..2026-02-28", date(2026, 3, 15), Period(date(2025, 3, 1), date(2026, 3, 1))),
    ],
)
def test_a_period_is_a_month_a_range_of_days_or_the_previous_month(
    text: str | None, today: date, expected: Period
) -> None:
    assert parse_period(text, today) == expected


@pytest.mark.parametrize(
    "text",
    [
        "march",
        "2026-13",
        "2026-3",
        "2026-02-30..2026-03-01",
        "2026-03-10..2026-03-01",
        "2024-01-01..2025-01-01",  # 367 days
        "2026-03-01..",
        "2026-03-01 2026-03-02",
    ],
)
def test_a_bad_period_is_refused_with_its_reason(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_period(text, date(2026, 3, 15))
    assert refused.value.details["reason"] == PERIOD_INVALID


def test_two_partners_settle_with_one_transfer_on_hand_computed_figures() -> None:
    # One point is worth 100 (1 ₽). Alpha (home): purchases earned 357 points at its outlets
    # or at none (300 + 27 + 30), a refund took 150 back; 100 were spent there. Beta: 84
    # earned, 24 taken back; 467 spent, 200 given back by a refund. 100 welcome points,
    # 40 expired.
    totals = [
        ReasonTotal(1, R.PURCHASE, 327),
        ReasonTotal(None, R.PURCHASE, 30),  # the till of a staff member with no outlet
        ReasonTotal(1, R.REFUND_EARNED, -150),
        ReasonTotal(1, R.REDEMPTION, -100),
        ReasonTotal(2, R.PURCHASE, 84),
        ReasonTotal(2, R.REFUND_EARNED, -24),
        ReasonTotal(2, R.REDEMPTION, -467),
        ReasonTotal(2, R.REFUND_USED, 200),
        ReasonTotal(None, R.WELCOME, 100),
        ReasonTotal(None, R.EXPIRY, -40),
    ]
    result = settle(MARCH, 100, [ALPHA, BETA], ALPHA.id, totals)

    alpha, beta = result.partners
    assert (alpha.earned, alpha.earned_reversed, alpha.issued) == (357, 150, 207)
    assert (alpha.spent, alpha.spent_returned, alpha.redeemed) == (100, 0, 100)
    assert alpha.position == 100 * (100 - 207) == -10_700
    assert (beta.issued, beta.redeemed, beta.position) == (60, 267, 20_700)
    assert result.pool == -10_000  # 267 issued, 367 redeemed: the welcome points
    assert (result.rewards, result.expired) == (100, 40)
    assert (result.balance("alpha"), result.balance("beta")) == (-20_700, 20_700)
    assert result.transfers == (Transfer("alpha", "beta", 20_700),)
    assert result.as_dict()["transfers"] == [{"payer": "alpha", "payee": "beta", "amount": 20_700}]


def test_sums_of_an_unknown_partner_count_for_the_home_partner() -> None:
    totals = [ReasonTotal(99, R.PURCHASE, 10), ReasonTotal(2, R.REDEMPTION, -10)]
    result = settle(MARCH, 1, [ALPHA, BETA], ALPHA.id, totals)
    assert result.partners[0].issued == 10
    assert result.transfers == (Transfer("alpha", "beta", 10),)


def test_a_quiet_period_has_no_transfers() -> None:
    result = settle(MARCH, 100, [ALPHA, BETA], ALPHA.id, [])
    assert result.transfers == () and result.pool == 0


def _settles(balances: dict[str, int], transfers: list[Transfer]) -> bool:
    left = dict(balances)
    for transfer in transfers:
        assert transfer.amount > 0 and transfer.payer != transfer.payee
        left[transfer.payer] += transfer.amount
        left[transfer.payee] -= transfer.amount
    return not any(left.values())


def _fewest_by_brute_force(balances: dict[str, int]) -> int:
    """n − (the most disjoint zero-sum groups), by trying every partition order."""
    items = [amount for amount in balances.values() if amount]
    best = 0
    for order in itertools.permutations(items):
        running, groups = 0, 0
        for amount in order:
            running += amount
            groups += running == 0
        best = max(best, groups)
    return len(items) - best


@pytest.mark.parametrize(
    "balances",
    [
        {"a": -500, "b": 500},
        {"a": -300, "b": 100, "c": 200},
        {"a": -100, "b": 100, "c": -250, "d": 250},  # two pairs: 2 transfers, not 3
        {"a": -70, "b": -30, "c": 50, "d": 20, "e": 30},  # {b, e} and {a, c, d}: 3
        {"a": 10, "b": -10, "c": 0},
        {"a": -6, "b": -4, "c": 3, "d": 3, "e": 4},
    ],
)
def test_the_transfers_settle_everyone_with_the_fewest_payments(balances: dict[str, int]) -> None:
    transfers = minimal_transfers(balances)
    assert _settles(balances, transfers)
    assert len(transfers) == _fewest_by_brute_force(balances)


def test_balances_that_do_not_sum_to_zero_are_a_bug() -> None:
    with pytest.raises(ValueError, match="sum to zero"):
        minimal_transfers({"a": 1})


PROGRAM = (ROOT / "program.toml").read_text(encoding="utf-8")


def test_the_example_program_names_its_home_partner_and_outlet() -> None:
    program = parse_program(PROGRAM)
    assert program.partners == (
        PartnerConfig("coffee-co", "Coffee & Co", (OutletConfig("main", "Main street"),)),
    )
    assert program.home_partner == "coffee-co"


def _without_partners(text: str) -> str:
    return text[: text.index("[[partners]]")]


def test_a_program_without_partners_has_no_home_partner() -> None:
    assert parse_program(_without_partners(PROGRAM)).home_partner is None


@pytest.mark.parametrize(
    ("partners", "reason"),
    [
        (
            '[[partners]]\ncode = "a"\nname = "A"\n[[partners]]\ncode = "a"\nname = "B"\n',
            "partner codes must be unique",
        ),
        (
            '[[partners]]\ncode = "a"\nname = "A"\noutlets = [{ code = "x", name = "X" }]\n'
            '[[partners]]\ncode = "b"\nname = "B"\noutlets = [{ code = "x", name = "Y" }]\n',
            "outlet codes must be unique across partners",
        ),
        ('[[partners]]\ncode = "Big Co"\nname = "A"\n', "String should match pattern"),
    ],
)
def test_bad_partners_are_refused_with_the_reason(partners: str, reason: str) -> None:
    with pytest.raises(ProgramFileError, match=reason):
        parse_program(_without_partners(PROGRAM) + partners)
