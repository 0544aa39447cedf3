"""A small async client for the emulator's control API, for tests and scripts.

async with SandboxClient(url) as sb:
    await sb.create_user(42, first_name="Ann")
    await sb.send_text(42, "/start src_poster")
    welcome = await sb.wait_for_message(42, lambda m: "Welcome" in (m.text or ""))
    answer = await sb.press(42, welcome.message_id, welcome.callback_data("Join"))
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

JSON = dict[str, Any]


class _PlainHttpSession(AiohttpSession):
    """aiogram's own session, minus the 250 ms pause on close that lets TLS connections shut
    down: the emulator speaks plain HTTP, and tests open and close many bots."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def sandbox_bot(base_url: str, token: str, **bot_options: Any) -> Bot:
    """A real aiogram Bot whose requests go to the emulator at `base_url`."""
    session = _PlainHttpSession(api=TelegramAPIServer.from_base(base_url))
    return Bot(token, session=session, **bot_options)


class SandboxError(Exception):
    """The control API refused a request (unknown user, no such button, bad input...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SandboxTimeout(AssertionError):
    """An expected message or edit did not come in time (an assertion failure in a test)."""


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message in a chat, as the control API shows it (edits applied, deletion marked)."""

    message_id: int
    chat_id: int
    outgoing: bool  # sent by the bot
    text: str | None
    caption: str | None
    entities: list[JSON]
    reply_markup: JSON | None  # as the bot sent it: inline or reply keyboard, or a removal
    version: int
    edited: bool
    deleted: bool
    paid_broadcast: bool
    raw: JSON  # the Bot API Message object
    file_id: str | None = None
    download_url: str | None = None

    @classmethod
    def from_view(cls, view: JSON) -> SentMessage:
        return cls(
            message_id=view["message_id"],
            chat_id=view["chat_id"],
            outgoing=view["outgoing"],
            text=view.get("text"),
            caption=view.get("caption"),
            entities=view.get("entities") or [],
            reply_markup=view.get("reply_markup"),
            version=view["version"],
            edited=view["edited"],
            deleted=view["deleted"],
            paid_broadcast=view.get("paid_broadcast", False),
            raw=view["message"],
            file_id=view.get("file_id"),
            download_url=view.get("download_url"),
        )

    @property
    def photo(self) -> JSON | None:
        """The largest PhotoSize, if the message is a photo."""
        sizes = self.raw.get("photo")
        return sizes[-1] if sizes else None

    @property
    def document(self) -> JSON | None:
        return self.raw.get("document")

    @property
    def content(self) -> str:
        """The text or the caption, whichever the message has ("" if neither)."""
        return self.text or self.caption or ""

    @property
    def inline_buttons(self) -> list[JSON]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    @property
    def keyboard_buttons(self) -> list[str]:
        """Texts of the reply keyboard's buttons (empty unless the message sent one)."""
        rows = (self.reply_markup or {}).get("keyboard", [])
        return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]

    def callback_data(self, button_text: str) -> str:
        """The callback_data of the inline button whose text contains `button_text`."""
        for button in self.inline_buttons:
            if button_text in button.get("text", "") and "callback_data" in button:
                return str(button["callback_data"])
        texts = [button.get("text") for button in self.inline_buttons]
        raise LookupError(f"no callback button with {button_text!r} in message; buttons: {texts}")


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    callback_query_id: str
    update_id: int | None
    answered: bool
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


class SandboxClient:
    """The control API over HTTP. `bot_id` picks the bot when the emulator serves several."""

    def __init__(
        self,
        base_url: str,
        *,
        bot_id: int | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api = f"{self.base_url}/sandbox/api"
        self._params = {"bot_id": str(bot_id)} if bot_id is not None else {}
        self._session = session
        self._own_session = session is None
        # per chat, the last bot message wait_for_message returned
        self._last_seen: dict[int, int] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, body: JSON | None = None, **query: Any) -> JSON:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        params = {**self._params, **{k: str(v) for k, v in query.items() if v is not None}}
        async with self._session.request(
            method, self._api + path, json=body, params=params
        ) as response:
            payload: JSON = await response.json()
            if response.status >= 400:
                raise SandboxError(response.status, payload.get("error", str(payload)))
            return payload

    # the world

    async def reset(self) -> None:
        """Forget users, chats, messages, pending updates, files, faults and stats."""
        await self._call("POST", "/reset")
        self._last_seen.clear()

    async def stats(self) -> JSON:
        return await self._call("GET", "/stats")

    async def bots(self) -> list[JSON]:
        bots: list[JSON] = (await self._call("GET", "/bots"))["bots"]
        return bots

    async def pending_updates(self) -> list[JSON]:
        updates: list[JSON] = (await self._call("GET", "/updates"))["updates"]
        return updates

    async def create_user(
        self,
        user_id: int | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        started: bool = False,
        phone_number: str | None = None,
    ) -> JSON:
        """A user; `phone_number` is what their request_contact button shares."""
        body = {
            "id": user_id,
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "started": started,
            "phone_number": phone_number,
        }
        return await self._call("POST", "/users", {k: v for k, v in body.items() if v is not None})

    async def create_users(
        self, count: int, *, start_id: int | None = None, started: bool = False
    ) -> list[int]:
        """Many anonymous users at once (for benchmarks); returns their ids."""
        body: JSON = {"count": count, "started": started}
        if start_id is not None:
            body["start_id"] = start_id
        ids: list[int] = (await self._call("POST", "/users", body))["ids"]
        return ids

    async def user(self, user_id: int) -> JSON:
        return await self._call("GET", f"/users/{user_id}")

    async def create_group(
        self,
        title: str,
        *,
        owner_id: int | None = None,
        admins: Iterable[int] = (),
        members: Iterable[int] = (),
        kind: str = "supergroup",
        chat_id: int | None = None,
        bot_status: str = "administrator",
    ) -> int:
        """A group chat with the bot in it (an administrator unless told); returns its id."""
        body: JSON = {
            "title": title,
            "type": kind,
            "owner_id": owner_id,
            "admins": list(admins),
            "members": list(members),
            "id": chat_id,
            "bot_status": bot_status,
        }
        chat = await self._call("POST", "/chats", {k: v for k, v in body.items() if v is not None})
        return int(chat["id"])

    async def create_channel(
        self,
        title: str,
        *,
        username: str | None = None,
        chat_id: int | None = None,
        bot_status: str = "administrator",
    ) -> int:
        body: JSON = {
            "title": title,
            "type": "channel",
            "username": username,
            "id": chat_id,
            "bot_status": bot_status,
        }
        chat = await self._call("POST", "/chats", {k: v for k, v in body.items() if v is not None})
        return int(chat["id"])

    async def join(self, user_id: int, chat_id: int, *, status: str = "member") -> None:
        await self._call(
            "POST", f"/chats/{chat_id}/members", {"user_id": user_id, "status": status}
        )

    async def leave(self, user_id: int, chat_id: int) -> None:
        await self._call("DELETE", f"/chats/{chat_id}/members/{user_id}")

    async def chat(self, chat_id: int) -> JSON:
        """The chat object, the user's current reply keyboard, members or blocked/started."""
        return await self._call("GET", f"/chats/{chat_id}")

    # acting as a user

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        entities: list[JSON] | None = None,
        reply_to_message_id: int | None = None,
    ) -> SentMessage:
        """The user writes `text` to the bot (or into group `chat_id`); /commands get
        bot_command entities, so `/start payload` is a deep link as aiogram expects."""
        body: JSON = {
            "text": text,
            "chat_id": chat_id,
            "entities": entities,
            "reply_to_message_id": reply_to_message_id,
        }
        return await self._user_action(user_id, "messages", body)

    async def send_to_group(self, chat_id: int, user_id: int, text: str) -> SentMessage:
        return await self.send_text(user_id, text, chat_id=chat_id)

    async def start(self, user_id: int, payload: str | None = None) -> SentMessage:
        """The user opens the bot, through a deep link `t.me/<bot>?start=<payload>` if given."""
        return await self.send_text(user_id, f"/start {payload}" if payload else "/start")

    async def press_keyboard(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        phone_number: str | None = None,
    ) -> SentMessage:
        """Tap the reply keyboard button labelled `text`: it sends the text, or, for a
        request_contact button, the user's own contact (their phone, or `phone_number`)."""
        body: JSON = {"text": text, "chat_id": chat_id, "phone_number": phone_number}
        return await self._user_action(user_id, "keyboard", body)

    async def press(
        self,
        user_id: int,
        message_id: int,
        callback_data: str | None = None,
        *,
        button_text: str | None = None,
        chat_id: int | None = None,
        forge: bool = False,
        wait: float = 5.0,
    ) -> CallbackAnswer:
        """Tap an inline button (by data, or by exact text); waits up to `wait` seconds for the
        bot's answerCallbackQuery. `forge` sends data no button carries (a tampering client)."""
        body: JSON = {
            "message_id": message_id,
            "data": callback_data,
            "button_text": button_text,
            "chat_id": chat_id,
            "forge": forge,
            "wait": wait,
        }
        result = await self._call(
            "POST", f"/users/{user_id}/press", {k: v for k, v in body.items() if v is not None}
        )
        answer = result.get("answer") or {}
        return CallbackAnswer(
            callback_query_id=result["callback_query_id"],
            update_id=result["update_id"],
            answered=result["answered"],
            text=answer.get("text"),
            show_alert=bool(answer.get("show_alert")),
            url=answer.get("url"),
        )

    async def share_contact(
        self,
        user_id: int,
        phone_number: str | None = None,
        *,
        own: bool = True,
        first_name: str | None = None,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> SentMessage:
        """The user's own contact (with `user_id` = the sender, as a request_contact button
        sends it; the phone defaults to the user's), or with `own=False` someone else's."""
        body: JSON = {
            "phone_number": phone_number,
            "own": own,
            "first_name": first_name,
            "last_name": last_name,
            "contact_user_id": contact_user_id,
        }
        return await self._user_action(user_id, "contact", body)

    async def send_sticker(self, user_id: int, emoji: str = "👍") -> SentMessage:
        return await self._user_action(user_id, "sticker", {"emoji": emoji})

    async def send_web_app_data(
        self, user_id: int, data: str, *, button_text: str | None = None
    ) -> SentMessage:
        return await self._user_action(
            user_id, "web_app_data", {"data": data, "button_text": button_text}
        )

    async def scan(self, staff_id: int, customer_id: int, *, prefix: str = "c_") -> JSON:
        """The staff member scans the QR card the bot last sent the customer: the card's
        `t.me/<bot>?start=<payload>` link becomes `/start <payload>` from the staff member.
        Returns {"link", "payload", "message_id" (the card), "message" (the /start)}."""
        return await self._call(
            "POST", f"/users/{staff_id}/scan", {"customer_id": customer_id, "prefix": prefix}
        )

    async def start_link(self, chat_id: int, *, prefix: str = "") -> JSON:
        """The newest `t.me/<bot>?start=` link the bot sent to the chat: {"link", "payload",
        "message_id"}."""
        return await self._call("GET", f"/chats/{chat_id}/start_link", prefix=prefix)

    async def open_web_app(
        self,
        user_id: int,
        *,
        message_id: int | None = None,
        button_text: str | None = None,
        menu: bool = False,
        url: str | None = None,
        chat_id: int | None = None,
        start_param: str | None = None,
    ) -> JSON:
        """Launch a Mini App from an inline web_app button (`message_id`), a reply keyboard
        button (`button_text`), the menu button (`menu`) or a link (`url`). Returns {"url",
        "init_data" (signed with the bot token, as Telegram does), "launch_url", "source"}."""
        body: JSON = {
            "message_id": message_id,
            "button_text": button_text,
            "menu": menu,
            "url": url,
            "chat_id": chat_id,
            "start_param": start_param,
        }
        return await self._call(
            "POST", f"/users/{user_id}/web_app", {k: v for k, v in body.items() if v is not None}
        )

    async def personas(self) -> JSON:
        """The web page's cast (created on first use: the default one unless set)."""
        return await self._call("GET", "/personas")

    async def set_personas(self, personas: Iterable[JSON], chats: Iterable[JSON] = ()) -> JSON:
        return await self._call(
            "PUT", "/personas", {"personas": list(personas), "chats": list(chats)}
        )

    async def feed(self, *, after: int = 0, wait: float = 0, chats: Iterable[int] = ()) -> JSON:
        """Messages changed after change number `after` (long-polls up to `wait` seconds):
        {"seq", "epoch", "chats": [{"chat_id", "reply_keyboard", "messages": [...]}]}."""
        ids = ",".join(str(c) for c in chats) or None
        return await self._call("GET", "/feed", after=after, wait=wait, chats=ids)

    async def block(self, user_id: int) -> int | None:
        """The user blocks the bot; returns the id of the my_chat_member update (if queued)."""
        update_id: int | None = (await self._call("POST", f"/users/{user_id}/block"))["update_id"]
        return update_id

    async def unblock(self, user_id: int) -> int | None:
        result = await self._call("POST", f"/users/{user_id}/unblock")
        update_id: int | None = result["update_id"]
        return update_id

    async def _user_action(self, user_id: int, action: str, body: JSON) -> SentMessage:
        result = await self._call(
            "POST", f"/users/{user_id}/{action}", {k: v for k, v in body.items() if v is not None}
        )
        return SentMessage.from_view(result["message"])

    # reading what the bot did

    async def messages(
        self, chat_id: int, *, sender: str = "all", after: int = 0
    ) -> list[SentMessage]:
        """The chat's messages from `sender` ("bot", "user" or "all"), oldest first."""
        result = await self._call("GET", f"/chats/{chat_id}/messages", sender=sender, after=after)
        return [SentMessage.from_view(view) for view in result["messages"]]

    async def sent_to(self, chat_id: int) -> list[SentMessage]:
        """Everything the bot sent to the chat, oldest first (edits applied, deletions marked)."""
        return await self.messages(chat_id, sender="bot")

    async def message(self, chat_id: int, message_id: int) -> SentMessage:
        return SentMessage.from_view(
            await self._call("GET", f"/chats/{chat_id}/messages/{message_id}")
        )

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - the server long-polls; a deadline, not a wrapper
    ) -> SentMessage:
        """The next bot message in the chat that satisfies `predicate`.

        "Next" means after the one this client last returned for the chat (or the start of the
        chat), so a reply that came before this call is not missed; messages skipped for not
        matching are not offered again."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        cursor = self._last_seen.get(chat_id, 0)
        skipped: list[SentMessage] = []
        while True:
            remaining = deadline - loop.time()
            result = await self._call(
                "GET",
                f"/chats/{chat_id}/messages",
                sender="bot",
                after=cursor,
                wait=max(remaining, 0),
            )
            for view in result["messages"]:
                message = SentMessage.from_view(view)
                cursor = message.message_id
                if predicate is None or predicate(message):
                    self._last_seen[chat_id] = cursor
                    return message
                skipped.append(message)
            self._last_seen[chat_id] = cursor
            if deadline - loop.time() <= 0:
                seen = [m.content for m in skipped]
                raise SandboxTimeout(
                    f"no matching bot message in chat {chat_id} within {timeout}s; "
                    f"non-matching ones: {seen}"
                )

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - as in wait_for_message
        *,
        newer_than: int | None = None,
    ) -> SentMessage:
        """The message once it has changed (edited or deleted) after version `newer_than`
        (default: its current version) and satisfies `predicate`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        if newer_than is None:
            newer_than = (await self.message(chat_id, message_id)).version
        while True:
            message = SentMessage.from_view(
                await self._call(
                    "GET",
                    f"/chats/{chat_id}/messages/{message_id}",
                    newer_than=newer_than,
                    wait=max(deadline - loop.time(), 0),
                )
            )
            if message.version > newer_than and (predicate is None or predicate(message)):
                return message
            newer_than = max(newer_than, message.version)
            if deadline - loop.time() <= 0:
                raise SandboxTimeout(
                    f"message {message_id} in chat {chat_id} did not change as expected within "
                    f"{timeout}s; it reads {message.content!r}"
                )

    async def download(self, message: SentMessage) -> bytes:
        if message.download_url is None:
            raise SandboxError(404, "this message has no downloadable file")
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.get(message.download_url) as response:
            response.raise_for_status()
            return await response.read()

    # faults

    async def inject_fault(
        self,
        *,
        error_code: int | None = None,
        count: int = 1,
        method: str = "sendMessage",
        chat_id: int | None = None,
        hang_seconds: float = 0.0,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `count` calls of `method` (to `chat_id`, if given) fail with `error_code`
        (400/403/429/500/502), after hanging `hang_seconds` if given; with a hang and no
        code, they hang and then succeed. `method="*"` matches every method."""
        body: JSON = {
            "error_code": error_code,
            "count": count,
            "method": method,
            "chat_id": chat_id,
            "hang_seconds": hang_seconds,
            "retry_after": retry_after,
            "description": description,
        }
        await self._call("POST", "/faults", {k: v for k, v in body.items() if v is not None})

    async def set_random_faults(
        self,
        rate: float,
        *,
        seed: int | None = None,
        error_codes: Iterable[int] = (500,),
        methods: Iterable[str] = ("sendMessage",),
    ) -> None:
        body: JSON = {
            "rate": rate,
            "seed": seed,
            "error_codes": list(error_codes),
            "methods": list(methods),
        }
        await self._call("POST", "/faults/random", {k: v for k, v in body.items() if v is not None})

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/faults")
