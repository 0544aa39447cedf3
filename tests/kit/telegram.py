"""A Bot session that records every request instead of calling Telegram, and builders of
incoming updates: the dispatcher under test is the real one from bootstrap."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import Chat, Message, Update, User

BOT_USER = User(id=42, is_bot=True, first_name="Loyalty", username="loyalty_test_bot")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self._message_ids = itertools.count(1000)
        self.results: dict[str, Any] = {}
        """What a method (by class name, e.g. "GetChatMember") returns, set by a test."""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        self.requests.append(method)
        if type(method).__name__ in self.results:
            return self.results[type(method).__name__]
        returning = method.__returning__
        if returning is Message or "Message" in str(returning):
            chat_id = getattr(method, "chat_id", 0)
            return Message(
                message_id=next(self._message_ids),
                date=datetime.now(UTC),
                chat=Chat(id=int(chat_id), type="private"),
                from_user=BOT_USER,
                text=getattr(method, "text", None),
            )
        if returning is User:
            return BOT_USER
        return True

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def close(self) -> None:
        pass

    def sent(self, method_name: str = "SendMessage") -> list[Any]:
        return [r for r in self.requests if type(r).__name__ == method_name]

    def texts(self) -> list[str]:
        return [r.text for r in self.sent("SendMessage")]

    def clear(self) -> None:
        self.requests.clear()


_update_ids = itertools.count(1)


def user(telegram_id: int = 1001, first_name: str = "Anna", language_code: str = "ru") -> User:
    return User(id=telegram_id, is_bot=False, first_name=first_name, language_code=language_code)


def text_update(sender: User, text: str, update_id: int | None = None) -> Update:
    return Update(
        update_id=update_id if update_id is not None else next(_update_ids),
        message=Message(
            message_id=next(_update_ids),
            date=datetime.now(UTC),
            chat=Chat(id=sender.id, type="private"),
            from_user=sender,
            text=text,
        ),
    )
