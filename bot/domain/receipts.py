"""Receipt numbers typed at the till or sent by the Mini App: the purchase's idempotency key."""

from __future__ import annotations

import re

from bot.domain.errors import InvalidInput

RECEIPT_INVALID = "receipt-invalid"
# 1 to 32 letters (any script), digits and dashes: what a cash register prints.
_RECEIPT = re.compile(r"(?:[^\W_]|-){1,32}")


def parse_receipt_number(text: str) -> str:
    """The receipt number, stripped of surrounding spaces.

    - 1 to 32 characters: letters, digits and dashes;
    - anything else (empty, spaces inside, punctuation, too long) is InvalidInput with the
      reason `receipt-invalid`.
    """
    receipt = text.strip()
    if not _RECEIPT.fullmatch(receipt):
        raise InvalidInput(RECEIPT_INVALID, reason=RECEIPT_INVALID)
    return receipt
