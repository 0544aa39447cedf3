from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.receipts import parse_receipt_number


@pytest.mark.parametrize(
    ("typed", "number"),
    [("A-1001", "A-1001"), ("  77 ", "77"), ("ЧЕК-15", "ЧЕК-15"), ("x" * 32, "x" * 32)],
)
def test_receipt_numbers_cash_registers_print(typed: str, number: str) -> None:
    assert parse_receipt_number(typed) == number


@pytest.mark.parametrize("typed", ["", "   ", "A 1", "A_1", "№5", "x" * 33, "1;DROP"])
def test_anything_else_is_refused_with_a_reason(typed: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_receipt_number(typed)
    assert caught.value.details["reason"] == "receipt-invalid"
