"""Immediate messages to staff and admin chats (the `ChatNotifier` port) with the bot itself.

Not through the outbox: the outbox addresses members (their language, reachability, marketing
rules), while these go to a staff member's chat or an admin group, and are either an edit of a
message the bot sent a moment ago or an alert about something already committed (an audit row).
A failed send is logged and dropped; nothing is lost that the database does not keep.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from aiogram import Bot

from bot.adapters.i18n import I18n, Translator
from bot.domain.delivery import MessageContent

log = logging.getLogger(__name__)


class TelegramChats:
    def __init__(
        self, bot: Bot, i18n: I18n, admin_chat_ids: Collection[int], currency: str
    ) -> None:
        self._bot = bot
        self._i18n = i18n
        self._admin_chat_ids = tuple(admin_chat_ids)
        self._currency = currency

    def _render(self, t: Translator, content: MessageContent) -> str:
        # Names typed by people reach an HTML message: escape every text variable.
        variables: Mapping[str, Any] = {
            name: html.escape(value) if isinstance(value, str) else value
            for name, value in content.variables.items()
        }
        return t.render(content.key, variables, self._currency)

    async def to_admins(self, parts: Sequence[MessageContent]) -> None:
        t = self._i18n(None)
        text = "\n".join(self._render(t, part) for part in parts)
        for chat_id in self._admin_chat_ids:
            try:
                await self._bot.send_message(chat_id, text)
            except Exception:
                log.exception("could not post to the admin chat %s", chat_id)

    async def show(
        self, chat_id: int, message_id: int | None, locale: str, content: MessageContent
    ) -> None:
        text = self._render(self._i18n(locale), content)
        if message_id is not None:
            try:
                await self._bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
                return
            except Exception:
                log.warning("could not edit message %s in chat %s", message_id, chat_id)
        try:
            await self._bot.send_message(chat_id, text)
        except Exception:
            log.exception("could not notify chat %s", chat_id)
