"""The import's header and row rules (bot/domain/imports.py), without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.imports import (
    Duplicates,
    HeaderError,
    ImportedPurchase,
    ImportKind,
    RowError,
    parse_header,
    parse_member_row,
    parse_purchase_row,
    row_values,
)

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def purchase(**row: str) -> ImportedPurchase:
    values = {"phone": "+79990001122", "receipt": "R-1", "amount": "450", "date": "", **row}
    return parse_purchase_row(
        values, now=NOW, tz=MOSCOW, categories=["coffee"], max_amount=10_000_000
    )


def test_the_kind_comes_from_the_header_unless_named() -> None:
    assert parse_header([" Phone ", "NAME"], None) == (ImportKind.MEMBERS, ["phone", "name"])
    assert parse_header(["external_id", "receipt", "amount", "date"], None)[0] == (
        ImportKind.PURCHASES
    )
    with pytest.raises(HeaderError) as refused:
        parse_header(["phone", "amount"], ImportKind.PURCHASES)
    assert (refused.value.reason, refused.value.details) == (
        "missing-column",
        {"column": "receipt"},
    )


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (["phone", "phon"], "unknown-column"),
        (["phone", "name", "name"], "repeated-column"),
        (["name"], "missing-column"),
        (["receipt", "amount", "date"], "no-member-column"),
    ],
)
def test_a_header_the_kind_does_not_know_is_refused(header: list[str], reason: str) -> None:
    with pytest.raises(HeaderError) as refused:
        parse_header(header, None)
    assert refused.value.reason == reason


def test_a_member_row_uses_the_joining_rules() -> None:
    member = parse_member_row(
        {"phone": "8 (999) 000-11-22", "name": "  Anna   Maria Petrova ", "joined": "10.01.2025"},
        today=date(2026, 3, 2),
        tz=MOSCOW,
        locales=["ru", "en"],
        default_locale="ru",
    )
    assert (member.phone, member.first_name, member.last_name) == (
        "+89990001122",
        "Anna",
        "Maria Petrova",
    )
    assert member.joined_at == datetime(2025, 1, 9, 21, 0, tzinfo=UTC)
    assert (member.locale, member.opening_points, member.external_id) == ("ru", 0, None)


def test_a_purchase_date_is_local_unless_it_carries_an_offset() -> None:
    local = purchase(date="01.03.2026 10:30")
    offset = purchase(date="2026-03-01T10:30:00+00:00")
    assert local.bought_at == datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    assert offset.bought_at == datetime(2026, 3, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ({"date": "2026-03-01"}, "date", "invalid"),
        ({"date": "2026-03-03 10:00"}, "date", "in-future"),
        ({"date": "2026-03-01 10:00", "amount": "4,505"}, "amount", "amount-too-precise"),
        ({"date": "2026-03-01 10:00", "category": "tea"}, "category", "unknown"),
        ({"date": "2026-03-01 10:00", "receipt": "A/1"}, "receipt", "receipt-invalid"),
        ({"date": "2026-03-01 10:00", "phone": ""}, "phone", "missing"),
    ],
)
def test_a_bad_purchase_value_names_its_column(
    row: dict[str, str], column: str, reason: str
) -> None:
    with pytest.raises(RowError) as refused:
        purchase(**row)
    assert (refused.value.column, refused.value.reason) == (column, reason)


def test_rows_are_counted_and_duplicates_point_at_the_first() -> None:
    with pytest.raises(RowError) as refused:
        row_values(["phone", "name"], ["+79990001122"])
    assert refused.value.details == {"expected": 2, "found": 1}
    seen = Duplicates()
    seen.check(2, phone="+79990001122", external_id=None)
    seen.check(3, phone="+79990001133", external_id=None)
    with pytest.raises(RowError) as repeated:
        seen.check(7, phone="+79990001133", external_id="C-1")
    assert (repeated.value.column, repeated.value.details) == ("phone", {"line": 3})
