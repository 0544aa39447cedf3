"""Validation of what a customer types or shares while joining."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.joining import check_own_contact, normalize_phone, parse_birthday, parse_name

TODAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("shared", "normalized"),
    [
        ("79991234567", "+79991234567"),
        ("+7 999 123-45-67", "+79991234567"),
        ("+1 (555) 010.0000", "+15550100000"),
        ("+447700900123", "+447700900123"),
    ],
)
def test_phones_become_plus_and_digits(shared: str, normalized: str) -> None:
    assert normalize_phone(shared) == normalized


@pytest.mark.parametrize("shared", ["", "+", "12345", "+1234567890123456", "7999abc4567", "++7999"])
def test_garbled_phones_are_refused(shared: str) -> None:
    with pytest.raises(InvalidInput) as error:
        normalize_phone(shared)
    assert error.value.details["reason"] == "phone-invalid"


def test_only_the_senders_own_contact_counts() -> None:
    check_own_contact(5, 5)
    for other in (6, None):
        with pytest.raises(InvalidInput) as error:
            check_own_contact(5, other)
        assert error.value.details["reason"] == "contact-not-own"


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("Anna", ("Anna", None)),
        ("  Анна   Мария ", ("Анна", "Мария")),
        ("O'Neil-Smith Jr.", ("O'Neil-Smith", "Jr.")),
        ("José", ("José", None)),
    ],
)
def test_names(typed: str, parsed: tuple[str, str | None]) -> None:
    assert parse_name(typed) == parsed


@pytest.mark.parametrize("typed", ["", "   ", "R2D2", "<b>Anna</b>", "Anna 🙂", "---", "a" * 65])
def test_bad_names_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_name(typed)
    assert error.value.details["reason"] == "name-invalid"


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("24.05.1990", date(1990, 5, 24)),
        ("1.2.1990", date(1990, 2, 1)),
        ("1990-05-24", date(1990, 5, 24)),
        (" 29.02.2024 ", date(2024, 2, 29)),
        ("02.03.2026", TODAY),
        ("01.01.1900", date(1900, 1, 1)),
    ],
)
def test_birthdays(typed: str, day: date) -> None:
    assert parse_birthday(typed, TODAY) == day


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("31.02.1990", "birthday-invalid"),
        ("29.02.2023", "birthday-invalid"),
        ("24/05/1990", "birthday-invalid"),
        ("24.05.90", "birthday-invalid"),
        ("tomorrow", "birthday-invalid"),
        ("03.03.2026", "birthday-in-future"),
        ("31.12.1899", "birthday-too-old"),
    ],
)
def test_bad_birthdays_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_birthday(typed, TODAY)
    assert error.value.details["reason"] == reason
