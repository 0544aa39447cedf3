"""What the web APIs (Mini App, POS) share: refusals of their own, and the HTTP status of a
domain error looked up through its class hierarchy in each API's error map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.domain.errors import DomainError

BAD_JSON = "bad-json"
BODY_NOT_OBJECT = "body-not-object"
BODY_INVALID = "body-invalid"
BODY_STATUS: dict[str, int] = {BAD_JSON: 400, BODY_NOT_OBJECT: 400, BODY_INVALID: 422}
"""The statuses of a JSON body's refusals, the same in every API."""

Body = TypeVar("Body", bound=BaseModel)


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


def validate_body(data: object, model: type[Body]) -> Body:
    """A decoded JSON body as `model`: an object, every field valid (the names of the bad ones
    go back in `fields`), or a `Refused`."""
    if not isinstance(data, dict):
        raise Refused(BODY_NOT_OBJECT)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in error.errors()})
        raise Refused(BODY_INVALID, fields=fields) from None
