"""Joining the program: the steps, derived from what the member row already holds, and the
validation of what a customer types or shares on the way.

Every parser raises `InvalidInput` with a `reason` (entry points map it to
`error-invalid-input-<reason>`), never returns a half-valid value.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

from bot.domain.errors import InvalidInput
from bot.domain.members import Member, MemberStatus

# Reason codes carried by `InvalidInput.details["reason"]`.
CONTACT_NOT_OWN = "contact-not-own"
PHONE_INVALID = "phone-invalid"
NAME_INVALID = "name-invalid"
BIRTHDAY_INVALID = "birthday-invalid"
BIRTHDAY_IN_FUTURE = "birthday-in-future"
BIRTHDAY_TOO_OLD = "birthday-too-old"

PHONE_MIN_DIGITS = 10
PHONE_MAX_DIGITS = 15
"""E.164 allows at most 15 digits; national numbers without a country code have fewer than 10."""
NAME_MAX_LENGTH = 64
BIRTHDAY_MIN_YEAR = 1900

_NAME_PUNCTUATION = frozenset(" -'.’")
_BIRTHDAY_FORMATS = (
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})"), ("day", "month", "year")),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("year", "month", "day")),
)


class JoinStep(StrEnum):
    """Where a member is in joining; see docs/conversations/join.md."""

    CONSENT = "consent"
    PHONE = "phone"
    DETAILS = "details"
    """Name, then birthday: kept in the conversation state, not in the database."""
    DONE = "done"


def join_step(member: Member) -> JoinStep:
    """The next step, from the database alone: no consent -> consent; no phone -> phone;
    otherwise the name and birthday questions; an active member is done."""
    if member.status is MemberStatus.ACTIVE:
        return JoinStep.DONE
    if member.consented_at is None:
        return JoinStep.CONSENT
    if member.phone is None:
        return JoinStep.PHONE
    return JoinStep.DETAILS


def normalize_phone(text: str) -> str:
    """A shared contact's phone as `+` and digits: Telegram sends it with or without the `+`
    and sometimes with spaces or dashes.

    - only digits, spaces, dashes, dots, brackets and one leading `+` are allowed;
    - 10 to 15 digits (E.164).
    """
    stripped = text.strip()
    body = stripped.removeprefix("+")
    if not body or re.fullmatch(r"[\d\s\-.()]+", body) is None:
        raise InvalidInput("phone", reason=PHONE_INVALID)
    digits = re.sub(r"\D", "", body)
    if not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
        raise InvalidInput("phone", reason=PHONE_INVALID)
    return "+" + digits


def check_own_contact(sender_id: int, contact_user_id: int | None) -> None:
    """Only the sender's own contact counts: a forwarded card of someone else has another
    `user_id`, and a contact typed by hand has none."""
    if contact_user_id != sender_id:
        raise InvalidInput("contact", reason=CONTACT_NOT_OWN)


def parse_name(text: str) -> tuple[str, str | None]:
    """A typed name as (first name, rest or None).

    - spaces collapsed, 1 to 64 characters;
    - letters of any script, spaces, hyphens, apostrophes and dots; at least one letter.
    """
    name = " ".join(text.split())
    if not 0 < len(name) <= NAME_MAX_LENGTH:
        raise InvalidInput("name", reason=NAME_INVALID, max_length=NAME_MAX_LENGTH)
    letters = 0
    for char in name:
        if unicodedata.category(char).startswith(("L", "M")):
            letters += char.isalpha()
        elif char not in _NAME_PUNCTUATION:
            raise InvalidInput("name", reason=NAME_INVALID, max_length=NAME_MAX_LENGTH)
    if letters == 0:
        raise InvalidInput("name", reason=NAME_INVALID, max_length=NAME_MAX_LENGTH)
    first, _, rest = name.partition(" ")
    return first, rest or None


def parse_birthday(text: str, today: date) -> date:
    """A birthday typed as DD.MM.YYYY or YYYY-MM-DD.

    - a real calendar date (no 31.02);
    - not after `today` (the program's local date), year 1900 or later.
    """
    value = text.strip()
    for pattern, order in _BIRTHDAY_FORMATS:
        match = pattern.fullmatch(value)
        if match is None:
            continue
        parts = dict(zip(order, (int(group) for group in match.groups()), strict=True))
        try:
            birthday = date(parts["year"], parts["month"], parts["day"])
        except ValueError:
            raise InvalidInput("birthday", reason=BIRTHDAY_INVALID) from None
        if birthday > today:
            raise InvalidInput("birthday", reason=BIRTHDAY_IN_FUTURE)
        if birthday.year < BIRTHDAY_MIN_YEAR:
            raise InvalidInput("birthday", reason=BIRTHDAY_TOO_OLD, min_year=BIRTHDAY_MIN_YEAR)
        return birthday
    raise InvalidInput("birthday", reason=BIRTHDAY_INVALID)
