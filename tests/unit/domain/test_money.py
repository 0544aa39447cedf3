from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import InvalidInput
from bot.domain.money import parse_amount

LIMIT = 10_000_000  # 100 000.00


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("450", 45_000),
        ("450.50", 45_050),
        ("450,50", 45_050),
        ("450,5", 45_050),
        ("1 200", 120_000),
        ("1\u00a0200,75", 120_075),
        ("12 345 678", None),
        (" 99.99 ₽ ", 9_999),
        ("0.01", 1),
        ("100000", LIMIT),
    ],
)
def test_amounts_people_type(text: str, minor: int | None) -> None:
    if minor is None:
        with pytest.raises(InvalidInput):
            parse_amount(text, maximum=LIMIT)
    else:
        assert parse_amount(text, maximum=LIMIT) == minor


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0", "amount-not-positive"),
        ("0,00", "amount-not-positive"),
        ("-5", "amount-not-positive"),
        ("100000.01", "amount-above-limit"),
        ("450.505", "amount-too-precise"),
        ("abc", "amount-garbled"),
        ("", "amount-garbled"),
        ("1e3", "amount-garbled"),
        ("4.5.0", "amount-garbled"),
        ("12 34", "amount-garbled"),
        ("١٢٣", "amount-garbled"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount(text, maximum=LIMIT)
    assert caught.value.details["reason"] == reason


@given(st.integers(min_value=1, max_value=LIMIT))
def test_formatted_amounts_parse_back(minor: int) -> None:
    whole, cents = divmod(minor, 100)
    grouped = f"{whole:,}".replace(",", " ")
    assert parse_amount(f"{grouped},{cents:02d}", maximum=LIMIT) == minor
    assert parse_amount(f"{whole}.{cents:02d}", maximum=LIMIT) == minor


@given(st.text(max_size=20))
def test_any_text_is_an_amount_or_invalid_input(text: str) -> None:
    try:
        amount = parse_amount(text, maximum=LIMIT)
    except InvalidInput:
        return
    assert 0 < amount <= LIMIT
