"""The control API: JSON over HTTP under /sandbox/api, for tests and for people.

It acts as the users (send text, tap buttons, share a contact, block the bot...), shapes the world
(users, groups, channels), reads back what the bot sent, and injects faults. Every route accepts
`?bot_id=` to pick a bot when the server runs more than one; the first token's bot is the default.
See docs/SANDBOX.md for the full reference.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.sandbox import webapp
from bot.sandbox.limits import FaultInjector, make_fault
from bot.sandbox.personas import DEFAULT_CAST, Cast
from bot.sandbox.state import (
    JSON,
    PRESENT_STATUSES,
    BotState,
    ChatLog,
    MessageRecord,
    World,
    WorldError,
    command_entities,
)

PREFIX = "/sandbox/api"
DEFAULT_PRESS_WAIT = 5.0
MAX_WAIT = 120.0

RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadInput(WorldError):
    def __init__(self, message: str) -> None:
        super().__init__(400, message)


def _field(body: JSON, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    value = body.get(name, default)
    if value is ...:
        raise BadInput(f"missing field {name!r}")
    if value is default:
        return value
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise BadInput(f"field {name!r} must be {' or '.join(k.__name__ for k in kinds)}")
    return value


def _ids(body: JSON, name: str) -> list[int]:
    ids: list[int] = _field(body, name, list, [])
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise BadInput(f"field {name!r} must be a list of integer ids")
    return ids


def _query_number(request: web.Request, name: str, default: float) -> float:
    try:
        return float(request.query.get(name, default))
    except ValueError:
        raise BadInput(f"query parameter {name!r} must be a number") from None


def _path_int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError:
        raise BadInput(f"{name} must be an integer") from None


def _ok(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


class ControlApi:
    def __init__(self, world: World, faults: FaultInjector, cast: Cast | None = None) -> None:
        self.world = world
        self.faults = faults
        self.cast = cast  # None until someone asks for personas: then DEFAULT_CAST
        if cast is not None:
            cast.ensure(world)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route(method, PREFIX + path, _guarded(handler))
            for method, path, handler in self._table()
        ]

    def _table(self) -> list[tuple[str, str, RouteHandler]]:
        return [
            ("GET", "", self.index),
            ("POST", "/reset", self.reset),
            ("GET", "/stats", self.stats),
            ("GET", "/bots", self.bots),
            ("GET", "/updates", self.updates),
            ("POST", "/users", self.create_users),
            ("GET", "/users/{user_id}", self.get_user),
            ("POST", "/users/{user_id}/messages", self.send_text),
            ("POST", "/users/{user_id}/press", self.press),
            ("POST", "/users/{user_id}/keyboard", self.press_keyboard),
            ("POST", "/users/{user_id}/contact", self.share_contact),
            ("POST", "/users/{user_id}/scan", self.scan),
            ("POST", "/users/{user_id}/web_app", self.open_web_app),
            ("POST", "/users/{user_id}/sticker", self.send_sticker),
            ("POST", "/users/{user_id}/web_app_data", self.send_web_app_data),
            ("POST", "/users/{user_id}/block", self.block),
            ("POST", "/users/{user_id}/unblock", self.unblock),
            ("POST", "/chats", self.create_chat),
            ("GET", "/chats/{chat_id}", self.get_chat),
            ("POST", "/chats/{chat_id}/members", self.join),
            ("DELETE", "/chats/{chat_id}/members/{user_id}", self.leave),
            ("GET", "/chats/{chat_id}/messages", self.messages),
            ("GET", "/chats/{chat_id}/messages/{message_id}", self.message),
            ("GET", "/chats/{chat_id}/start_link", self.start_link),
            ("GET", "/feed", self.feed),
            ("GET", "/personas", self.get_personas),
            ("PUT", "/personas", self.set_personas),
            ("GET", "/files/{file_id}", self.download),
            ("GET", "/faults", self.list_faults),
            ("POST", "/faults", self.inject_fault),
            ("POST", "/faults/random", self.random_faults),
            ("DELETE", "/faults", self.clear_faults),
        ]

    # helpers

    def _bot(self, request: web.Request) -> BotState:
        bot_id = request.query.get("bot_id")
        if bot_id is None:
            return self.world.bot()
        try:
            return self.world.bot(int(bot_id))
        except ValueError:
            raise BadInput("bot_id must be an integer") from None

    def _file_url(self, request: web.Request, file_id: str) -> str:
        return f"{request.url.origin()}{PREFIX}/files/{file_id}"

    def _message_view(self, request: web.Request, record: MessageRecord) -> JSON:
        payload = record.payload
        view: JSON = {
            "message_id": record.message_id,
            "chat_id": record.chat_id,
            "outgoing": record.outgoing,
            "from": payload.get("from"),
            "date": payload.get("date"),
            "text": payload.get("text"),
            "caption": payload.get("caption"),
            "entities": payload.get("entities") or payload.get("caption_entities") or [],
            "reply_markup": record.reply_markup if record.outgoing else None,
            "version": record.version,
            "seq": record.seq,
            "edited": "edit_date" in payload,
            "deleted": record.deleted,
            "paid_broadcast": record.paid_broadcast,
            "message": payload,
        }
        if record.file_id is not None:
            stored = self.world.files.get(record.file_id)
            view["file_id"] = record.file_id
            has_data = stored is not None and stored.data is not None
            view["download_url"] = self._file_url(request, record.file_id) if has_data else None
        return view

    def _user_view(self, bot: BotState, user_id: int) -> JSON:
        user = self.world.user(user_id)
        return {
            **user.to_api(),
            "phone_number": user.phone_number,
            "started": user_id in bot.started,
            "blocked": user_id in bot.blocked,
        }

    def _log(self, request: web.Request, bot: BotState) -> ChatLog:
        return self.world.existing_log(bot, _path_int(request, "chat_id"))

    @staticmethod
    async def _body(request: web.Request) -> JSON:
        if not request.body_exists:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise BadInput("the request body must be JSON") from None
        if not isinstance(body, dict):
            raise BadInput("the request body must be a JSON object")
        return body

    def _sent_by_user(
        self, request: web.Request, record: MessageRecord, update_id: int | None
    ) -> web.Response:
        return _ok({"message": self._message_view(request, record), "update_id": update_id})

    # world

    async def index(self, request: web.Request) -> web.Response:
        return _ok({"routes": [f"{method} {PREFIX}{path}" for method, path, _ in self._table()]})

    async def reset(self, request: web.Request) -> web.Response:
        """Forget users, chats, messages, queued updates, files, faults, stats and rate windows.
        Bot settings (webhook, commands, menu button) and the update id sequence are kept; the
        personas, if any were set, are created again."""
        self.world.reset()
        self.faults.clear()
        self.faults.injected.clear()
        if self.cast is not None:
            self.cast.ensure(self.world)
        return _ok({"ok": True})

    async def stats(self, request: web.Request) -> web.Response:
        stats = self.world.stats
        violations: dict[str, int] = {}
        recent: list[JSON] = []
        for bot in self.world.bots.values():
            if bot.limiter is not None:
                for rule, count in bot.limiter.violations.items():
                    violations[rule] = violations.get(rule, 0) + count
                recent.extend({"bot_id": bot.id, **v} for v in bot.limiter.recent_violations)
        per_second = [list(entry) for entry in stats.per_second]
        return _ok(
            {
                "requests": dict(stats.requests),
                "statuses": {str(code): count for code, count in stats.statuses.items()},
                "sends": stats.sends,
                "paid_sends": stats.paid_sends,
                "rate_limited": sum(violations.values()),
                "rate_limit_violations": violations,
                "recent_violations": recent,
                "injected_faults": {str(k): v for k, v in self.faults.injected.items()},
                "sends_per_second": per_second,
                "peak_sends_per_second": max((count for _, count in per_second), default=0),
                "pending_updates": {
                    str(bot.id): len(bot.pending) for bot in self.world.bots.values()
                },
            }
        )

    async def bots(self, request: web.Request) -> web.Response:
        return _ok(
            {
                "bots": [
                    {
                        **bot.user,
                        "webhook": None
                        if bot.webhook is None
                        else {
                            "url": bot.webhook.url,
                            "secret_token": bot.webhook.secret_token,
                            "last_error": bot.webhook_error and bot.webhook_error[1],
                        },
                        "allowed_updates": sorted(bot.allowed_updates),
                        "pending_updates": len(bot.pending),
                        "commands": [
                            {
                                "scope": json.loads(scope),
                                "language_code": language,
                                "commands": commands,
                            }
                            for (scope, language), commands in bot.commands.items()
                        ],
                        "menu_buttons": {
                            str(chat): button for chat, button in bot.menu_buttons.items()
                        },
                        "profile": {
                            f"{field}:{language}": value
                            for (field, language), value in bot.profile.items()
                        },
                    }
                    for bot in self.world.bots.values()
                ]
            }
        )

    async def updates(self, request: web.Request) -> web.Response:
        return _ok({"updates": list(self._bot(request).pending)})

    async def create_users(self, request: web.Request) -> web.Response:
        """One user, {"users": [...]}, or {"count": N, "start_id": ..., "started": ...}."""
        body = await self._body(request)
        bot = self._bot(request)
        if "count" in body:
            count = _field(body, "count", int)
            start = _field(body, "start_id", int, None)
            if not 1 <= count <= 1_000_000:
                raise BadInput("count must be within 1..1000000")
            started = _field(body, "started", bool, False)
            ids = []
            for offset in range(count):
                user_id = None if start is None else start + offset
                ids.append(self.world.add_user(user_id, started=started).id)
            return _ok({"ids": ids}, 201)
        if "users" in body:
            specs = _field(body, "users", list)
            users = [self._create_user(bot, spec) for spec in specs]
            return _ok({"users": users}, 201)
        return _ok(self._create_user(bot, body), 201)

    def _create_user(self, bot: BotState, spec: Any) -> JSON:
        if not isinstance(spec, dict):
            raise BadInput("a user must be a JSON object")
        user = self.world.add_user(
            _field(spec, "id", int, None),
            first_name=_field(spec, "first_name", str, None),
            last_name=_field(spec, "last_name", str, None),
            username=_field(spec, "username", str, None),
            language_code=_field(spec, "language_code", str, "en"),
            started=_field(spec, "started", bool, False),
            phone_number=_field(spec, "phone_number", str, None),
        )
        return self._user_view(bot, user.id)

    async def get_user(self, request: web.Request) -> web.Response:
        return _ok(self._user_view(self._bot(request), _path_int(request, "user_id")))

    # acting as a user

    async def send_text(self, request: web.Request) -> web.Response:
        """{"text", "entities"?, "chat_id"? (a group), "reply_to_message_id"?}. /commands get
        bot_command entities unless `entities` is given."""
        body = await self._body(request)
        bot = self._bot(request)
        text = _field(body, "text", str)
        if not text.strip():
            raise BadInput("text must not be empty")
        entities = _field(body, "entities", list, None)
        content: JSON = {"text": text}
        if entities is None:
            entities = command_entities(text)
        if entities:
            content["entities"] = entities
        chat_id = _field(body, "chat_id", int, None)
        reply_to = _field(body, "reply_to_message_id", int, None)
        if reply_to is not None:
            user_id = _path_int(request, "user_id")
            log = self.world.existing_log(bot, user_id if chat_id is None else chat_id)
            target = log.live_message(reply_to)
            if target is None:
                raise WorldError(404, f"no message {reply_to} to reply to")
            content["reply_to_message"] = target.payload
        record, update_id = self.world.user_message(
            bot, _path_int(request, "user_id"), content, chat_id=chat_id
        )
        return self._sent_by_user(request, record, update_id)

    async def press(self, request: web.Request) -> web.Response:
        """{"message_id", "data" or "button_text", "chat_id"?, "forge"?, "wait"?}: tap an inline
        button, then wait up to `wait` seconds (default 5) for the bot's answerCallbackQuery."""
        body = await self._body(request)
        bot = self._bot(request)
        wait = float(_field(body, "wait", (int, float), DEFAULT_PRESS_WAIT))
        data = _field(body, "data", str, None)
        button_text = _field(body, "button_text", str, None)
        if data is None and button_text is None:
            raise BadInput("give the button's data or its button_text")
        callback, update_id = self.world.press_button(
            bot,
            _path_int(request, "user_id"),
            _field(body, "message_id", int),
            data=data,
            button_text=button_text,
            chat_id=_field(body, "chat_id", int, None),
            forge=_field(body, "forge", bool, False),
        )
        answer = None
        if wait > 0:
            # asyncio.wait leaves the future alone on timeout: the bot may still answer later
            await asyncio.wait((callback.answered,), timeout=min(wait, MAX_WAIT))
            if callback.answered.done():
                answer = callback.answered.result()
        return _ok(
            {
                "callback_query_id": callback.id,
                "update_id": update_id,
                "data": callback.data,
                "answered": answer is not None,
                "answer": answer,
            }
        )

    async def press_keyboard(self, request: web.Request) -> web.Response:
        """{"text", "chat_id"?, "phone_number"?}: tap the reply keyboard button with this text.
        A request_contact button shares the user's own contact."""
        body = await self._body(request)
        record, update_id = self.world.press_keyboard_button(
            self._bot(request),
            _path_int(request, "user_id"),
            _field(body, "text", str),
            chat_id=_field(body, "chat_id", int, None),
            phone_number=_field(body, "phone_number", str, None),
        )
        return self._sent_by_user(request, record, update_id)

    async def share_contact(self, request: web.Request) -> web.Response:
        """{"phone_number"? (default: the user's), "own"? (default true), "first_name"?,
        "last_name"?, "contact_user_id"?}: the user's own contact (with `user_id` equal to the
        sender, as Telegram sends it) or someone else's (no user_id unless given)."""
        body = await self._body(request)
        bot = self._bot(request)
        user = self.world.user(_path_int(request, "user_id"))
        phone = _field(body, "phone_number", str, None)
        if _field(body, "own", bool, True):
            phone = phone or user.phone_number
            if not phone:
                raise BadInput(f"user {user.id} has no phone_number: give one")
            contact = user.own_contact(phone)
        else:
            if not phone:
                raise BadInput("missing field 'phone_number'")
            contact = {"phone_number": phone}
            contact["first_name"] = _field(body, "first_name", str, "Contact")
            last_name = _field(body, "last_name", str, None)
            if last_name:
                contact["last_name"] = last_name
            other = _field(body, "contact_user_id", int, None)
            if other is not None:
                contact["user_id"] = other
        record, update_id = self.world.user_message(
            bot, user.id, {"contact": contact}, chat_id=_field(body, "chat_id", int, None)
        )
        return self._sent_by_user(request, record, update_id)

    async def send_sticker(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        bot = self._bot(request)
        emoji = _field(body, "emoji", str, "👍")
        stored = self.world.store_file(
            "sticker", None, source_url=f"sticker:{emoji}", size=(512, 512)
        )
        sticker = {
            **stored.to_api(),
            "type": "regular",
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        record, update_id = self.world.user_message(
            bot,
            _path_int(request, "user_id"),
            {"sticker": sticker},
            chat_id=_field(body, "chat_id", int, None),
        )
        return self._sent_by_user(request, record, update_id)

    async def send_web_app_data(self, request: web.Request) -> web.Response:
        """{"data", "button_text"?}: what a Mini App opened from a reply keyboard button sends."""
        body = await self._body(request)
        bot = self._bot(request)
        user_id = _path_int(request, "user_id")
        button_text = _field(body, "button_text", str, None)
        if button_text is None:
            log = self.world.existing_log(bot, user_id)
            button_text = next(
                (b["text"] for b in log.keyboard_buttons() if "web_app" in b), "Open"
            )
        content = {"web_app_data": {"data": _field(body, "data", str), "button_text": button_text}}
        record, update_id = self.world.user_message(bot, user_id, content)
        self.world.used_keyboard(self.world.existing_log(bot, user_id))
        return self._sent_by_user(request, record, update_id)

    async def block(self, request: web.Request) -> web.Response:
        update_id = self.world.set_blocked(
            self._bot(request), _path_int(request, "user_id"), blocked=True
        )
        return _ok({"update_id": update_id})

    async def unblock(self, request: web.Request) -> web.Response:
        update_id = self.world.set_blocked(
            self._bot(request), _path_int(request, "user_id"), blocked=False
        )
        return _ok({"update_id": update_id})

    # groups and channels

    async def create_chat(self, request: web.Request) -> web.Response:
        """{"type": "supergroup" | "group" | "channel", "title", "id"?, "username"?,
        "owner_id"?, "admins"?: [ids], "members"?: [ids], "bot_status"? (default administrator;
        "left" keeps the bot out)}."""
        body = await self._body(request)
        members: dict[int, str] = {}
        for user_id in _ids(body, "members"):
            members[user_id] = "member"
        for user_id in _ids(body, "admins"):
            members[user_id] = "administrator"
        owner = _field(body, "owner_id", int, None)
        if owner is not None:
            members[owner] = "creator"
        bot_status = _field(body, "bot_status", str, "administrator")
        if bot_status not in PRESENT_STATUSES | {"left"}:
            raise BadInput("bot_status must be member, administrator, creator or left")
        group = self.world.add_group(
            title=_field(body, "title", str),
            kind=_field(body, "type", str, "supergroup"),
            chat_id=_field(body, "id", int, None),
            username=_field(body, "username", str, None),
            members=members,
            bot_status=None if bot_status == "left" else bot_status,
        )
        return _ok(
            {**group.to_api(), "members": {str(k): v for k, v in group.members.items()}}, 201
        )

    async def get_chat(self, request: web.Request) -> web.Response:
        bot = self._bot(request)
        log = self._log(request, bot)
        view: JSON = {
            "chat": log.chat,
            "last_message_id": log.last_message_id,
            "reply_keyboard": log.reply_keyboard,
            "keyboard_collapsed": log.keyboard_collapsed,
            "menu_button": bot.menu_buttons.get(log.chat_id)
            or bot.menu_buttons.get(None)
            or {"type": "default"},
        }
        if log.private_user_id is not None:
            view["started"] = log.private_user_id in bot.started
            view["blocked"] = log.private_user_id in bot.blocked
        else:
            group = self.world.group(log.chat_id)
            view["members"] = {str(k): v for k, v in group.members.items()}
        return _ok(view)

    async def join(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        status = _field(body, "status", str, "member")
        if status not in PRESENT_STATUSES | {"kicked"}:
            raise BadInput("status must be member, administrator, creator or kicked")
        self.world.set_membership(
            _path_int(request, "chat_id"), _field(body, "user_id", int), status
        )
        return _ok({"ok": True})

    async def leave(self, request: web.Request) -> web.Response:
        self.world.set_membership(
            _path_int(request, "chat_id"), _path_int(request, "user_id"), None
        )
        return _ok({"ok": True})

    # reading what happened

    async def messages(self, request: web.Request) -> web.Response:
        """?after=<message_id>&sender=bot|user|all&wait=<seconds>&limit=: messages with ids above
        `after`; with `wait`, long-polls until at least one exists."""
        bot = self._bot(request)
        log = self._log(request, bot)
        after = int(_query_number(request, "after", 0))
        sender = request.query.get("sender", "bot")
        if sender not in ("bot", "user", "all"):
            raise BadInput("sender must be bot, user or all")
        limit = int(_query_number(request, "limit", 10_000))
        wait = min(_query_number(request, "wait", 0), MAX_WAIT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            found = _messages_after(log, after, sender, limit)
            remaining = deadline - loop.time()
            if found or remaining <= 0 or self.world.closing:
                break
            await log.changed.wait(remaining)
        return _ok(
            {
                "messages": [self._message_view(request, record) for record in found],
                "last_message_id": log.last_message_id,
            }
        )

    async def message(self, request: web.Request) -> web.Response:
        """?newer_than=<version>&wait=<seconds>: one message; with both, long-polls until its
        version (bumped by each edit and the deletion) exceeds `newer_than`."""
        bot = self._bot(request)
        log = self._log(request, bot)
        message_id = _path_int(request, "message_id")
        newer_than = int(_query_number(request, "newer_than", 0))
        wait = min(_query_number(request, "wait", 0), MAX_WAIT)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while True:
            record = log.messages.get(message_id)
            remaining = deadline - loop.time()
            fresh = record is not None and record.version > newer_than
            if fresh or remaining <= 0 or self.world.closing:
                break
            await log.changed.wait(remaining)
        if record is None:
            raise WorldError(404, f"no message {message_id} in chat {log.chat_id}")
        return _ok(self._message_view(request, record))

    async def download(self, request: web.Request) -> web.Response:
        stored = self.world.files.get(request.match_info["file_id"])
        if stored is None or stored.data is None:
            raise WorldError(404, "no such file, or it has no content")
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def feed(self, request: web.Request) -> web.Response:
        """?after=<seq>&wait=<seconds>&chats=<id,id,...>: every message changed (sent, edited,
        deleted) after change number `after`, grouped by chat with the chat's reply keyboard;
        with `wait`, long-polls until something changes. The web page lives on this."""
        bot = self._bot(request)
        feed = self.world.feed
        after = int(_query_number(request, "after", 0))
        if after > feed.seq:  # a cursor from before a restart
            after = 0
        wait = min(_query_number(request, "wait", 0), MAX_WAIT)
        try:
            wanted = [int(i) for i in request.query.get("chats", "").split(",") if i.strip()]
        except ValueError:
            raise BadInput("chats must be a comma-separated list of chat ids") from None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while feed.seq <= after and not self.world.closing:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            await feed.changed.wait(remaining)
        seq = feed.seq
        chats = []
        for chat_id in wanted or list(bot.chats):
            log = self.world.chat_log(bot, chat_id)
            if log is None or log.seq <= after:
                continue
            changed = sorted(
                (r for r in log.messages.values() if r.seq > after), key=lambda r: r.message_id
            )
            chats.append(
                {
                    "chat_id": log.chat_id,
                    "chat": log.chat,
                    "reply_keyboard": log.reply_keyboard,
                    "keyboard_collapsed": log.keyboard_collapsed,
                    "messages": [self._message_view(request, r) for r in changed],
                }
            )
        return _ok({"seq": seq, "epoch": self.world.epoch, "chats": chats})

    async def start_link(self, request: web.Request) -> web.Response:
        """?prefix=c_: the newest `t.me/<bot>?start=<payload>` link the bot sent to this chat
        (in a text, a caption, a text link or a URL button) whose payload has the prefix."""
        bot = self._bot(request)
        log = self._log(request, bot)
        return _ok(_newest_start_link(log, bot.username, request.query.get("prefix", "")))

    async def scan(self, request: web.Request) -> web.Response:
        """{"customer_id", "prefix"? (default "c_")}: a staff member scans the QR card the bot
        last sent to the customer: the card's deep link, opened by the phone's camera, sends
        `/start <payload>` from the staff member to the bot."""
        body = await self._body(request)
        bot = self._bot(request)
        staff_id = _path_int(request, "user_id")
        customer_log = self.world.existing_log(bot, _field(body, "customer_id", int))
        found = _newest_start_link(customer_log, bot.username, _field(body, "prefix", str, "c_"))
        text = f"/start {found['payload']}"
        record, update_id = self.world.user_message(
            bot, staff_id, {"text": text, "entities": command_entities(text)}
        )
        return _ok(
            {**found, "message": self._message_view(request, record), "update_id": update_id}
        )

    async def open_web_app(self, request: web.Request) -> web.Response:
        """Launch a Mini App as the user, from a real button: {"message_id", "button_text"?}
        (an inline web_app button), {"button_text"} (a reply keyboard web_app button),
        {"menu": true} (the chat's menu button), or {"url"} (a direct link). Also "chat_id"?
        and "start_param"?. Answers the URL, the signed initData and the launch URL."""
        body = await self._body(request)
        bot = self._bot(request)
        user = self.world.user(_path_int(request, "user_id"))
        chat_id = _field(body, "chat_id", int, None)
        log = self.world.chat_of(bot, user.id, chat_id)
        message_id = _field(body, "message_id", int, None)
        button_text = _field(body, "button_text", str, None)
        query_id: str | None = f"SBX{user.id}x{self.world.now()}x{self.world.feed.seq}"
        chat_fields: dict[str, str] = {}
        if message_id is not None:
            record = log.live_message(message_id)
            buttons = [b for b in (record.inline_buttons() if record else []) if "web_app" in b]
            button = next(
                (b for b in buttons if button_text is None or b.get("text") == button_text), None
            )
            if button is None:
                raise WorldError(400, f"message {message_id} has no such web_app button")
            source = "inline"
            chat_fields = {
                "chat_type": log.chat["type"],
                "chat_instance": str(abs(hash((bot.id, log.chat_id))) % 10**18),
            }
        elif button_text is not None:
            button = next(
                (
                    b
                    for b in log.keyboard_buttons()
                    if b.get("text") == button_text and "web_app" in b
                ),
                None,
            )
            if button is None:
                raise WorldError(400, f"no reply keyboard web_app button {button_text!r}")
            source, query_id = "keyboard", None  # these answer with sendData, not a query
        elif _field(body, "menu", bool, False):
            button = bot.menu_buttons.get(log.chat_id) or bot.menu_buttons.get(None) or {}
            if button.get("type") != "web_app":
                raise WorldError(400, "the chat's menu button does not open a Mini App")
            source = "menu"
        else:
            button = {"web_app": {"url": _field(body, "url", str)}}
            source = "link"
        url = str(button["web_app"].get("url", ""))
        if not url.startswith(("http://", "https://")):
            raise WorldError(400, f"not a Mini App URL: {url!r}")
        fields = webapp.init_data_fields(
            user.to_api(),
            auth_date=self.world.now(),
            query_id=query_id,
            start_param=_field(body, "start_param", str, None),
            **chat_fields,
        )
        init_data = webapp.sign_init_data(bot.token, fields)
        return _ok(
            {
                "url": url,
                "source": source,
                "button_text": button.get("text"),
                "init_data": init_data,
                "launch_url": webapp.launch_url(url, init_data),
            }
        )

    # personas, for the web page

    async def get_personas(self, request: web.Request) -> web.Response:
        if self.cast is None:
            self.cast = DEFAULT_CAST
        self.cast.ensure(self.world)
        bot = self._bot(request)
        personas = []
        for persona in self.cast.personas:
            chats = [
                {"id": persona.user_id, "title": "Private chat with the bot", "type": "private"}
            ]
            joined = []
            for group in self.world.groups.values():
                if group.status_of(persona.user_id) not in PRESENT_STATUSES:
                    continue
                if group.type == "channel":
                    joined.append(group.id)
                elif group.status_of(bot.id) in PRESENT_STATUSES:
                    chats.append({"id": group.id, "title": group.title, "type": group.type})
            personas.append(
                {
                    **dataclasses.asdict(persona),
                    "user": self._user_view(bot, persona.user_id),
                    "chat_id": persona.chat_id or persona.user_id,
                    "chats": chats,
                    "channels_joined": joined,
                }
            )
        channels = [
            group.to_api() for group in self.world.groups.values() if group.type == "channel"
        ]
        menu = {
            "default" if chat is None else str(chat): button
            for chat, button in bot.menu_buttons.items()
        }
        return _ok(
            {
                "bot": {**bot.user, "commands": _commands_by_language(bot), "menu_buttons": menu},
                "personas": personas,
                "channels": channels,
                "epoch": self.world.epoch,
            }
        )

    async def set_personas(self, request: web.Request) -> web.Response:
        """{"personas": [{"user_id", "first_name", "role", "phone_number"?, "chat_id"?,
        ...}], "chats": [{"id", "title", "type", "owner_id"?, "admins"?, "members"?}]}."""
        cast = Cast.from_json(await self._body(request))
        cast.ensure(self.world)
        self.cast = cast
        return await self.get_personas(request)

    # faults

    async def list_faults(self, request: web.Request) -> web.Response:
        return _ok(
            {
                "pending": self.faults.pending,
                "injected": {str(k): v for k, v in self.faults.injected.items()},
            }
        )

    async def inject_fault(self, request: web.Request) -> web.Response:
        """{"count"?, "error_code"?, "hang_seconds"?, "method"?, "chat_id"?, "description"?,
        "retry_after"?}: the next `count` matching calls fail (after hanging, if asked)."""
        body = await self._body(request)
        try:
            fault = make_fault(
                _field(body, "error_code", int, None),
                hang_seconds=float(_field(body, "hang_seconds", (int, float), 0.0)),
                description=_field(body, "description", str, None),
                retry_after=_field(body, "retry_after", int, None),
            )
            self.faults.inject(
                fault,
                count=_field(body, "count", int, 1),
                method=_field(body, "method", str, "sendMessage"),
                chat_id=_field(body, "chat_id", (int, str), None),
            )
        except ValueError as error:
            raise BadInput(str(error)) from None
        return _ok({"pending": self.faults.pending}, 201)

    async def random_faults(self, request: web.Request) -> web.Response:
        """{"rate", "seed"?, "error_codes"?: [500], "methods"?: ["sendMessage"]}."""
        body = await self._body(request)
        try:
            self.faults.set_random(
                float(_field(body, "rate", (int, float))),
                seed=_field(body, "seed", int, None),
                error_codes=[int(c) for c in _field(body, "error_codes", list, [500])],
                methods=[str(m) for m in _field(body, "methods", list, ["sendMessage"])],
            )
        except ValueError as error:
            raise BadInput(str(error)) from None
        return _ok({"ok": True}, 201)

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.faults.clear()
        return _ok({"ok": True})


_START_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?t(?:elegram)?\.me/([A-Za-z0-9_]{3,64})\?start=([A-Za-z0-9_-]{1,64})"
)


def _start_links(record: MessageRecord) -> list[str]:
    """Every deep link in a message: text, caption, text links, then URL buttons."""
    payload = record.payload
    places = [payload.get("text") or "", payload.get("caption") or ""]
    entities = (payload.get("entities") or []) + (payload.get("caption_entities") or [])
    places += [e.get("url") or "" for e in entities]
    places += [b.get("url") or "" for b in record.inline_buttons()]
    return [m.group(0) for place in places for m in _START_LINK.finditer(place)]


def _newest_start_link(log: ChatLog, bot_username: str, prefix: str) -> JSON:
    for message_id in range(log.last_message_id, 0, -1):
        record = log.live_message(message_id)
        if record is None or not record.outgoing:
            continue
        for link in _start_links(record):
            match = _START_LINK.match(link)
            assert match is not None
            username, payload = match.groups()
            if username.lower() == bot_username.lower() and payload.startswith(prefix):
                return {"link": link, "payload": payload, "message_id": message_id}
    raise WorldError(
        404, f"the bot sent no t.me/{bot_username}?start={prefix}... link to chat {log.chat_id}"
    )


def _commands_by_language(bot: BotState) -> dict[str, list[JSON]]:
    """The command lists a private chat shows, by language ("" for any), as Telegram picks
    them: the all_private_chats scope first, then the default scope."""
    found: dict[str, list[JSON]] = {}
    for scope in ('{"type":"all_private_chats"}', '{"type":"default"}'):
        for (key, language), commands in bot.commands.items():
            if json.dumps(json.loads(key), separators=(",", ":")) == scope:
                found.setdefault(language, commands)
    return found


def _messages_after(log: ChatLog, after: int, sender: str, limit: int) -> list[MessageRecord]:
    """Walks ids upward from `after`: cost is the number of newer messages, not the history."""
    found: list[MessageRecord] = []
    for message_id in range(max(after, 0) + 1, log.last_message_id + 1):
        record = log.messages.get(message_id)
        if (
            record is None
            or (sender == "bot" and not record.outgoing)
            or (sender == "user" and record.outgoing)
        ):
            continue
        found.append(record)
        if len(found) >= limit:
            break
    return found


def _guarded(handler: RouteHandler) -> RouteHandler:
    """Maps the world's refusals and bad input to JSON errors: {"error": "..."}."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except WorldError as error:
            return _ok({"error": error.message}, error.status)

    guarded.__name__ = handler.__name__
    return guarded
