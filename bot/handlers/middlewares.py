"""Update-level middlewares: de-duplication by update id, and the user's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update, User

from bot.adapters.i18n import I18n
from bot.services.membership import Membership
from bot.services.updates import UpdateGuard

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DeduplicateUpdates(BaseMiddleware):
    """A repeated `update_id` (a webhook re-delivery, a restart mid-update) is handled once."""

    def __init__(self, guard: UpdateGuard) -> None:
        self._guard = guard

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        if not await self._guard.claim(event.update_id):
            return None
        try:
            return await handler(event, data)
        except BaseException:
            await self._guard.release(event.update_id)
            raise


class UseLanguage(BaseMiddleware):
    """Puts `t` (the translator) and `locale` into the handler data: the member's chosen
    language, else the Telegram client's, else the default."""

    def __init__(self, i18n: I18n, membership: Membership) -> None:
        self._i18n = i18n
        self._membership = membership

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        locale = self._i18n.default_locale
        if user is not None:
            locale = await self._membership.locale_of(user.id) or self._i18n.pick(
                user.language_code
            )
        data["locale"] = locale
        data["t"] = self._i18n(locale)
        return await handler(event, data)
