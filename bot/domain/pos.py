"""The POS / web-shop API's domain: API keys and who a request acts for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

KEY_ID_PREFIX = "pk"
"""A key id is `pk` + 10 lowercase hex characters; the key is `<key id>.<secret>`."""
_KEY = re.compile(r"^(pk[0-9a-f]{10})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: int
    key_id: str
    digest: str
    """SHA-256 (hex) of the whole key."""
    outlet_id: int
    outlet_code: str
    partner_id: int | None
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiClient:
    """Who an API request acts for, resolved from a verified key only."""

    key_pk: int
    key_id: str
    outlet_id: int
    partner_id: int | None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: `secret` is the whole key, shown once and never stored."""

    key_id: str
    secret: str
    outlet_code: str
    created_at: datetime


def split_key(text: str) -> tuple[str, str] | None:
    """(key id, whole key) of a well-formed key, else None."""
    match = _KEY.fullmatch(text)
    return (match.group(1), text) if match else None
