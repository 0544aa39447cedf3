"""One rendered message, sent to many chats for little CPU per message.

At 1 000 msg/s the sender's CPU per message decides the rate on a small machine. Through
`bot.send_message` every message builds a pydantic `SendMessage`, serializes it field by field
into an aiohttp `FormData`, and validates Telegram's answer into a full `Message` (user, chat,
entities): about two thirds of the sender's CPU, for a broadcast whose recipients differ only in
`chat_id` and whose answers the sender never reads.

So a message is `prepare`d once per rendering (locale, content, photo): aiogram itself builds the
method and serializes its fields (defaults such as `parse_mode` resolved by the bot, markup as
JSON), the fields other than `chat_id` are URL-encoded once, and each `send` only prefixes the
chat id and posts the bytes on the bot session's own connection pool. An answer that is not
`ok` goes through aiogram's `check_response`, so the sender sees exactly the exceptions aiogram
raises (`TelegramRetryAfter`, `TelegramForbiddenError`, ...); network errors and timeouts are
wrapped as `TelegramNetworkError` as aiogram wraps them. The request on the wire is the one
`bot.send_message` would send.

A session that is not aiohttp's (the tests' recording session) or that has request middlewares
(they must see every request) is called the ordinary way, through `bot(method)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.methods import SendMessage, SendPhoto
from aiohttp import ClientError, ClientTimeout

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

SendMethod = type[SendMessage] | type[SendPhoto]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A message rendered once, ready for any chat."""

    method: SendMethod
    fields: dict[str, Any]  # the method's arguments other than chat_id
    form_tail: bytes | None  # "&field=value..." as aiogram would post them; None: not posted raw

    def for_chat(self, chat_id: int) -> SendMessage | SendPhoto:
        return self.method(chat_id=chat_id, **self.fields)


class Transport:
    """Posts prepared messages through the bot's session (see the module docstring)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._urls: dict[str, str] = {}
        self._timeouts: dict[float, ClientTimeout] = {}

    def _raw_session(self) -> AiohttpSession | None:
        session = self.bot.session
        if isinstance(session, AiohttpSession) and not len(session.middleware):
            return session
        return None

    def prepare(self, method: SendMethod, **fields: Any) -> Prepared:
        session = self._raw_session()
        if session is None:
            return Prepared(method, fields, None)
        files: dict[str, Any] = {}
        form = {}
        # aiogram's own serialization (AiohttpSession.build_form_data), minus chat_id.
        for key, value in method(chat_id=0, **fields).model_dump(warnings=False).items():
            if key == "chat_id":
                continue
            prepared = session.prepare_value(value, bot=self.bot, files=files)
            if prepared:
                form[key] = prepared
        if files:  # an upload: multipart, once per file; aiogram does it
            return Prepared(method, fields, None)
        tail = urlencode(form).encode()
        return Prepared(method, fields, b"&" + tail if tail else b"")

    async def send(self, prepared: Prepared, chat_id: int, request_timeout: float) -> None:
        """Send to `chat_id`; raises what `bot(method)` would raise."""
        session = self._raw_session()
        if session is None or prepared.form_tail is None:
            await self.bot(prepared.for_chat(chat_id), request_timeout=int(request_timeout))
            return
        http = await session.create_session()
        body = b"chat_id=%d%s" % (chat_id, prepared.form_tail)
        url, timeout = self._url(session, prepared), self._timeout(request_timeout)
        try:
            async with http.post(url, data=body, headers=FORM, timeout=timeout) as response:
                status, raw = response.status, await response.read()
        except TimeoutError as error:
            raise TelegramNetworkError(
                method=prepared.for_chat(chat_id), message="Request timeout error"
            ) from error
        except ClientError as error:
            raise TelegramNetworkError(
                method=prepared.for_chat(chat_id), message=f"{type(error).__name__}: {error}"
            ) from error
        if status == 200 and _ok(raw):
            return
        # aiogram decides what the answer means, and raises its exception for it.
        session.check_response(self.bot, prepared.for_chat(chat_id), status, raw.decode())
        raise TelegramAPIError(prepared.for_chat(chat_id), f"unexpected answer {status}")

    def _url(self, session: AiohttpSession, prepared: Prepared) -> str:
        name = prepared.method.__api_method__
        url = self._urls.get(name)
        if url is None:
            url = self._urls[name] = session.api.api_url(token=self.bot.token, method=name)
        return url

    def _timeout(self, seconds: float) -> ClientTimeout:
        timeout = self._timeouts.get(seconds)
        if timeout is None:
            timeout = self._timeouts[seconds] = ClientTimeout(total=seconds)
        return timeout


def _ok(raw: bytes) -> bool:
    try:
        answer = json.loads(raw)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("ok") is True
