"""What the web APIs (Mini App, POS) share: refusals of their own, and the HTTP status of a
domain error looked up through its class hierarchy in each API's error map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.errors import DomainError


class Refused(Exception):
    """A request refused by the API itself (not by a service); `code` is in its error map."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def status_for(error: DomainError, statuses: Mapping[str, int]) -> int:
    """The status of the most specific class of `error` that the map names."""
    for cls in type(error).__mro__:
        code = getattr(cls, "code", None)
        if isinstance(code, str) and code in statuses:
            return statuses[code]
    return statuses[DomainError.code]
