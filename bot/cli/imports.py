"""`python -m bot import FILE`: reading a POS export (CSV) and reporting on it.

The file is streamed: the csv reader walks it line by line and rows go to the service in batches
of `BATCH_SIZE`, each batch one transaction. Excel's habits are tolerated: a UTF-8 byte order
mark, `;` instead of `,` (the delimiter is whichever of the two the header line has more of).
Every refused row is printed with its line number and the reason, in the operator's English.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from bot.domain.imports import (
    Duplicates,
    HeaderError,
    ImportedMember,
    ImportedPurchase,
    ImportKind,
    RowError,
    parse_header,
    parse_member_row,
    parse_purchase_row,
    row_values,
)
from bot.domain.program import Program
from bot.services.imports import Imports, RowOutcome, RowStatus

BATCH_SIZE = 200
"""Rows per transaction: big enough that commits do not dominate, small enough that a running
bot waits at most a moment for a member the batch holds locked."""

ALL_GOOD = 0
SOME_BAD = 1
FILE_REFUSED = 2

# Operator-facing sentences for the reasons of refused rows and headers.
REASONS: dict[str, str] = {
    "missing": "required, but empty",
    "invalid": "not valid",
    "in-future": "in the future",
    "unknown": "unknown (known: {known})",
    "duplicate": "repeats line {line}",
    "field-count": "expected {expected} fields, found {found}",
    "phone-invalid": "not a phone number (+ and 10 to 15 digits)",
    "name-invalid": "not a name (letters, spaces, hyphens, apostrophes; at most 64)",
    "birthday-invalid": "not a date (DD.MM.YYYY or YYYY-MM-DD)",
    "birthday-in-future": "in the future",
    "birthday-too-old": "before {min_year}",
    "amount-garbled": "not an amount (like 450 or 450.50)",
    "amount-too-precise": "more than {digits} decimal digits",
    "amount-not-positive": "not positive",
    "amount-above-limit": "above the program's limit ({maximum} minor units)",
    "receipt-invalid": "not a receipt number (1 to 32 letters, digits, dashes)",
    "external-id-taken": "belongs to a member with another phone",
    "unknown-member": "no member with it (import the members first)",
    "unknown-outlet": "no outlet with this code",
    "receipt-conflict": "imported before with other data",
    "member-not-found": "the member deleted their data",
    "join-required": "the member has not finished joining the bot",
    "unknown-column": "unknown column '{column}' (known: {known})",
    "repeated-column": "column '{column}' appears twice",
    "missing-column": "column '{column}' is required",
    "no-member-column": "a purchases file needs a 'phone' or an 'external_id' column",
}


class FileRefused(Exception):
    """The file as a whole cannot be imported (unreadable, wrong header, wrong encoding)."""


class _Undecodable(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


@dataclass
class Summary:
    kind: ImportKind
    imported: int = 0
    present: int = 0
    bad: int = 0
    expired_points: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return SOME_BAD if self.bad else ALL_GOOD

    def lines(self) -> list[str]:
        rate = (self.imported + self.present + self.bad) / self.seconds if self.seconds else 0
        summary = [
            f"{self.kind.value}: {self.imported} imported, {self.present} skipped as already "
            f"imported, {self.bad} bad ({rate:.0f} rows/s)"
        ]
        if self.expired_points:
            summary.append(f"{self.expired_points} points of historic purchases expired at once")
        return summary


def describe(column: str, reason: str, details: dict[str, object]) -> str:
    template = REASONS.get(reason, reason)
    try:
        text = template.format(**details)
    except (KeyError, IndexError):
        text = template
    return f"{column}: {text}" if column else text


@dataclass(frozen=True, slots=True)
class ImportOptions:
    kind: ImportKind | None = None
    encoding: str = "utf-8-sig"
    earn_points: bool = True
    batch_size: int = BATCH_SIZE


async def import_file(
    path: Path,
    imports: Imports,
    program: Program,
    now: datetime,
    locales: Sequence[str],
    default_locale: str,
    options: ImportOptions,
    out: Callable[[str], None] = print,
) -> Summary:
    """Import a members or purchases file; bad rows are printed through `out` as they are met.
    FileRefused when nothing of the file can be imported."""
    started = time.perf_counter()
    try:
        with path.open("rb") as handle:
            lines = _decoded(handle, options.encoding)
            first = next(lines, "")
            if not first.strip():
                raise FileRefused("line 1: no header (the file is empty?)")
            # `;` when the header has more of them than commas (Excel in many locales).
            delimiter = ";" if first.count(";") > first.count(",") else ","
            reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
            header = next(reader)
            try:
                kind, columns = parse_header(header, options.kind)
            except HeaderError as error:
                raise FileRefused("line 1: " + describe("", error.reason, error.details)) from None
            summary = Summary(kind)
            tz = ZoneInfo(program.timezone)
            today = now.astimezone(tz).date()
            duplicates = Duplicates()
            parse: Callable[[int, dict[str, str]], Any]
            if kind is ImportKind.MEMBERS:

                def parse(line: int, row: dict[str, str]) -> ImportedMember:
                    member = parse_member_row(
                        row, today=today, tz=tz, locales=locales, default_locale=default_locale
                    )
                    duplicates.check(line, phone=member.phone, external_id=member.external_id)
                    return member

                store: Callable[[list[tuple[int, Any]]], Any] = imports.import_members
            else:
                categories = [c.code for c in program.categories]

                def parse(line: int, row: dict[str, str]) -> ImportedPurchase:
                    purchase = parse_purchase_row(
                        row,
                        now=now,
                        tz=tz,
                        categories=categories,
                        max_amount=program.limits.max_purchase_amount,
                    )
                    duplicates.check(line, receipt=purchase.key)
                    return purchase

                async def store(batch: list[tuple[int, Any]]) -> list[RowOutcome]:
                    return await imports.import_purchases(batch, earn_points=options.earn_points)

            for batch, refused in _batches(reader, columns, parse, options.batch_size):
                outcomes = [*refused, *await store(batch)] if batch else refused
                for outcome in sorted(outcomes, key=lambda o: o.line):
                    _count(summary, outcome, out)
    except _Undecodable as error:
        before = "the rows before it were imported; " if error.line > 1 else ""
        raise FileRefused(
            f"line {error.line}: not valid {options.encoding.removesuffix('-sig')} text; "
            f"{before}save the file as CSV UTF-8 or pass --encoding (e.g. cp1251), then run "
            "the import again (imported rows are skipped)"
        ) from None
    except LookupError:
        raise FileRefused(f"unknown encoding {options.encoding}") from None
    except OSError as error:
        raise FileRefused(f"cannot read {path}: {error.strerror}") from None
    if kind is ImportKind.PURCHASES and options.earn_points and summary.imported:
        summary.expired_points = (await imports.expire_due()).points
    summary.seconds = time.perf_counter() - started
    return summary


def _decoded(handle: BinaryIO, encoding: str) -> Iterator[str]:
    """The file's lines decoded one by one, so that an undecodable byte is reported on its own
    line (a text stream decodes ahead in chunks). `utf-8-sig` drops the byte order mark."""
    for number, raw in enumerate(handle, start=1):
        try:
            yield raw.decode(encoding if number == 1 else encoding.removesuffix("-sig"))
        except UnicodeDecodeError:
            raise _Undecodable(number) from None


def _batches(
    reader: Any,
    columns: list[str],
    parse: Callable[[int, dict[str, str]], Any],
    size: int,
) -> Iterator[tuple[list[tuple[int, Any]], list[RowOutcome]]]:
    """(parsed rows, rows refused by the parser) of up to `size` lines at a time."""
    batch: list[tuple[int, Any]] = []
    refused: list[RowOutcome] = []
    rows = iter(reader)
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            break
        except _Undecodable:
            # The rows read so far are still imported; then the file is refused.
            yield batch, refused
            raise
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        try:
            batch.append((line, parse(line, row_values(columns, cells))))
        except RowError as error:
            refused.append(
                RowOutcome(line, RowStatus.BAD, error.reason, error.column, dict(error.details))
            )
        if len(batch) + len(refused) >= size:
            yield batch, refused
            batch, refused = [], []
    if batch or refused:
        yield batch, refused


def _count(summary: Summary, outcome: RowOutcome, out: Callable[[str], None]) -> None:
    if outcome.status is RowStatus.IMPORTED:
        summary.imported += 1
    elif outcome.status is RowStatus.PRESENT:
        summary.present += 1
    else:
        summary.bad += 1
        reason = describe(outcome.column, outcome.reason or "", outcome.details)
        out(f"line {outcome.line}: {reason}")
