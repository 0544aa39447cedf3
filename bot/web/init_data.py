"""Mini App launch data (`Telegram.WebApp.initData`), checked as Telegram documents.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app: the `hash` is
HMAC-SHA256 over the other fields (sorted `key=value` lines) keyed with
HMAC-SHA256("WebAppData", bot token). aiogram's `safe_parse_webapp_init_data` does exactly that.
The signature alone never expires, so a leaked string would open the API forever: `auth_date`
(signed too) must also be recent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aiogram.utils.web_app import WebAppInitData, safe_parse_webapp_init_data
from pydantic import ValidationError

INIT_DATA_MAX_AGE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=5)
"""A launch stamped this far in the future is still accepted (clocks differ a little)."""
MAX_INIT_DATA_LENGTH = 8192

INIT_DATA_MISSING = "init-data-missing"
INIT_DATA_INVALID = "init-data-invalid"
INIT_DATA_EXPIRED = "init-data-expired"


class InitDataRefused(Exception):
    """The request carries no launch data we can trust; `code` says why. `language_code` is
    the user's when the data was genuine (only too old), for a message in their language."""

    def __init__(self, code: str, language_code: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.language_code = language_code


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """Who launched the Mini App, as Telegram vouches for it."""

    telegram_id: int
    first_name: str
    language_code: str | None
    auth_date: datetime


def validate_init_data(
    raw: str | None,
    bot_token: str,
    now: datetime,
    max_age: timedelta = INIT_DATA_MAX_AGE,
) -> WebAppUser:
    """The launching user, or InitDataRefused:

    - missing or empty: `init-data-missing`;
    - not signed with this bot's token (tampered, forged, another bot's): `init-data-invalid`;
    - no `user`, or `auth_date` more than CLOCK_SKEW in the future: `init-data-invalid`;
    - `auth_date` older than `max_age` (1 hour): `init-data-expired`.
    """
    if not raw:
        raise InitDataRefused(INIT_DATA_MISSING)
    if len(raw) > MAX_INIT_DATA_LENGTH:
        raise InitDataRefused(INIT_DATA_INVALID)
    try:
        data: WebAppInitData = safe_parse_webapp_init_data(bot_token, raw)
    except (ValueError, ValidationError):
        # ValueError: a bad signature; ValidationError (a ValueError too): signed but malformed.
        raise InitDataRefused(INIT_DATA_INVALID) from None
    if data.user is None:
        raise InitDataRefused(INIT_DATA_INVALID)
    if data.auth_date > now + CLOCK_SKEW:
        raise InitDataRefused(INIT_DATA_INVALID)
    if now - data.auth_date > max_age:
        raise InitDataRefused(INIT_DATA_EXPIRED, data.user.language_code)
    return WebAppUser(
        telegram_id=data.user.id,
        first_name=data.user.first_name,
        language_code=data.user.language_code,
        auth_date=data.auth_date,
    )
