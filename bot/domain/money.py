"""Money typed by people: "450", "450.50", "450,50", "1 200" -> integer minor units."""

from __future__ import annotations

import re

from bot.domain.errors import InvalidInput

AMOUNT_GARBLED = "amount-garbled"
AMOUNT_TOO_PRECISE = "amount-too-precise"
AMOUNT_NOT_POSITIVE = "amount-not-positive"
AMOUNT_ABOVE_LIMIT = "amount-above-limit"

# Digits with optional thousands groups separated by a space (incl. no-break and thin spaces),
# then an optional decimal part after "." or ",".
_AMOUNT = re.compile(
    r"^(?P<whole>\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,](?P<frac>\d+))?$", re.ASCII
)


def parse_amount(text: str, *, maximum: int, minor_digits: int = 2) -> int:
    """The amount in minor units.

    - accepts `450`, `450.50`, `450,50`, `1 200`, `1 200,5` (a trailing currency sign or
      surrounding spaces are ignored);
    - refuses zero and negatives, more decimals than the currency has, anything above
      `maximum` (minor units), and anything else (letters, several separators, exponents);
    - each refusal is InvalidInput with a `reason` naming it.
    """
    cleaned = text.strip().removesuffix("₽").removesuffix("руб").removesuffix("$").strip()
    if cleaned.startswith("-"):
        raise InvalidInput(AMOUNT_NOT_POSITIVE, reason=AMOUNT_NOT_POSITIVE)
    match = _AMOUNT.fullmatch(cleaned)
    if match is None:
        raise InvalidInput(AMOUNT_GARBLED, reason=AMOUNT_GARBLED)
    whole = int(re.sub(r"\D", "", str(match["whole"])))
    fraction = str(match["frac"] or "")
    if len(fraction) > minor_digits:
        raise InvalidInput(AMOUNT_TOO_PRECISE, reason=AMOUNT_TOO_PRECISE, digits=minor_digits)
    amount: int = whole * 10**minor_digits + int(fraction.ljust(minor_digits, "0") or "0")
    if amount <= 0:
        raise InvalidInput(AMOUNT_NOT_POSITIVE, reason=AMOUNT_NOT_POSITIVE)
    if amount > maximum:
        raise InvalidInput(AMOUNT_ABOVE_LIMIT, reason=AMOUNT_ABOVE_LIMIT, maximum=maximum)
    return amount
