"""Every setting, with its environment variable, in one place (pydantic-settings).

Nothing here is read at import time: `Settings()` is built by the composition root.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import time
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_BASE = "https://api.telegram.org"
TELEGRAM_WEBAPP_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
MINIAPP_PATH = "/miniapp/"
SUPPORTED_LOCALES = ("ru", "en")


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """`22:00-09:00` -> (22:00, 09:00); empty or `off` -> no quiet hours (equal ends)."""
    if value.strip().lower() in ("", "off"):
        return time(0, 0), time(0, 0)
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError:
        raise ValueError("must look like 22:00-09:00") from None
    return start, end


def _split_ids(value: object) -> object:
    if isinstance(value, str):
        return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
    if isinstance(value, int):
        return [value]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = Field(default=None, description="Bot token from @BotFather")
    telegram_api_base: str = Field(
        default=TELEGRAM_API_BASE, description="Bot API server base URL (self-hosted or sandbox)"
    )
    database_url: str = Field(default="sqlite://data/loyalty.sqlite3")
    redis_url: str | None = None
    owner_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_chat_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    program_file: Path = Path("program.toml")
    timezone: str = "Europe/Moscow"
    default_locale: str = "ru"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_path: str = "/telegram/webhook"
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    card_secret: SecretStr | None = Field(
        default=None, description="HMAC key for QR card tokens; derived from the token if unset"
    )
    card_ttl_seconds: int = 300
    # The staff Mini App scanner (bot/web/miniapp.py, docs/MINIAPP.md).
    miniapp_url: str | None = Field(
        default=None,
        description="public URL of the Mini App page (https for Telegram); "
        "default: WEBHOOK_URL + /miniapp/",
    )
    webapp_script_url: str = Field(
        default=TELEGRAM_WEBAPP_SCRIPT,
        description="telegram-web-app.js the Mini App page loads (the sandbox serves a stand-in)",
    )
    # The POS / web-shop API (bot/web/pos_api.py, docs/POS_API.md); always on the web app.
    pos_api: bool = Field(
        default=False, description="serve the web app (and so the POS API) in polling mode too"
    )
    pos_api_rate: float = Field(default=10.0, gt=0, description="requests/s per API key")
    pos_api_burst: int = Field(default=20, ge=1, description="burst per API key")
    # Outbound webhook events (bot/delivery/webhooks.py, docs/POS_API.md "Webhooks"); off unset.
    events_url: str | None = Field(
        default=None, description="the partner's endpoint that receives signed events (http/https)"
    )
    events_secret: SecretStr | None = Field(
        default=None, description="HMAC key of the events' signatures; required with EVENTS_URL"
    )
    events_max_attempts: int = Field(default=12, ge=1, le=100)
    events_timeout_seconds: float = Field(default=10.0, gt=0, le=50)
    # Proactive messages (bot/delivery): Telegram's limits and marketing hygiene.
    delivery_rate: float = Field(default=30.0, gt=0, description="messages/s across all chats")
    delivery_paid_broadcast: bool = Field(
        default=False, description="allow_paid_broadcast: up to DELIVERY_PAID_RATE, for Stars"
    )
    delivery_paid_rate: float = Field(default=1000.0, gt=0, le=1000)
    delivery_workers: int | None = Field(default=None, ge=1, le=1000)
    delivery_max_attempts: int = Field(default=5, ge=1)
    delivery_lease_seconds: int = Field(default=60, ge=5)
    # The sender's pacing (docs/DELIVERY.md, "Telegram's limits"): seconds of jitter allowed
    # between a request leaving and Telegram counting it (each 10 ms costs 1 % of the rate), and
    # the round trip the pool of workers is sized for (rate × latency × 1.5 in flight).
    delivery_margin: float | None = Field(
        default=None, ge=0, le=0.2, description="seconds; default 0.02, 0.05 in paid mode"
    )
    delivery_expected_latency: float = Field(default=0.2, gt=0, le=5, description="seconds")
    marketing_per_week: int = Field(default=3, ge=0, description="frequency cap; 0: none")
    quiet_hours: str = Field(default="22:00-09:00", description="HH:MM-HH:MM, member's time")
    log_level: str = "INFO"

    @field_validator("owner_ids", "admin_chat_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("sqlite", "postgres", "postgresql", "asyncpg"):
            raise ValueError("must start with sqlite:// or postgres://")
        if parts.scheme == "sqlite" and not (parts.netloc or parts.path):
            raise ValueError("sqlite:// needs a file path, e.g. sqlite://data/loyalty.sqlite3")
        if parts.scheme != "sqlite" and not (parts.hostname and parts.path.strip("/")):
            raise ValueError("needs a host and a database name, e.g. postgres://user@host/db")
        return value

    @field_validator("webhook_url", "miniapp_url", "events_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `MINIAPP_URL=` in a .env file (as .env.example writes it) means "not set".
        return None if value == "" else value

    @field_validator(
        "telegram_api_base", "webhook_url", "miniapp_url", "webapp_script_url", "events_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _webhook_pair(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET is required when WEBHOOK_URL is set")
        return self

    @model_validator(mode="after")
    def _events_pair(self) -> Settings:
        if self.events_url and not (self.events_secret and self.events_secret.get_secret_value()):
            raise ValueError("EVENTS_SECRET is required when EVENTS_URL is set")
        return self

    @property
    def events_on(self) -> bool:
        """Whether webhook events are written and sent (EVENTS_URL is set)."""
        return self.events_url is not None

    @property
    def webhook_mode(self) -> bool:
        return self.webhook_url is not None

    @property
    def miniapp_link(self) -> str | None:
        """Where the staff's `web_app` button points: MINIAPP_URL, else the page on the
        webhook's public host; None when neither is set (no scanner button)."""
        if self.miniapp_url:
            return self.miniapp_url
        if self.webhook_url:
            return self.webhook_url + MINIAPP_PATH
        return None

    @property
    def is_postgres(self) -> bool:
        return not self.database_url.startswith("sqlite")


def card_secret(settings: Settings) -> bytes:
    """The HMAC key of QR card tokens and card codes: CARD_SECRET, else derived from the bot
    token (a keyed hash, so the token itself never signs anything and cannot be recovered from
    the key). Changing either changes every card code. Here rather than in `bot.bootstrap` so
    that `python -m bot import` gets it without loading the whole application."""
    if settings.card_secret is not None:
        return settings.card_secret.get_secret_value().encode("utf-8")
    assert settings.bot_token is not None
    token = settings.bot_token.get_secret_value().encode("utf-8")
    return hmac.new(b"loyalty-bot/card-secret", token, hashlib.sha256).digest()


def describe_settings_error(error: Exception) -> str:
    """One clear line naming the variable and what is wrong with it."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError) and error.errors():
        first = error.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "settings"
        msg = first["msg"].removeprefix("Value error, ")
        return f"{loc.upper()}: {msg}"
    return str(error)
