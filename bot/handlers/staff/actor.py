"""Resolve who is acting (owner, staff, member) for staff and admin routers, from trusted data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from bot.services.staff import StaffService


class ResolveActor(BaseMiddleware):
    """Puts `actor` into the handler data. It is re-read on every update, so a removed staff
    member loses access with their very next message."""

    def __init__(self, staff: StaffService) -> None:
        self._staff = staff

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return None
        data["actor"] = await self._staff.actor_for(user.id)
        return await handler(event, data)
