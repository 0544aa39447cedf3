"""Mini App launch data, signed exactly as Telegram signs it.

Telegram hands a Mini App its `initData` (a query string) in the URL fragment as `tgWebAppData`.
Its `hash` is HMAC-SHA256 over the data-check string (every other field as `key=value`, sorted by
key, joined with newlines), keyed with HMAC-SHA256(key="WebAppData", msg=bot_token). See
https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from bot.sandbox.state import JSON

WEB_APP_VERSION = "8.0"
THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#3390ec",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f4f4f5",
}


def sign_init_data(token: str, fields: dict[str, str]) -> str:
    """`fields` as a query string with Telegram's `hash` appended."""
    check_string = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check_string.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": digest}, quote_via=quote)


def init_data_fields(
    user: JSON,
    *,
    auth_date: int,
    query_id: str | None = None,
    chat_type: str | None = None,
    chat_instance: str | None = None,
    start_param: str | None = None,
) -> dict[str, str]:
    """The fields Telegram puts in initData for a launch by `user` (a User object)."""
    fields = {
        "user": json.dumps(
            {**user, "allows_write_to_pm": True}, ensure_ascii=False, separators=(",", ":")
        ),
        "auth_date": str(auth_date),
    }
    optional = {
        "query_id": query_id,
        "chat_type": chat_type,
        "chat_instance": chat_instance,
        "start_param": start_param,
    }
    fields.update({key: value for key, value in optional.items() if value is not None})
    return fields


def launch_url(url: str, init_data: str) -> str:
    """The Mini App's URL with the launch parameters in its fragment, as Telegram opens it."""
    fragment = urlencode(
        {
            "tgWebAppData": init_data,
            "tgWebAppVersion": WEB_APP_VERSION,
            "tgWebAppPlatform": "web",
            "tgWebAppThemeParams": json.dumps(THEME, separators=(",", ":")),
        },
        quote_via=quote,
    )
    return urlunsplit(urlsplit(url)._replace(fragment=fragment))
