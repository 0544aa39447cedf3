"""Gift-certificate codes: generated unguessable, typed back forgivingly, stored as digests.

A code looks like `GIFT-7KQM-X3PA-9WTE-HV4C`: the prefix, then 16 characters in groups of four
from a 31-character alphabet with no look-alikes (no 0/O, no 1/I/L). 16 × log2(31) ≈ 79 bits of
entropy: guessing is hopeless even without the rate limits. (Three groups would give only ~59
bits, below the 60 we require.)

The database stores only `code_digest(code)`, never the code: a leaked table cannot be turned
into spendable certificates. A plain SHA-256 is enough at 79 bits of entropy (no salt or key
needed: there is nothing to brute-force), and it lets a redemption look the code up by digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bot.domain.errors import InvalidCertificateCode

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "GIFT"
GROUPS = 4
GROUP_SIZE = 4
LENGTH = GROUPS * GROUP_SIZE
RANDOM_BYTES = 16
"""128 random bits reduced to 16 base-31 digits: the modulo bias is below 2^-48."""
MAX_INPUT_LENGTH = 100

# Russian-keyboard look-alikes someone may type when copying a printed code.
_CYRILLIC_LOOKALIKES = str.maketrans("АВЕКМНРСТХУ", "ABEKMHPCTXY")
_SEPARATORS = frozenset("-_‐‑‒–—―−")


def _format(body: str) -> str:
    groups = [body[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE)]
    return "-".join([PREFIX, *groups])


def generate_code(randbytes: Callable[[int], bytes]) -> str:
    """A new certificate code, e.g. `GIFT-7KQM-X3PA-9WTE-HV4C`.

    `randbytes` is `secrets.token_bytes` in production, a seeded source in tests.
    """
    number = int.from_bytes(randbytes(RANDOM_BYTES), "big")
    chars = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return _format("".join(chars))


def normalize_code(text: str) -> str | None:
    """The canonical form of a typed code, or None when the text cannot be a code.

    - case, spaces and dashes (any kind) do not matter, nor does the `GIFT` prefix;
    - Cyrillic letters that look like Latin ones (А, В, Е, К, ...) are read as Latin;
    - anything else (wrong length, a character outside the alphabet) is None; never raises.
    """
    if len(text) > MAX_INPUT_LENGTH:
        return None
    cleaned = "".join(
        ch
        for ch in text.upper().translate(_CYRILLIC_LOOKALIKES)
        if not ch.isspace() and ch not in _SEPARATORS
    )
    body = cleaned.removeprefix(PREFIX)
    if len(body) != LENGTH or any(ch not in ALPHABET for ch in body):
        return None
    return _format(body)


def code_digest(code: str) -> str:
    """What the database stores for a code: the SHA-256 hex digest of its canonical form.

    Raises InvalidCertificateCode when the text is not a code.
    """
    canonical = normalize_code(code)
    if canonical is None:
        raise InvalidCertificateCode()
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
