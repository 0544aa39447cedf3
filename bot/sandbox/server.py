"""A local Telegram Bot API server: the bot's side of the emulator.

Point aiogram at it with `TelegramAPIServer.from_base("http://127.0.0.1:8081")`: methods are served
at `/bot<token>/<method>`, files at `/file/bot<token>/<path>`, the control API (the users' side,
see `control.py`) under `/sandbox/api/`, and the web chat page at `/`. Start it from code with
`start_sandbox`, or alone with

    python -m bot.sandbox --port 8081 --token 123456789:SANDBOX
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import logging
import mimetypes
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import BodyPartReader, MultipartReader, hdrs, web

from bot.adapters.heap import settle_heap
from bot.sandbox.client import SandboxClient
from bot.sandbox.control import ControlApi
from bot.sandbox.limits import LIMITED_METHODS, Fault, FaultInjector, LimitConfig
from bot.sandbox.personas import DEFAULT_CAST, Cast
from bot.sandbox.state import (
    JSON,
    PRESENT_STATUSES,
    BotState,
    ChatLog,
    FormattingError,
    MessageRecord,
    StoredFile,
    WebhookConfig,
    World,
    chat_member,
    image_size,
    parse_formatted,
    utf16_len,
)

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456789:SANDBOX-TOKEN"
_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]+")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_INLINE_BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_dumps = functools.partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


class ApiError(Exception):
    """A Bot API error answer: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


# Reading a request --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    content_type: str | None
    data: bytes


class Params:
    """A method's parameters from any encoding. Form fields are strings, so every accessor also
    accepts a number, a boolean or a JSON object written as a string."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def has(self, name: str) -> bool:
        return self._data.get(name) not in (None, "")

    def text(self, name: str) -> str | None:
        value = self._data.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self._data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def required_int(self, name: str, missing: str) -> int:
        value = self.integer(name)
        if value is None:
            raise ApiError(400, missing)
        return value

    def flag(self, name: str) -> bool:
        value = self._data.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self._data.get(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None

    def chat_id(self, name: str = "chat_id") -> int | str:
        value = self._data.get(name)
        if value is None or value == "":
            raise ApiError(400, f"Bad Request: {name} is empty")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = str(value)
        if text.startswith("@"):
            return text
        try:
            return int(text)
        except ValueError:
            raise ApiError(400, "Bad Request: chat not found") from None

    def file(self, name: str) -> Upload | str | None:
        value = self._data.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            value = self._data.get(value.removeprefix("attach://"))
            if not isinstance(value, Upload):
                raise ApiError(400, f"Bad Request: can't find the attached file for {name}")
        if value == "":
            return None
        return value

    def with_values(self, values: Mapping[str, Any]) -> Params:
        """These parameters with some replaced (uploads stay reachable by attach://)."""
        return Params({**self._data, **values})


async def read_multipart(reader: MultipartReader) -> dict[str, Any]:
    """Form fields as strings and file parts as `Upload`s, kept in memory (no temporary files)."""
    data: dict[str, Any] = {}
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            data[part.name] = Upload(
                part.filename, part.headers.get(hdrs.CONTENT_TYPE), await part.read(decode=True)
            )
        else:
            data[part.name] = await part.text()
    return data


async def read_params(request: web.Request) -> Params:
    data: dict[str, Any] = dict(request.query) if request.query_string else {}
    if request.method == "POST" and request.body_exists:
        content_type = request.content_type
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: the JSON request body must be an object")
            data.update(body)
        elif content_type == "multipart/form-data":
            data.update(await read_multipart(await request.multipart()))
        else:
            data.update(await request.post())
    return Params(data)


# The Bot API methods ------------------------------------------------------------------------


Handler = Callable[[BotState, Params], Awaitable[Any]]


class BotApi:
    """Executes Bot API methods against the world, the way Telegram answers them."""

    def __init__(self, world: World, faults: FaultInjector, webhooks: WebhookDeliverer) -> None:
        self.world = world
        self.faults = faults
        self.webhooks = webhooks
        methods: dict[str, Handler] = {
            "getMe": self.get_me,
            "getUpdates": self.get_updates,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "sendMessage": self.send_message,
            "sendPhoto": self.send_photo,
            "sendDocument": self.send_document,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "editMessageMedia": self.edit_message_media,
            "copyMessage": self.copy_message,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "setMyDescription": self._profile_setter("description"),
            "getMyDescription": self._profile_getter("description", ""),
            "setMyShortDescription": self._profile_setter("short_description"),
            "getMyShortDescription": self._profile_getter("short_description", ""),
            "setMyName": self._profile_setter("name"),
            "getMyName": self._profile_getter("name", None),
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "getFile": self.get_file,
            "sendChatAction": self.send_chat_action,
        }
        # Telegram's method names are case-insensitive.
        self._methods = {name.lower(): handler for name, handler in methods.items()}
        self._names = {name.lower(): name for name in methods}

    async def call(self, bot: BotState, method: str, params: Params) -> tuple[int, JSON]:
        """(HTTP status, JSON body) for one method call."""
        key = method.lower()
        handler = self._methods.get(key)
        stats = self.world.stats
        stats.requests[self._names.get(key, method)] += 1
        if handler is None:
            status, body = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        else:
            try:
                fault = self.faults.take(key, params.text("chat_id"))
                if fault is not None:
                    await self._suffer(fault)
                status, body = 200, {"ok": True, "result": await handler(bot, params)}
            except ApiError as error:
                status, body = error.status, error.payload()
        stats.statuses[status] += 1
        return status, body

    @staticmethod
    async def _suffer(fault: Fault) -> None:
        if fault.hang_seconds > 0:
            await asyncio.sleep(fault.hang_seconds)
        if fault.error_code is not None:
            raise ApiError(fault.error_code, fault.description, retry_after=fault.retry_after)

    # bot and updates

    async def get_me(self, bot: BotState, p: Params) -> JSON:
        return {
            **bot.user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_updates(self, bot: BotState, p: Params) -> list[JSON]:
        if bot.webhook is not None:
            raise _WEBHOOK_CONFLICT
        offset = p.integer("offset", 0) or 0
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = max(p.integer("timeout", 0) or 0, 0)
        allowed = p.json("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise ApiError(400, "Bad Request: can't parse allowed_updates JSON object")
        bot.set_allowed_updates(allowed)
        if offset:
            bot.confirm(offset)
        # A newer getUpdates ends the one still waiting, as on Telegram.
        bot.poll_generation += 1
        generation = bot.poll_generation
        bot.updates_changed.notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if bot.pending:
                return list(itertools.islice(bot.pending, limit))
            remaining = deadline - loop.time()
            if remaining <= 0 or self.world.closing:
                return []
            await bot.updates_changed.wait(remaining)
            if bot.poll_generation != generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            if bot.webhook is not None:
                raise _WEBHOOK_CONFLICT

    async def set_webhook(self, bot: BotState, p: Params) -> bool:
        url = p.text("url") or ""
        if not url:
            return await self.delete_webhook(bot, p)
        if not url.startswith(("http://", "https://")):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = p.text("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        allowed = p.json("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            raise ApiError(400, "Bad Request: can't parse allowed_updates JSON object")
        if p.flag("drop_pending_updates"):
            bot.pending.clear()
        bot.set_allowed_updates(allowed)
        bot.webhook = WebhookConfig(
            url,
            secret,
            min(max(p.integer("max_connections", 40) or 40, 1), 100),
            p.text("ip_address"),
        )
        bot.webhook_error = None
        bot.updates_changed.notify()  # a waiting getUpdates ends with 409
        self.webhooks.start(bot)
        return True

    async def delete_webhook(self, bot: BotState, p: Params) -> bool:
        bot.webhook = None
        bot.webhook_error = None
        self.webhooks.stop(bot)
        if p.flag("drop_pending_updates"):
            bot.pending.clear()
        bot.updates_changed.notify()
        return True

    async def get_webhook_info(self, bot: BotState, p: Params) -> JSON:
        config = bot.webhook
        info: JSON = {
            "url": config.url if config else "",
            "has_custom_certificate": False,
            "pending_update_count": len(bot.pending),
        }
        if config is not None:
            info["max_connections"] = config.max_connections
            info["allowed_updates"] = sorted(bot.allowed_updates)
            if config.ip_address:
                info["ip_address"] = config.ip_address
        if bot.webhook_error is not None:
            info["last_error_date"], info["last_error_message"] = bot.webhook_error
        return info

    # sending

    async def send_message(self, bot: BotState, p: Params) -> JSON:
        chat = self._target(bot, p)
        return self._deliver(bot, chat, self._text_content(p), p, "sendmessage")

    async def send_photo(self, bot: BotState, p: Params) -> JSON:
        chat = self._target(bot, p)
        stored = self._input_file(p, "photo")
        content = {"photo": [stored.to_api()], **self._caption_content(p)}
        return self._deliver(bot, chat, content, p, "sendphoto", file_id=stored.file_id)

    async def send_document(self, bot: BotState, p: Params) -> JSON:
        chat = self._target(bot, p)
        stored = self._input_file(p, "document")
        content = {"document": stored.to_api(), **self._caption_content(p)}
        return self._deliver(bot, chat, content, p, "senddocument", file_id=stored.file_id)

    async def send_chat_action(self, bot: BotState, p: Params) -> bool:
        self._target(bot, p)
        if not p.has("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True

    def _target(self, bot: BotState, p: Params) -> ChatLog:
        """The chat a send goes to, if the bot may write there."""
        chat = self.world.chat_log(bot, p.chat_id())
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        user_id = chat.private_user_id
        if user_id is not None:
            if user_id in bot.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if user_id not in bot.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat
        group = self.world.groups[chat.chat_id]
        status = group.status_of(bot.id)
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {group.type} chat")
        if status not in PRESENT_STATUSES:
            raise ApiError(403, f"Forbidden: bot is not a member of the {group.type} chat")
        if group.type == "channel" and status == "member":
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")
        return chat

    def _formatted(
        self, text: str, p: Params, *, mode_field: str, entities_field: str
    ) -> tuple[str, list[JSON]]:
        entities = p.json(entities_field)
        if entities is not None:  # explicit entities win over parse_mode, as on Telegram
            if not isinstance(entities, list):
                raise ApiError(400, f"Bad Request: can't parse {entities_field} JSON object")
            return text, entities
        try:
            return parse_formatted(text, p.text(mode_field))
        except FormattingError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None

    def _text_content(self, p: Params) -> JSON:
        text = p.text("text")
        if not text or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = self._formatted(
            text, p, mode_field="parse_mode", entities_field="entities"
        )
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        content: JSON = {"text": plain}
        if entities:
            content["entities"] = entities
        return content

    def _caption_content(self, p: Params) -> JSON:
        caption = p.text("caption")
        if not caption:
            return {}
        plain, entities = self._formatted(
            caption, p, mode_field="parse_mode", entities_field="caption_entities"
        )
        if utf16_len(plain) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        content: JSON = {"caption": plain}
        if entities:
            content["caption_entities"] = entities
        return content

    def _input_file(self, p: Params, kind: str) -> StoredFile:
        """An uploaded file (stored), a file_id sent before (reused) or a URL (not fetched)."""
        value = p.file(kind)
        if value is None:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if isinstance(value, Upload):
            if not value.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if kind == "photo":
                size = image_size(value.data)
                if size is None:
                    raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
                return self.world.store_file("photo", value.data, size=size)
            content_type = value.content_type
            if not content_type or content_type == "application/octet-stream":
                content_type = mimetypes.guess_type(value.filename)[0] or content_type
            return self.world.store_file(
                "document", value.data, file_name=value.filename, mime_type=content_type
            )
        if not isinstance(value, str):
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if value.startswith(("http://", "https://")):
            size = (800, 600) if kind == "photo" else (0, 0)
            return self.world.store_file(
                kind, None, source_url=value, size=size, file_name=value.rsplit("/", 1)[-1] or None
            )
        stored = self.world.files.get(value)
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise ApiError(
                400,
                f"Bad Request: can't use file of type {stored.kind.capitalize()} "
                f"as {kind.capitalize()}",
            )
        return stored

    def _reply_markup(self, p: Params, *, inline_only: bool = False) -> JSON | None:
        markup = p.json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            for button in _buttons(markup["inline_keyboard"], "inline keyboard"):
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        'Field "text" must be of type String',
                    )
                if not _INLINE_BUTTON_ACTIONS.intersection(button):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard",
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            return markup
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if "keyboard" in markup:
            for button in _buttons(markup["keyboard"], "keyboard"):
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise ApiError(400, "Bad Request: keyboard button text must be non-empty")
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

    def _reply_to(self, chat: ChatLog, p: Params) -> JSON | None:
        reply = p.json("reply_parameters")
        message_id = reply.get("message_id") if isinstance(reply, dict) else None
        if message_id is None:
            message_id = p.integer("reply_to_message_id")
        if message_id is None:
            return None
        target = chat.live_message(int(message_id))
        if target is None:
            allow = isinstance(reply, dict) and reply.get("allow_sending_without_reply")
            if allow or p.flag("allow_sending_without_reply"):
                return None
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {k: v for k, v in target.payload.items() if k != "reply_to_message"}

    def _deliver(
        self,
        bot: BotState,
        chat: ChatLog,
        content: JSON,
        p: Params,
        method: str,
        *,
        file_id: str | None = None,
    ) -> JSON:
        """Check the limits, then put the bot's message into the chat."""
        markup = self._reply_markup(p)
        reply_to = self._reply_to(chat, p)
        paid = p.flag("allow_paid_broadcast")
        limiter = bot.limiter
        if limiter is not None and method in LIMITED_METHODS:
            limited = limiter.acquire(chat.chat_id, paid=paid, method=method)
            if limited is not None:
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {limited.retry_after}",
                    retry_after=limited.retry_after,
                )
        now = self.world.wall_clock()
        message_id = chat.next_message_id()
        payload: JSON = {
            "message_id": message_id,
            "from": bot.user,
            "chat": chat.chat,
            "date": int(now),
            **content,
        }
        if chat.chat["type"] == "channel":  # channel posts are signed by the channel
            del payload["from"]
            payload["sender_chat"] = chat.chat
        if reply_to is not None:
            payload["reply_to_message"] = reply_to
        if markup is not None:
            if "inline_keyboard" in markup:
                payload["reply_markup"] = markup
            elif "keyboard" in markup:
                chat.set_reply_keyboard(markup)
            elif markup.get("remove_keyboard"):
                chat.set_reply_keyboard(None)
        chat.add(
            MessageRecord(
                message_id,
                chat.chat_id,
                True,
                payload,
                markup,
                paid_broadcast=paid,
                file_id=file_id,
            )
        )
        self.world.stats.record_send(now, paid=paid)
        return payload

    # editing and deleting

    async def edit_message_text(self, bot: BotState, p: Params) -> JSON:
        chat, record = self._editable(bot, p)
        if "text" not in record.payload:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        content = self._text_content(p)
        markup = self._reply_markup(p, inline_only=True)
        return self._apply_edit(chat, record, content, ("text", "entities"), markup)

    async def edit_message_caption(self, bot: BotState, p: Params) -> JSON:
        chat, record = self._editable(bot, p)
        if "text" in record.payload:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        content = self._caption_content(p)
        markup = self._reply_markup(p, inline_only=True)
        return self._apply_edit(chat, record, content, ("caption", "caption_entities"), markup)

    async def edit_message_reply_markup(self, bot: BotState, p: Params) -> JSON:
        chat, record = self._editable(bot, p)
        return self._apply_edit(chat, record, {}, (), self._reply_markup(p, inline_only=True))

    async def edit_message_media(self, bot: BotState, p: Params) -> JSON:
        """A photo or document replaced by another (a refreshed QR card, say)."""
        chat, record = self._editable(bot, p)
        media = p.json("media")
        kind = media.get("type") if isinstance(media, dict) else None
        if kind not in ("photo", "document"):
            raise ApiError(400, "Bad Request: can't parse InputMedia JSON object")
        assert isinstance(media, dict)
        if "photo" not in record.payload and "document" not in record.payload:
            raise ApiError(400, "Bad Request: there is no media in the message to edit")
        fields = {
            kind: media.get("media"),
            "caption": media.get("caption"),
            "parse_mode": media.get("parse_mode"),
            "caption_entities": media.get("caption_entities"),
        }
        media_params = p.with_values(fields)
        stored = self._input_file(media_params, kind)
        content: JSON = {kind: [stored.to_api()] if kind == "photo" else stored.to_api()}
        content.update(self._caption_content(media_params))
        replaced = ("photo", "document", "caption", "caption_entities")
        markup = self._reply_markup(p, inline_only=True)
        edited = self._apply_edit(chat, record, content, replaced, markup)
        record.file_id = stored.file_id
        return edited

    async def copy_message(self, bot: BotState, p: Params) -> JSON:
        """The content of a message (text, or media with its caption) sent anew, without a link
        to the original; `caption` replaces a media message's caption."""
        chat = self._target(bot, p)
        source_chat = self.world.chat_log(bot, p.chat_id("from_chat_id"))
        if source_chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = p.required_int(
            "message_id", "Bad Request: message identifier is not specified"
        )
        source = source_chat.live_message(message_id)
        if source is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        content = {k: v for k, v in source.payload.items() if k in _COPYABLE}
        if not content:
            raise ApiError(400, "Bad Request: the message can't be copied")
        if p.has("caption") and "text" not in content:
            content.pop("caption_entities", None)
            content.update(self._caption_content(p))
        sent = self._deliver(bot, chat, content, p, "copymessage", file_id=source.file_id)
        return {"message_id": sent["message_id"]}

    def _editable(self, bot: BotState, p: Params) -> tuple[ChatLog, MessageRecord]:
        if p.has("inline_message_id"):
            raise ApiError(400, "Bad Request: the sandbox does not support inline messages")
        chat = self.world.chat_log(bot, p.chat_id())
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = p.required_int(
            "message_id", "Bad Request: message identifier is not specified"
        )
        if chat.private_user_id is not None and chat.private_user_id in bot.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        record = chat.live_message(message_id)
        if record is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not record.outgoing:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, record

    def _apply_edit(
        self,
        chat: ChatLog,
        record: MessageRecord,
        content: JSON,
        replaced: tuple[str, ...],
        markup: JSON | None,
    ) -> JSON:
        if markup is not None and not markup.get("inline_keyboard"):
            markup = None  # an empty inline keyboard removes it
        old = {k: v for k, v in record.payload.items() if k != "edit_date"}
        new = {k: v for k, v in old.items() if k not in replaced and k != "reply_markup"}
        new.update(content)
        if markup is not None:
            new["reply_markup"] = markup
        if new == old:
            raise ApiError(400, NOT_MODIFIED)
        new["edit_date"] = self.world.now()
        record.payload = new
        record.reply_markup = markup
        record.version += 1
        chat.touch(record)
        return new

    async def delete_message(self, bot: BotState, p: Params) -> bool:
        chat = self.world.chat_log(bot, p.chat_id())
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = p.required_int(
            "message_id", "Bad Request: message identifier is not specified"
        )
        record = chat.live_message(message_id)
        if record is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        record.deleted = True
        record.version += 1
        chat.touch(record)
        return True

    async def answer_callback_query(self, bot: BotState, p: Params) -> bool:
        callback = bot.callbacks.get(p.text("callback_query_id") or "")
        if callback is None or callback.answered.done():
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = p.text("text")
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        callback.answered.set_result(
            {
                "text": text,
                "show_alert": p.flag("show_alert"),
                "url": p.text("url"),
                "cache_time": p.integer("cache_time", 0),
            }
        )
        return True

    # commands, menu button, profile

    @staticmethod
    def _commands_key(p: Params) -> tuple[str, str]:
        scope = p.json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        return _dumps(scope, sort_keys=True), p.text("language_code") or ""

    async def set_my_commands(self, bot: BotState, p: Params) -> bool:
        commands = p.json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._commands_key(p)
        if cleaned:
            bot.commands[key] = cleaned
        else:
            bot.commands.pop(key, None)
        return True

    async def get_my_commands(self, bot: BotState, p: Params) -> list[JSON]:
        return bot.commands.get(self._commands_key(p), [])

    async def delete_my_commands(self, bot: BotState, p: Params) -> bool:
        bot.commands.pop(self._commands_key(p), None)
        return True

    def _menu_chat(self, bot: BotState, p: Params) -> int | None:
        if not p.has("chat_id"):
            return None
        chat = self.world.chat_log(bot, p.chat_id())
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat.chat_id

    async def set_chat_menu_button(self, bot: BotState, p: Params) -> bool:
        chat_id = self._menu_chat(bot, p)
        button = p.json("menu_button") or {"type": "default"}
        kind = button.get("type") if isinstance(button, dict) else None
        if kind not in ("default", "commands", "web_app"):
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        if kind == "web_app" and not (
            button.get("text")
            and isinstance(button.get("web_app"), dict)
            and button["web_app"].get("url")
        ):
            raise ApiError(400, "Bad Request: a web_app menu button needs text and web_app.url")
        bot.menu_buttons[chat_id] = button
        return True

    async def get_chat_menu_button(self, bot: BotState, p: Params) -> JSON:
        chat_id = self._menu_chat(bot, p)
        return bot.menu_buttons.get(chat_id) or bot.menu_buttons.get(None) or {"type": "default"}

    def _profile_setter(self, field: str) -> Handler:
        async def set_profile(bot: BotState, p: Params) -> bool:
            language = p.text("language_code") or ""
            value = p.text(field)
            if value:
                bot.profile[(field, language)] = value
            else:
                bot.profile.pop((field, language), None)
            return True

        return set_profile

    def _profile_getter(self, field: str, default: str | None) -> Handler:
        async def get_profile(bot: BotState, p: Params) -> JSON:
            language = p.text("language_code") or ""
            value = bot.profile.get((field, language)) or bot.profile.get((field, ""))
            return {field: value or (default if default is not None else bot.first_name)}

        return get_profile

    # chats and files

    async def get_chat(self, bot: BotState, p: Params) -> JSON:
        chat = self.world.chat_log(bot, p.chat_id())
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def get_chat_member(self, bot: BotState, p: Params) -> JSON:
        chat_id = self.world.resolve_chat_id(p.chat_id())
        user_id = p.required_int("user_id", "Bad Request: user_id is empty")
        if user_id == bot.id:
            user = bot.user
        elif user_id in self.world.users:
            user = self.world.users[user_id].to_api()
        else:
            raise ApiError(400, "Bad Request: user not found")
        if chat_id is not None and chat_id in self.world.users:
            if user_id not in (chat_id, bot.id):
                raise ApiError(400, "Bad Request: user not found")
            return chat_member(user, "member")
        group = self.world.groups.get(chat_id) if chat_id is not None else None
        if group is None:
            raise ApiError(400, "Bad Request: chat not found")
        if group.type == "channel" and group.status_of(bot.id) not in ("creator", "administrator"):
            raise ApiError(400, "Bad Request: member list is inaccessible")
        return chat_member(user, group.status_of(user_id))

    async def get_chat_administrators(self, bot: BotState, p: Params) -> list[JSON]:
        chat_id = self.world.resolve_chat_id(p.chat_id())
        group = self.world.groups.get(chat_id) if chat_id is not None else None
        if group is None:
            raise ApiError(400, "Bad Request: chat not found")
        admins = []
        for member_id, status in group.members.items():
            if status not in ("creator", "administrator"):
                continue
            if member_id in self.world.users:
                admins.append(chat_member(self.world.users[member_id].to_api(), status))
            elif member_id in self.world.bots:
                admins.append(chat_member(self.world.bots[member_id].user, status))
        return admins

    async def get_file(self, bot: BotState, p: Params) -> JSON:
        stored = self.world.files.get(p.text("file_id") or "")
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
        return stored.to_api_file()


_COPYABLE = frozenset(
    {"text", "entities", "photo", "document", "caption", "caption_entities", "contact", "sticker"}
)

_WEBHOOK_CONFLICT = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first",
)


def _buttons(rows: Any, what: str) -> list[Any]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, f"Bad Request: can't parse {what} JSON object: rows must be arrays")
    return [button for row in rows for button in row]


# Webhook delivery ---------------------------------------------------------------------------


class WebhookDeliverer:
    """POSTs each bot's queued updates to its webhook, one at a time and in order.

    An update leaves the queue only after a 2xx answer; otherwise it is retried with a doubling
    delay. A method in the answer body (aiogram's "reply into webhook") is executed as the bot.
    """

    def __init__(self, *, retry_delay: float, max_retry_delay: float, timeout: float) -> None:
        self.api: BotApi | None = None
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.timeout = timeout
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def start(self, bot: BotState) -> None:
        self.stop(bot)
        config = bot.webhook
        if config is not None and not self._closed:
            self._tasks[bot.id] = asyncio.create_task(self._deliver_all(bot, config))

    def stop(self, bot: BotState) -> None:
        task = self._tasks.pop(bot.id, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        self._closed = True
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _deliver_all(self, bot: BotState, config: WebhookConfig) -> None:
        failures = 0
        while bot.webhook is config:
            if not bot.pending:
                await bot.updates_changed.wait(60)
                continue
            update = bot.pending[0]
            error = await self._post(bot, config, update)
            if bot.webhook is not config:
                return
            if error is None:
                failures = 0
                if bot.pending and bot.pending[0] is update:
                    bot.pending.popleft()
                continue
            failures += 1
            bot.webhook_error = (int(time.time()), error)
            await asyncio.sleep(min(self.retry_delay * 2 ** (failures - 1), self.max_retry_delay))

    async def _post(self, bot: BotState, config: WebhookConfig, update: JSON) -> str | None:
        """None on success, else the error getWebhookInfo reports."""
        if self._session is None:
            self._session = aiohttp.ClientSession(json_serialize=_dumps)
        headers = {}
        if config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = config.secret_token
        try:
            async with self._session.post(
                config.url,
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                reply = await self._method_in_reply(response)
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientError as error:
            return f"Connection failed: {error}"
        if reply is not None and self.api is not None:
            method, params = reply
            await self.api.call(bot, method, params)  # Telegram ignores the outcome
        return None

    @staticmethod
    async def _method_in_reply(response: aiohttp.ClientResponse) -> tuple[str, Params] | None:
        content_type = response.content_type
        data: dict[str, Any] = {}
        try:
            if content_type == "multipart/form-data":
                data = await read_multipart(MultipartReader(response.headers, response.content))
            elif content_type == "application/json":
                body = await response.json()
                data = body if isinstance(body, dict) else {}
            else:
                await response.read()
        except (ValueError, aiohttp.ClientPayloadError):
            return None
        method = data.get("method")
        if not isinstance(method, str) or not method:
            return None
        return method, Params({k: v for k, v in data.items() if k != "method"})


# The application ----------------------------------------------------------------------------


@dataclass(slots=True)
class Sandbox:
    world: World
    faults: FaultInjector
    api: BotApi
    webhooks: WebhookDeliverer


SANDBOX_KEY = web.AppKey("sandbox", Sandbox)


def _json(body: JSON, status: int = 200) -> web.Response:
    return web.Response(text=_dumps(body), status=status, content_type="application/json")


async def handle_bot_method(request: web.Request) -> web.Response:
    sandbox = request.app[SANDBOX_KEY]
    bot = sandbox.world.bots_by_token.get(request.match_info["token"])
    if bot is None:
        return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
    try:
        params = await read_params(request)
    except ApiError as error:
        return _json(error.payload(), error.status)
    status, body = await sandbox.api.call(bot, request.match_info["method"], params)
    return _json(body, status)


async def handle_file_download(request: web.Request) -> web.Response:
    world = request.app[SANDBOX_KEY].world
    if request.match_info["token"] not in world.bots_by_token:
        return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
    stored = world.files_by_path.get(request.match_info["path"])
    if stored is None or stored.data is None:
        return _json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
    content_type = stored.mime_type or _DEFAULT_MIME[stored.kind]
    return web.Response(body=stored.data, content_type=content_type)


_DEFAULT_MIME = {
    "photo": "image/jpeg",
    "document": "application/octet-stream",
    "sticker": "image/webp",
}


STATIC_DIR = Path(__file__).parent / "static"


async def handle_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def handle_web_app_js(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "telegram-web-app.js")


def create_app(
    tokens: Sequence[str] = (DEFAULT_TOKEN,),
    limits: LimitConfig | None = None,
    *,
    usernames: Mapping[str, str] | None = None,
    bot_first_name: str = "Sandbox Bot",
    webhook_retry_delay: float = 0.5,
    webhook_max_retry_delay: float = 10.0,
    webhook_timeout: float = 10.0,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: Callable[[], float] = time.time,
    cast: Cast | None = None,
) -> web.Application:
    """The emulator as an aiohttp app.

    `tokens`: the valid bot tokens (the bot's id is the number before ':'); `limits`: sending
    limits to enforce, None for none; `usernames`: token -> bot username; `clock` drives the rate
    limits and `wall_clock` the message dates (inject fakes in tests); `cast`: personas (users
    and chats) to create now and after every reset, for the web page.
    """
    for token in tokens:
        if not _TOKEN.fullmatch(token):
            raise ValueError(f"not a bot token: {token!r} (expected <digits>:<secret>)")
    bots = [
        BotState(
            token,
            username=(usernames or {}).get(token),
            first_name=bot_first_name,
            limits=limits,
            clock=clock,
        )
        for token in tokens
    ]
    world = World(bots, wall_clock=wall_clock)
    faults = FaultInjector()
    webhooks = WebhookDeliverer(
        retry_delay=webhook_retry_delay,
        max_retry_delay=webhook_max_retry_delay,
        timeout=webhook_timeout,
    )
    api = BotApi(world, faults, webhooks)
    webhooks.api = api
    sandbox = Sandbox(world, faults, api, webhooks)

    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[SANDBOX_KEY] = sandbox
    app.router.add_get("/", handle_page)
    app.router.add_get("/telegram-web-app.js", handle_web_app_js)
    app.router.add_static("/sandbox/static", STATIC_DIR)
    app.router.add_route("*", "/bot{token}/{method}", handle_bot_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file_download)
    app.add_routes(ControlApi(world, faults, cast).routes())

    async def wake_waiters(_: web.Application) -> None:
        # Long polls would otherwise hold the shutdown for their whole timeout.
        world.closing = True
        await webhooks.close()
        world.feed.changed.notify()
        for bot in world.bots.values():
            bot.updates_changed.notify()
            for chat in bot.chats.values():
                chat.changed.notify()

    app.on_shutdown.append(wake_waiters)
    return app


async def serve(host: str = "127.0.0.1", port: int = 8081, **options: Any) -> web.AppRunner:
    """Start the emulator (port 0 picks a free port); stop it with `await runner.cleanup()`."""
    runner = web.AppRunner(create_app(**options), access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def base_url(runner: web.AppRunner) -> str:
    host, port = runner.addresses[0][:2]
    return f"http://{host}:{port}"


@dataclass(frozen=True, slots=True)
class RunningSandbox:
    url: str
    sandbox: Sandbox


@contextlib.asynccontextmanager
async def running(
    host: str = "127.0.0.1", port: int = 0, **options: Any
) -> AsyncIterator[RunningSandbox]:
    """`async with running(tokens=[...]) as sb:` serves the emulator at `sb.url` meanwhile."""
    runner = await serve(host, port, **options)
    try:
        yield RunningSandbox(base_url(runner), runner.app[SANDBOX_KEY])
    finally:
        await runner.cleanup()


@dataclass(slots=True)
class SandboxHandle:
    """A running emulator: `api_base` for the bot (`TelegramAPIServer.from_base(api_base)`),
    `url` for people (the web page), `client` for scripts and tests."""

    url: str
    api_base: str
    token: str
    client: SandboxClient
    sandbox: Sandbox
    runner: web.AppRunner

    async def close(self) -> None:
        await self.client.close()
        await self.runner.cleanup()


async def start_sandbox(
    host: str,
    port: int,
    *,
    token: str,
    enforce_limits: bool = False,
    cast: Cast | None = DEFAULT_CAST,
    **options: Any,
) -> SandboxHandle:
    """Serve the emulator for one bot token at host:port (0: any free port) until `close()`.

    `enforce_limits` answers 429 past Telegram's sending limits; `cast` is the personas the web
    page shows (the default: two customers, a cashier, the owner in an admin group), created at
    once so a bot can be pointed at them; other options go to `create_app`."""
    limits = LimitConfig() if enforce_limits else None
    runner = await serve(host, port, tokens=[token], limits=limits, cast=cast, **options)
    url = base_url(runner)
    return SandboxHandle(url, url, token, SandboxClient(url), runner.app[SANDBOX_KEY], runner)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", help=f"bot token (default {DEFAULT_TOKEN})")
    parser.add_argument(
        "--enforce-limits", action="store_true", help="answer 429 past Telegram's sending limits"
    )
    defaults = LimitConfig()
    parser.add_argument("--global-rate", type=int, default=defaults.global_per_second)
    parser.add_argument("--paid-rate", type=int, default=defaults.paid_per_second)
    parser.add_argument("--per-chat-rate", type=int, default=defaults.per_chat_per_second)
    args = parser.parse_args(argv)
    limits = (
        LimitConfig(
            global_per_second=args.global_rate,
            paid_per_second=args.paid_rate,
            per_chat_per_second=args.per_chat_rate,
        )
        if args.enforce_limits
        else None
    )
    tokens = args.token or [DEFAULT_TOKEN]
    logging.basicConfig(level=logging.INFO)

    async def run_forever() -> None:
        runner = await serve(args.host, args.port, tokens=tokens, limits=limits, cast=DEFAULT_CAST)
        url = base_url(runner)
        log.info("web chat at %s/ (Bot API /bot<token>/<method>, control API /sandbox/api)", url)
        log.info("tokens: %s", ", ".join(tokens))
        # The world's records only grow: a full pass must never stall the answers.
        settle_heap()
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_forever())
