"""Domain errors to localized replies, in one place for every bot handler."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.adapters.i18n import I18n, Translator
from bot.domain.errors import DomainError

log = logging.getLogger(__name__)


def error_text(t: Translator, error: BaseException) -> str:
    if isinstance(error, DomainError):
        reason = error.details.get("reason")
        if reason and t.has(f"error-{error.code}-{reason}"):
            return t(f"error-{error.code}-{reason}", **error.details)
        if t.has(f"error-{error.code}"):
            return t(f"error-{error.code}", **error.details)
        return t("error-domain-error")
    return t("error-unexpected")


async def on_error(event: ErrorEvent, i18n: I18n, t: Translator | None = None) -> None:
    error = event.exception
    if not isinstance(error, DomainError):
        log.exception("update %s failed", event.update.update_id, exc_info=error)
    text = error_text(t or i18n(None), error)
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.message is not None:
        await update.message.answer(text)


def create_router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
