"""Onboarding a customer base from a POS export (`python -m bot import`): the files' columns and
the validation of every row, as pure functions.

A row is either parsed whole or refused with a `RowError` naming the column and a reason code;
the command line turns the code into a sentence. The values are checked with the rules the bot
itself applies to what customers and cashiers type: phones like a shared contact
(`joining.normalize_phone`), names and birthdays like the joining answers, amounts like the
till (`money.parse_amount`), receipt numbers like the till (`receipts.parse_receipt_number`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from enum import StrEnum
from typing import TypeVar

from bot.domain.errors import InvalidInput
from bot.domain.joining import normalize_phone, parse_birthday, parse_name
from bot.domain.money import parse_amount
from bot.domain.receipts import parse_receipt_number

IMPORT_SOURCE = "import"
"""The joining channel (`members.source`) of imported customers."""
EXTERNAL_ID_MAX_LENGTH = 64
OPENING_POINTS_MAX = 10_000_000
"""The largest opening balance (the ledger's limit of one manual adjustment)."""


class ImportKind(StrEnum):
    MEMBERS = "members"
    PURCHASES = "purchases"


MEMBER_COLUMNS = ("phone", "name", "birthday", "language", "joined", "points", "external_id")
MEMBER_REQUIRED = ("phone",)
PURCHASE_COLUMNS = ("phone", "external_id", "receipt", "amount", "category", "date", "outlet")
PURCHASE_REQUIRED = ("receipt", "amount", "date")

# Reason codes of `RowError` and `HeaderError`.
MISSING = "missing"
INVALID = "invalid"
IN_FUTURE = "in-future"
UNKNOWN = "unknown"
DUPLICATE = "duplicate"
FIELD_COUNT = "field-count"
NO_MEMBER_COLUMN = "no-member-column"
UNKNOWN_COLUMN = "unknown-column"
MISSING_COLUMN = "missing-column"
REPEATED_COLUMN = "repeated-column"
KIND_UNKNOWN = "kind-unknown"

_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
)
_EXTERNAL_ID = re.compile(rf"\S{{1,{EXTERNAL_ID_MAX_LENGTH}}}")
T = TypeVar("T")


class RowError(Exception):
    """A row refused: `column` is the file's column (or "" for the whole row), `reason` one of
    the codes above or an `InvalidInput` reason of the rule that refused the value."""

    def __init__(self, column: str, reason: str, **details: object) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason
        self.details = details


class HeaderError(Exception):
    """The header line does not describe a file of the kind: nothing of the file is imported."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


@dataclass(frozen=True, slots=True)
class ImportedMember:
    phone: str
    """Normalized like a shared contact (`+` and digits)."""
    first_name: str | None
    last_name: str | None
    birthday: date | None
    locale: str
    joined_at: datetime | None
    """Midnight of the joining day in the program's time zone, in UTC; None: the import's
    moment."""
    opening_points: int
    external_id: str | None


@dataclass(frozen=True, slots=True)
class ImportedPurchase:
    phone: str | None
    external_id: str | None
    """The member is found by the phone when the row has one, else by the external id."""
    receipt_no: str
    amount: int
    """Minor units."""
    category: str | None
    bought_at: datetime
    """UTC (the database stores UTC)."""
    outlet_code: str | None

    @property
    def key(self) -> str:
        """The purchase's idempotency key: the receipt number, scoped by the outlet when the
        row names one (two outlets' registers may print the same numbers)."""
        scope = f"{self.outlet_code}/" if self.outlet_code else ""
        return f"import:{scope}{self.receipt_no}"


def parse_header(cells: Sequence[str], kind: ImportKind | None) -> tuple[ImportKind, list[str]]:
    """The kind of file and its column names (lower-cased, trimmed).

    - the kind is the one asked for, else `purchases` when the header has `receipt` or
      `amount`, else `members`;
    - every column must be one the kind knows, none repeated, the required ones present, and a
      purchases file names its member by `phone` or `external_id` (or both).
    """
    columns = [cell.strip().lower() for cell in cells]
    if kind is None:
        kind = ImportKind.PURCHASES if {"receipt", "amount"} & set(columns) else ImportKind.MEMBERS
    known, required = (
        (MEMBER_COLUMNS, MEMBER_REQUIRED)
        if kind is ImportKind.MEMBERS
        else (PURCHASE_COLUMNS, PURCHASE_REQUIRED)
    )
    for column in columns:
        if column not in known:
            raise HeaderError(UNKNOWN_COLUMN, column=column, known=", ".join(known))
        if columns.count(column) > 1:
            raise HeaderError(REPEATED_COLUMN, column=column)
    for column in required:
        if column not in columns:
            raise HeaderError(MISSING_COLUMN, column=column)
    if kind is ImportKind.PURCHASES and not {"phone", "external_id"} & set(columns):
        raise HeaderError(NO_MEMBER_COLUMN)
    return kind, columns


def row_values(columns: Sequence[str], cells: Sequence[str]) -> dict[str, str]:
    """The row as {column: trimmed text}; a row with another number of fields is refused."""
    if len(cells) != len(columns):
        raise RowError("", FIELD_COUNT, expected=len(columns), found=len(cells))
    return {column: cell.strip() for column, cell in zip(columns, cells, strict=True)}


def parse_member_row(
    row: Mapping[str, str],
    *,
    today: date,
    tz: tzinfo,
    locales: Sequence[str],
    default_locale: str,
) -> ImportedMember:
    """A member row: `phone` required; `name` ("First Rest"), `birthday` and `joined`
    (DD.MM.YYYY or YYYY-MM-DD, not in the future), `language` (a supported locale),
    `points` (a whole number, 0..10 000 000), `external_id` (1..64 characters, no spaces)."""
    phone = _phone(row)
    if phone is None:
        raise RowError("phone", MISSING)
    first = last = None
    if row.get("name"):
        first, last = _checked("name", lambda: parse_name(row["name"]))
    birthday = None
    if row.get("birthday"):
        birthday = _checked("birthday", lambda: parse_birthday(row["birthday"], today))
    locale = row.get("language", "").lower() or default_locale
    if locale not in locales:
        raise RowError("language", UNKNOWN, known=", ".join(locales))
    joined_at = None
    if row.get("joined"):
        joined = _date("joined", row["joined"])
        if joined > today:
            raise RowError("joined", IN_FUTURE)
        joined_at = datetime.combine(joined, time(), tz).astimezone(UTC)
    return ImportedMember(
        phone=phone,
        first_name=first,
        last_name=last,
        birthday=birthday,
        locale=locale,
        joined_at=joined_at,
        opening_points=_points(row.get("points", "")),
        external_id=_external_id(row),
    )


def parse_purchase_row(
    row: Mapping[str, str],
    *,
    now: datetime,
    tz: tzinfo,
    categories: Sequence[str],
    max_amount: int,
) -> ImportedPurchase:
    """A purchase row: the member by `phone` or `external_id`; `receipt` (the till's rule);
    `amount` in currency units ("450", "450.50", "1 200,5": the till's rule, at most the
    program's limit); `category` (one of the program's, or empty); `date` (YYYY-MM-DD or
    DD.MM.YYYY, with HH:MM[:SS]; in the program's time zone unless it carries an offset; not in
    the future); `outlet` (a code, checked against the database when imported)."""
    phone = _phone(row)
    external_id = _external_id(row)
    if phone is None and external_id is None:
        raise RowError("phone" if "phone" in row else "external_id", MISSING)
    if not row.get("receipt"):
        raise RowError("receipt", MISSING)
    receipt = _checked("receipt", lambda: parse_receipt_number(row["receipt"]))
    if not row.get("amount"):
        raise RowError("amount", MISSING)
    amount = _checked("amount", lambda: parse_amount(row["amount"], maximum=max_amount))
    category = row.get("category") or None
    if category is not None and category not in categories:
        raise RowError("category", UNKNOWN, known=", ".join(categories))
    if not row.get("date"):
        raise RowError("date", MISSING)
    bought_at = _datetime("date", row["date"], tz)
    if bought_at > now:
        raise RowError("date", IN_FUTURE)
    bought_at = bought_at.astimezone(UTC)
    return ImportedPurchase(
        phone=phone,
        external_id=external_id,
        receipt_no=receipt,
        amount=amount,
        category=category,
        bought_at=bought_at,
        outlet_code=row.get("outlet") or None,
    )


class Duplicates:
    """Rows of one file naming the same thing (a phone, an external id, a receipt): the first
    one counts, a later one is refused with the first one's line number."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    def check(self, line: int, **keys: str | None) -> None:
        for column, value in keys.items():
            if value is not None and (column, value) in self._seen:
                raise RowError(column, DUPLICATE, line=self._seen[column, value])
        for column, value in keys.items():
            if value is not None:
                self._seen[column, value] = line


def _checked(column: str, parse: Callable[[], T]) -> T:
    try:
        return parse()
    except InvalidInput as error:
        details = dict(error.details)
        raise RowError(column, str(details.pop("reason", INVALID)), **details) from None


def _phone(row: Mapping[str, str]) -> str | None:
    text = row.get("phone", "")
    return _checked("phone", lambda: normalize_phone(text)) if text else None


def _external_id(row: Mapping[str, str]) -> str | None:
    value = row.get("external_id", "")
    if not value:
        return None
    if not _EXTERNAL_ID.fullmatch(value):
        raise RowError("external_id", INVALID, max_length=EXTERNAL_ID_MAX_LENGTH)
    return value


def _points(text: str) -> int:
    if not text:
        return 0
    if not text.isascii() or not text.isdigit() or int(text) > OPENING_POINTS_MAX:
        raise RowError("points", INVALID, maximum=OPENING_POINTS_MAX)
    return int(text)


def _date(column: str, text: str) -> date:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowError(column, INVALID)


def _datetime(column: str, text: str, tz: tzinfo) -> datetime:
    for pattern in _DATETIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=tz)
        except ValueError:
            continue
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise RowError(column, INVALID) from None
    if moment.tzinfo is None or len(text) <= len("YYYY-MM-DD"):
        raise RowError(column, INVALID)
    return moment
