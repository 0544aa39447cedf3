"""The member's card: a signed QR token and a numeric code typed at the till.

QR token (the QR encodes `https://t.me/<bot>?start=c_<token>`):

- 30 bytes: version (1) | member id (8, big-endian) | issue time (5, Unix seconds, big-endian)
  | HMAC-SHA256 over a purpose label and the first 14 bytes, truncated to 16 bytes (128 bits).
- base64url without padding: 40 characters of `A-Z a-z 0-9 _ -`. Telegram allows at most 64
  characters in a deep-link payload, so `c_` + token (42) fits with room to spare.
- 30 is a multiple of 3, so the encoding has no spare bits: every token has exactly one spelling,
  any changed character changes the bytes, and a service may key "single use" on the token string.
- The version byte names the layout and the key; a token of another version is refused.
- Verification checks the MAC (in constant time) before it looks at the time, so a forged token is
  "invalid", never "expired". A token issued later than `now` + the clock skew is invalid.

Card code (typed by staff when the camera fails): 10 digits = a keyed permutation of the member id
into 9 digits + a Luhn check digit. The permutation (a Feistel network with cycle walking) is a
bijection, so two members never share a code and the code decodes back to the member id with no
lookup table; the secret keeps codes of neighbouring members unrelated. Changing the secret changes
every code and invalidates every token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta

from bot.domain.errors import CardTokenExpired, CardTokenInvalid

CARD_START_PREFIX = "c_"
"""Prefix of the `/start` deep-link payload that carries a card token."""

TOKEN_VERSION = 1
TOKEN_LENGTH = 40
DEFAULT_CLOCK_SKEW = timedelta(seconds=30)

_MAC_LABEL = b"loyalty-bot/card-token\x00"
_CODE_LABEL = b"loyalty-bot/card-code\x00"
_MEMBER_ID_BYTES = 8
_ISSUED_AT_BYTES = 5
_PAYLOAD_BYTES = 1 + _MEMBER_ID_BYTES + _ISSUED_AT_BYTES
_MAC_BYTES = 16
_TOKEN_BYTES = _PAYLOAD_BYTES + _MAC_BYTES
_TOKEN_RE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)

_CODE_ID_DIGITS = 9
_CODE_SPACE = 10**_CODE_ID_DIGITS
CARD_CODE_LENGTH = _CODE_ID_DIGITS + 1
MAX_CARD_CODE_MEMBER_ID = _CODE_SPACE - 1
# The Feistel network permutes 30-bit numbers (2**30 > 10**9); cycle walking maps the result back
# into 0 .. 10**9 - 1 by re-encrypting until it lands there (on average 1.07 passes).
_HALF_BITS = 15
_HALF_MASK = (1 << _HALF_BITS) - 1
_ROUNDS = 8
_CODE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]")
_CODE_RE = re.compile(rf"[0-9]{{{CARD_CODE_LENGTH}}}")


def issue_card_token(member_id: int, now: datetime, secret: bytes) -> str:
    """A token for the member's QR card, valid from `now` for the TTL the verifier applies."""
    _require_secret(secret)
    if not 0 < member_id < 1 << (8 * _MEMBER_ID_BYTES):
        raise ValueError(f"member id out of range: {member_id}")
    issued_at = _unix_seconds(now)
    if not 0 <= issued_at < 1 << (8 * _ISSUED_AT_BYTES):
        raise ValueError(f"issue time out of range: {now!r}")
    payload = (
        bytes([TOKEN_VERSION])
        + member_id.to_bytes(_MEMBER_ID_BYTES, "big")
        + issued_at.to_bytes(_ISSUED_AT_BYTES, "big")
    )
    raw = payload + _token_mac(payload, secret)
    return base64.urlsafe_b64encode(raw).decode("ascii")


def verify_card_token(
    token: str,
    now: datetime,
    secret: bytes,
    ttl: timedelta,
    max_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> int:
    """The member id the token was issued for.

    Raises `CardTokenInvalid` for anything garbled, truncated, forged, signed with another secret,
    of another version or issued more than `max_skew` in the future; `CardTokenExpired` when it is
    older than `ttl`.
    """
    _require_secret(secret)
    _require_aware(now)
    # The alphabet is checked first: the base64 decoder would silently skip foreign characters.
    if not isinstance(token, str) or _TOKEN_RE.fullmatch(token) is None:
        raise CardTokenInvalid("malformed card token")
    raw = base64.urlsafe_b64decode(token)
    if len(raw) != _TOKEN_BYTES:
        raise CardTokenInvalid("malformed card token")
    payload, mac = raw[:_PAYLOAD_BYTES], raw[_PAYLOAD_BYTES:]
    if not hmac.compare_digest(mac, _token_mac(payload, secret)):
        raise CardTokenInvalid("card token signature mismatch")
    if payload[0] != TOKEN_VERSION:
        raise CardTokenInvalid("unknown card token version")
    member_id = int.from_bytes(payload[1 : 1 + _MEMBER_ID_BYTES], "big")
    issued_at = _EPOCH + _SECOND * int.from_bytes(payload[1 + _MEMBER_ID_BYTES :], "big")
    if member_id == 0:
        raise CardTokenInvalid("card token without a member")
    if issued_at > now + max_skew:
        raise CardTokenInvalid("card token issued in the future")
    if now - issued_at > ttl:
        raise CardTokenExpired("card token expired", member_id=member_id)
    return member_id


def card_code_for(member_id: int, secret: bytes) -> str:
    """The member's 10-digit card code (9 digits + a Luhn check digit); stable for a secret."""
    _require_secret(secret)
    if not 0 < member_id <= MAX_CARD_CODE_MEMBER_ID:
        raise ValueError(f"member id out of the card code range: {member_id}")
    encrypted = _feistel(member_id, secret, decrypt=False)
    while encrypted >= _CODE_SPACE:
        encrypted = _feistel(encrypted, secret, decrypt=False)
    digits = f"{encrypted:0{_CODE_ID_DIGITS}d}"
    return digits + str(_luhn_check_digit(digits))


def parse_card_code(text: str) -> str | None:
    """The normalized 10 digits if `text` is a well-formed card code, ignoring spaces and dashes;
    None when the length, the characters or the check digit are wrong."""
    if len(text) > 4 * CARD_CODE_LENGTH:
        return None
    digits = _CODE_SEPARATORS.sub("", text)
    if _CODE_RE.fullmatch(digits) is None:
        return None
    if _luhn_check_digit(digits[:-1]) != int(digits[-1]):
        return None
    return digits


def member_id_from_card_code(text: str, secret: bytes) -> int | None:
    """The member id a typed card code stands for, or None if the code is malformed. The member may
    still not exist: a code with a valid check digit decodes to some id."""
    _require_secret(secret)
    code = parse_card_code(text)
    if code is None:
        return None
    member_id = _feistel(int(code[:-1]), secret, decrypt=True)
    while member_id >= _CODE_SPACE:
        member_id = _feistel(member_id, secret, decrypt=True)
    return member_id or None


def format_card_code(code: str) -> str:
    """The code grouped for reading aloud: `123 456 7890`."""
    return f"{code[:3]} {code[3:6]} {code[6:]}"


def _token_mac(payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, _MAC_LABEL + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _feistel(value: int, secret: bytes, *, decrypt: bool) -> int:
    left, right = value >> _HALF_BITS, value & _HALF_MASK
    if decrypt:
        for round_no in reversed(range(_ROUNDS)):
            left, right = right ^ _round_function(secret, round_no, left), left
    else:
        for round_no in range(_ROUNDS):
            left, right = right, left ^ _round_function(secret, round_no, right)
    return (left << _HALF_BITS) | right


def _round_function(secret: bytes, round_no: int, half: int) -> int:
    message = _CODE_LABEL + bytes([round_no]) + half.to_bytes(2, "big")
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:2], "big") & _HALF_MASK


def _luhn_check_digit(digits: str) -> int:
    # Doubling starts from the rightmost payload digit, since the check digit is appended after it.
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def _unix_seconds(moment: datetime) -> int:
    _require_aware(moment)
    return (moment - _EPOCH) // _SECOND


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")


def _require_secret(secret: bytes) -> None:
    if not secret:
        raise ValueError("the card secret must not be empty")
