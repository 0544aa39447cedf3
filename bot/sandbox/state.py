"""The emulator's in-memory world: users, chats, messages, update queues and files.

Everything here is plain data plus the rules of how Telegram shapes it (message and update
payloads, formatting entities). HTTP lives in `server.py` (the bot's side) and `control.py` (the
users' side). Nothing touches the disk, and every lookup on the hot path is a dict access.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from bot.sandbox.limits import LimitConfig, RateLimiter

JSON = dict[str, Any]

ALL_UPDATE_KINDS = frozenset(
    {
        "message",
        "callback_query",
        "my_chat_member",
        "chat_member",
        "message_reaction",
        "message_reaction_count",
    }
)
# Telegram sends these only when a bot asks for them in allowed_updates.
OPT_IN_UPDATE_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

PRESENT_STATUSES = frozenset({"creator", "administrator", "member"})


class WorldError(Exception):
    """A control-API action that the world cannot perform (unknown user, no such button...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Notifier:
    """Wakes every coroutine waiting for 'something changed here'.

    The future is created only when someone waits, so `notify` on the hot path costs one check.
    """

    __slots__ = ("_future",)

    def __init__(self) -> None:
        self._future: asyncio.Future[None] | None = None

    def notify(self) -> None:
        future, self._future = self._future, None
        if future is not None and not future.done():
            future.set_result(None)

    async def wait(self, seconds: float) -> bool:
        """True if notified within `seconds`."""
        if seconds <= 0:
            return False
        if self._future is None:
            self._future = asyncio.get_running_loop().create_future()
        # Not wait_for(shield(...)): on Python 3.11, wait_for swallows a cancellation that
        # arrives in the same loop turn as the notification, and a cancelled task would then
        # wait again (this hung shutdown). asyncio.wait never cancels the shared future either.
        done, _ = await asyncio.wait((self._future,), timeout=seconds)
        return bool(done)


# Text and formatting entities --------------------------------------------------------------


class FormattingError(ValueError):
    """Text that Telegram would reject with "can't parse entities"."""


def utf16_len(text: str) -> int:
    """Entity offsets and lengths are counted in UTF-16 code units, as Telegram does."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?!\w)")


def command_entities(text: str) -> list[JSON]:
    """`bot_command` entities for every /command in a user's text, as a Telegram client sends."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    """Plain text and entities for `text` in `parse_mode` (HTML, MarkdownV2, Markdown or none)."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown(text, v2=True)
    if mode == "markdown":
        return _parse_markdown(text, v2=False)
    raise FormattingError(f"unsupported parse_mode {parse_mode!r}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _sorted_entities(entities: list[JSON]) -> list[JSON]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _TelegramHtml(HTMLParser):
    """The subset of HTML that Telegram's `parse_mode=HTML` accepts, turned into entities."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", source)]
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[JSON] = []
        # (tag, entity or None when the tag only refines its parent, utf-16 start)
        self.stack: list[tuple[str, JSON | None, int]] = []

    def position(self) -> int:
        line, column = self.getpos()
        return _byte_offset(self.source, self.line_starts[line - 1] + column)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = _HTML_TAGS.get(tag)
        if kind is None:
            raise FormattingError(f'Unsupported start tag "{tag}" at byte offset {self.position()}')
        attributes = dict(attrs)
        entity: JSON = {"type": kind}
        refines_parent = False
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise FormattingError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.position()}'
            )
        if tag == "a":
            entity["url"] = attributes.get("href") or ""
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        elif tag == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            parent = self.stack[-1][1]
            language = (attributes.get("class") or "").removeprefix("language-")
            if parent is not None and language:
                parent["language"] = language
            refines_parent = True
        self.stack.append((tag, None if refines_parent else entity, self.length))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise FormattingError(f'Unsupported start tag "{tag}" at byte offset {self.position()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise FormattingError(f'Unexpected end tag "{tag}" at byte offset {self.position()}')
        open_tag, entity, start = self.stack.pop()
        if open_tag != tag:
            raise FormattingError(
                f"Unmatched end tag at byte offset {self.position()}, "
                f'expected "</{open_tag}>", found "</{tag}>"'
            )
        if entity is not None and self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)


# Telegram decodes only these character references; any other `&name;` stays as typed.
_UNKNOWN_REFERENCE = re.compile(r"&(?!(?:lt|gt|amp|quot);|#[0-9]+;|#[xX][0-9a-fA-F]+;)")
# Every `<` starts a tag for Telegram: "a < b" or "1<2" is an error, not text.
_NOT_A_TAG = re.compile(r"<(?![A-Za-z/])([^\s>]*)")


def _parse_html(source: str) -> tuple[str, list[JSON]]:
    loose = _NOT_A_TAG.search(source)
    if loose is not None:
        raise FormattingError(
            f'Unsupported start tag "{loose.group(1)}" at byte offset '
            f"{_byte_offset(source, loose.start())}"
        )
    source = _UNKNOWN_REFERENCE.sub("&amp;", source)
    parser = _TelegramHtml(source)
    parser.feed(source)
    parser.close()
    if parser.stack:
        raise FormattingError(
            f'Can\'t find end tag corresponding to start tag "{parser.stack[0][0]}"'
        )
    return "".join(parser.parts), _sorted_entities(parser.entities)


_MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_MARKERS = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def _find_unescaped(source: str, needle: str, start: int) -> int:
    index = start
    while index < len(source):
        if source[index] == "\\":
            index += 2
            continue
        if source.startswith(needle, index):
            return index
        index += 1
    return -1


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _parse_markdown(source: str, *, v2: bool) -> tuple[str, list[JSON]]:
    """MarkdownV2 (`v2`) or legacy Markdown, close enough to Telegram to catch real mistakes:
    unescaped reserved characters (V2), unclosed entities, and the entity offsets."""
    parts: list[str] = []
    length = 0
    entities: list[JSON] = []
    opened: list[tuple[str, int, int]] = []  # (marker, utf-16 start, index in source)
    quote_start: int | None = None

    def emit(text: str) -> None:
        nonlocal length
        parts.append(text)
        length += utf16_len(text)

    def add(kind: str, start: int, **extra: Any) -> None:
        if length > start:
            entities.append({"type": kind, "offset": start, "length": length - start, **extra})

    def unclosed(kind: str, index: int) -> FormattingError:
        return FormattingError(
            f"Can't find end of {kind} entity at byte offset {_byte_offset(source, index)}"
        )

    index = 0
    while index < len(source):
        char = source[index]
        at_line_start = index == 0 or source[index - 1] == "\n"
        if v2 and at_line_start:
            if char == ">":
                if quote_start is None:
                    quote_start = length
                index += 1
                continue
            if quote_start is not None:
                length -= 1  # the newline that ended the quote is not part of it
                add("blockquote", quote_start)
                length += 1
                quote_start = None
        if char == "\\" and (v2 or source[index + 1 : index + 2] in ("_", "*", "`", "[")):
            emit(source[index + 1 : index + 2])
            index += 2
            continue
        if char == "`":
            fence = "```" if source.startswith("```", index) else "`"
            end = (
                _find_unescaped(source, fence, index + len(fence))
                if v2
                else source.find(fence, index + len(fence))
            )
            if end < 0:
                raise unclosed("Pre" if fence == "```" else "Code", index)
            body = source[index + len(fence) : end]
            extra: dict[str, Any] = {}
            if fence == "```":
                first_line, newline, rest = body.partition("\n")
                if newline and first_line and " " not in first_line:
                    extra["language"], body = first_line, rest
            start = length
            emit(_unescape(body) if v2 else body)
            add("pre" if fence == "```" else "code", start, **extra)
            index = end + len(fence)
            continue
        if char == "[":
            if v2:
                opened.append(("[", length, index))
                index += 1
                continue
            close = source.find("](", index)
            end = source.find(")", close + 2) if close >= 0 else -1
            if end < 0:
                raise unclosed("TextUrl", index)
            start = length
            emit(source[index + 1 : close])
            add("text_link", start, url=source[close + 2 : end])
            index = end + 1
            continue
        if v2 and char == "]" and opened and opened[-1][0] == "[":
            if not source.startswith("(", index + 1):
                raise FormattingError(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            end = _find_unescaped(source, ")", index + 2)
            if end < 0:
                raise unclosed("TextUrl", opened[-1][2])
            _, start, _ = opened.pop()
            add("text_link", start, url=_unescape(source[index + 2 : end]))
            index = end + 1
            continue
        marker = char
        if v2 and source.startswith(("__", "||"), index):
            marker = source[index : index + 2]
        if (v2 and marker in _MARKDOWN_V2_MARKERS) or (not v2 and char in "*_"):
            kind = _MARKDOWN_V2_MARKERS[marker]
            if opened and opened[-1][0] == marker:
                _, start, _ = opened.pop()
                add(kind, start)
            elif not v2 and opened:
                emit(char)  # legacy Markdown does not nest: other markers inside are text
            elif any(open_marker == marker for open_marker, _, _ in opened):
                raise unclosed(_MARKDOWN_V2_MARKERS.get(opened[-1][0], "TextUrl"), opened[-1][2])
            else:
                opened.append((marker, length, index))
            index += len(marker)
            continue
        if v2 and char in _MARKDOWN_V2_RESERVED:
            raise FormattingError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(char)
        index += 1
    if quote_start is not None:
        add("blockquote", quote_start)
    if opened:
        marker, _, position = opened[-1]
        raise unclosed(_MARKDOWN_V2_MARKERS.get(marker, "TextUrl"), position)
    return "".join(parts), _sorted_entities(entities)


# Files --------------------------------------------------------------------------------------


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP image, read from its header; None otherwise."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return (
                1 + int.from_bytes(data[24:27], "little"),
                1 + int.from_bytes(data[27:30], "little"),
            )
        if chunk == b"VP8L":
            b = data[21:25]
            return (
                1 + (((b[1] & 0x3F) << 8) | b[0]),
                1 + (((b[3] & 0x0F) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6)),
            )
        if chunk == b"VP8 ":
            return (
                int.from_bytes(data[26:28], "little") & 0x3FFF,
                int.from_bytes(data[28:30], "little") & 0x3FFF,
            )
        return None
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 <= len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                return (
                    int.from_bytes(data[index + 7 : index + 9], "big"),
                    int.from_bytes(data[index + 5 : index + 7], "big"),
                )
            index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document" | "sticker"
    file_path: str
    data: bytes | None  # None for a file sent by URL, or a user's sticker: nothing to download
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    source_url: str | None = None

    def to_api(self) -> JSON:
        """The PhotoSize, Document or Sticker object a message carries."""
        data: JSON = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.data is not None:
            data["file_size"] = len(self.data)
        if self.kind in ("photo", "sticker"):
            data["width"], data["height"] = self.width, self.height
        if self.kind == "document":
            if self.file_name:
                data["file_name"] = self.file_name
            if self.mime_type:
                data["mime_type"] = self.mime_type
        return data

    def to_api_file(self) -> JSON:
        """The File object getFile answers."""
        data: JSON = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_path": self.file_path,
        }
        if self.data is not None:
            data["file_size"] = len(self.data)
        return data


# People and chats ---------------------------------------------------------------------------


@dataclass(slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None  # what a request_contact button shares; not in User objects

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def private_chat(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    def own_contact(self, phone_number: str) -> JSON:
        """The Contact a user shares with a request_contact button: `user_id` is their own id."""
        contact: JSON = {
            "phone_number": phone_number,
            "first_name": self.first_name,
            "user_id": self.id,
        }
        if self.last_name:
            contact["last_name"] = self.last_name
        return contact


@dataclass(slots=True)
class GroupChat:
    """A group, supergroup or channel; `members` maps user or bot ids to their status."""

    id: int
    type: str  # "group" | "supergroup" | "channel"
    title: str
    username: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # absent means "left"

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data

    def status_of(self, member_id: int) -> str:
        return self.members.get(member_id, "left")


def chat_member(user: JSON, status: str) -> JSON:
    """A ChatMember object with the fields aiogram's model for that status requires."""
    member: JSON = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_send_welcome_messages=False,
            can_post_messages=True,
            can_edit_messages=True,
            can_pin_messages=True,
        )
    return member


# Messages -----------------------------------------------------------------------------------


class ChangeFeed:
    """A sequence number bumped by every visible change in any chat (a message, an edit, a
    deletion, a keyboard), so the web page can long-poll for "anything after N"."""

    __slots__ = ("changed", "seq")

    def __init__(self) -> None:
        self.seq = 0
        self.changed = Notifier()

    def bump(self) -> int:
        self.seq += 1
        self.changed.notify()
        return self.seq


@dataclass(slots=True)
class MessageRecord:
    message_id: int
    chat_id: int
    outgoing: bool  # sent by the bot
    payload: JSON  # the Message object as the bot last saw it (edits applied)
    reply_markup: JSON | None = None  # as sent, any kind (Message.reply_markup is inline only)
    version: int = 1  # +1 on every edit and on deletion
    deleted: bool = False
    paid_broadcast: bool = False
    file_id: str | None = None
    seq: int = 0  # the ChangeFeed number of its last change

    def inline_buttons(self) -> list[JSON]:
        markup = self.payload.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]


class ChatLog:
    """One chat as one bot sees it: its messages by id and the user's current reply keyboard."""

    __slots__ = (
        "changed",
        "chat",
        "chat_id",
        "feed",
        "keyboard_collapsed",
        "last_message_id",
        "messages",
        "private_user_id",
        "reply_keyboard",
        "seq",
    )

    def __init__(
        self, chat_id: int, chat: JSON, private_user_id: int | None, feed: ChangeFeed
    ) -> None:
        self.chat_id = chat_id
        self.chat = chat  # the Chat object messages carry, shared by all of them
        self.private_user_id = private_user_id
        self.messages: dict[int, MessageRecord] = {}
        self.last_message_id = 0  # ids are per chat, from 1, shared by both directions
        self.reply_keyboard: JSON | None = None
        # A used one_time_keyboard is collapsed, not removed: the user can still reopen it.
        self.keyboard_collapsed = False
        self.changed = Notifier()
        self.feed = feed
        self.seq = 0

    def touch(self, record: MessageRecord | None = None) -> None:
        """Something in the chat changed (`record`, or the keyboard): wake the waiters."""
        self.seq = self.feed.bump()
        if record is not None:
            record.seq = self.seq
        self.changed.notify()

    def add(self, record: MessageRecord) -> None:
        self.messages[record.message_id] = record
        self.touch(record)

    def set_reply_keyboard(self, markup: JSON | None) -> None:
        self.reply_keyboard = markup
        self.keyboard_collapsed = False

    def keyboard_buttons(self) -> list[JSON]:
        rows = (self.reply_keyboard or {}).get("keyboard", [])
        return [b if isinstance(b, dict) else {"text": b} for row in rows for b in row]

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id

    def live_message(self, message_id: int) -> MessageRecord | None:
        record = self.messages.get(message_id)
        return None if record is None or record.deleted else record


@dataclass(slots=True)
class CallbackRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: asyncio.Future[JSON]


@dataclass(slots=True)
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None = None


class BotState:
    """Everything that belongs to one bot token: its chats, update queue and settings."""

    def __init__(
        self,
        token: str,
        *,
        username: str | None,
        first_name: str,
        limits: LimitConfig | None,
        clock: Callable[[], float],
    ) -> None:
        bot_id, _, _ = token.partition(":")
        self.id = int(bot_id)
        self.token = token
        self.username = username or f"sandbox{self.id}_bot"
        self.first_name = first_name
        self.user: JSON = {
            "id": self.id,
            "is_bot": True,
            "first_name": first_name,
            "username": self.username,
        }
        self._limits = limits
        self._clock = clock
        self.next_update_id = 1  # never reset: a polling bot's offset must stay valid
        self.pending: deque[JSON] = deque()
        self.updates_changed = Notifier()
        self.allowed_updates: frozenset[str] = ALL_UPDATE_KINDS - OPT_IN_UPDATE_KINDS
        self.poll_generation = 0
        self.webhook: WebhookConfig | None = None
        self.webhook_error: tuple[int, str] | None = None  # (unix time, message)
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.profile: dict[tuple[str, str], str] = {}  # (field, language) -> text
        self.reset()

    def reset(self) -> None:
        self.chats: dict[int, ChatLog] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.pending.clear()
        self.callbacks: dict[str, CallbackRecord] = {}
        self.limiter = RateLimiter(self._limits, self._clock) if self._limits else None
        self.updates_changed.notify()

    def set_allowed_updates(self, kinds: Iterable[str] | None) -> None:
        if kinds is None:
            return
        wanted = frozenset(kinds)
        self.allowed_updates = wanted or ALL_UPDATE_KINDS - OPT_IN_UPDATE_KINDS

    def enqueue(self, kind: str, payload: JSON) -> int | None:
        """Queue an update; None if the bot's allowed_updates filter drops it (as Telegram does)."""
        if kind not in self.allowed_updates:
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.pending.append({"update_id": update_id, kind: payload})
        self.updates_changed.notify()
        return update_id

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: forget updates below it; a negative one keeps the last -offset."""
        pending = self.pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
            return
        while pending and pending[0]["update_id"] < offset:
            pending.popleft()


# Stats --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Stats:
    requests: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    sends: int = 0
    paid_sends: int = 0
    # [unix second, sends accepted in it], newest last
    per_second: deque[list[int]] = field(default_factory=lambda: deque(maxlen=3600))

    def record_send(self, now: float, *, paid: bool) -> None:
        self.sends += 1
        if paid:
            self.paid_sends += 1
        second = int(now)
        per_second = self.per_second
        if per_second and per_second[-1][0] == second:
            per_second[-1][1] += 1
        else:
            per_second.append([second, 1])

    def reset(self) -> None:
        self.requests.clear()
        self.statuses.clear()
        self.sends = self.paid_sends = 0
        self.per_second.clear()


# The world ----------------------------------------------------------------------------------


class World:
    """Users, groups, channels and files shared by all bots, plus each bot's own state."""

    def __init__(
        self, bots: Iterable[BotState], *, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self.bots: dict[int, BotState] = {bot.id: bot for bot in bots}
        self.bots_by_token: dict[str, BotState] = {bot.token: bot for bot in self.bots.values()}
        if not self.bots:
            raise ValueError("at least one bot token is needed")
        self.wall_clock = wall_clock
        self.closing = False  # set on shutdown: long polls return at once
        self.stats = Stats()
        self.feed = ChangeFeed()  # never reset: a page's cursor stays meaningful
        self.epoch = 0  # +1 on every reset, so a page knows to forget what it shows
        self._ids = itertools.count(1)  # files and callback queries; never reset
        self.reset()

    def reset(self) -> None:
        self.users: dict[int, User] = {}
        self.groups: dict[int, GroupChat] = {}
        self.groups_by_username: dict[str, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self._next_user_id = 100_000_001
        self._next_group_id = 1
        self.stats.reset()
        self.epoch += 1
        for bot in self.bots.values():
            bot.reset()
        self.feed.bump()

    def now(self) -> int:
        return int(self.wall_clock())

    def bot(self, bot_id: int | None = None) -> BotState:
        if bot_id is None:
            return next(iter(self.bots.values()))
        try:
            return self.bots[bot_id]
        except KeyError:
            raise WorldError(404, f"no bot with id {bot_id}") from None

    # users and chats

    def add_user(
        self,
        user_id: int | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        started: bool = False,
        phone_number: str | None = None,
    ) -> User:
        """Create (or replace) a user; `started` marks that they have already opened every bot."""
        if user_id is None:
            while self._next_user_id in self.users:
                self._next_user_id += 1
            user_id = self._next_user_id
        if user_id <= 0:
            raise WorldError(400, "a user id must be positive")
        user = User(
            user_id,
            first_name or f"User{user_id}",
            last_name,
            username,
            language_code,
            phone_number,
        )
        self.users[user_id] = user
        for bot in self.bots.values():
            bot.chats.pop(user_id, None)  # the cached Chat object may carry the old name
            if started:
                bot.started.add(user_id)
        return user

    def user(self, user_id: int) -> User:
        try:
            return self.users[user_id]
        except KeyError:
            raise WorldError(404, f"no user with id {user_id}") from None

    def add_group(
        self,
        *,
        title: str,
        kind: str = "supergroup",
        chat_id: int | None = None,
        username: str | None = None,
        members: dict[int, str] | None = None,
        bot_status: str | None = "administrator",
        added_by: int | None = None,
    ) -> GroupChat:
        """Create a group, supergroup or channel; every bot joins it with `bot_status`
        (and gets the my_chat_member update Telegram sends when a bot is added)."""
        if kind not in ("group", "supergroup", "channel"):
            raise WorldError(400, "kind must be group, supergroup or channel")
        for member_id, status in (members or {}).items():
            self.user(member_id)
            if status not in PRESENT_STATUSES | {"kicked"}:
                raise WorldError(400, f"unknown member status {status!r}")
        if chat_id is None:
            number = self._next_group_id
            self._next_group_id += 1
            base = 4_000_000_000 if kind == "group" else 1_000_000_000_000  # supergroups: -100...
            chat_id = -(base + number)
        if chat_id >= 0:
            raise WorldError(400, "group and channel ids are negative")
        group = GroupChat(chat_id, kind, title, username, dict(members or {}))
        self.groups[chat_id] = group
        if username:
            self.groups_by_username[username.lower()] = chat_id
        adder = (
            added_by
            if added_by is not None
            else next((uid for uid, status in group.members.items() if status == "creator"), None)
        )
        for bot in self.bots.values():
            bot.chats.pop(chat_id, None)
            if bot_status is None:
                continue
            group.members[bot.id] = bot_status
            if adder is not None:
                bot.enqueue(
                    "my_chat_member",
                    {
                        "chat": group.to_api(),
                        "from": self.user(adder).to_api(),
                        "date": self.now(),
                        "old_chat_member": chat_member(bot.user, "left"),
                        "new_chat_member": chat_member(bot.user, bot_status),
                    },
                )
        return group

    def group(self, chat_id: int) -> GroupChat:
        try:
            return self.groups[chat_id]
        except KeyError:
            raise WorldError(404, f"no group or channel with id {chat_id}") from None

    def resolve_chat_id(self, chat_id: int | str) -> int | None:
        if isinstance(chat_id, int):
            return chat_id
        return self.groups_by_username.get(chat_id.removeprefix("@").lower())

    def chat_log(self, bot: BotState, chat_id: int | str) -> ChatLog | None:
        """The bot's log of a chat (created on first use); None if no such chat exists."""
        if isinstance(chat_id, int):
            log = bot.chats.get(chat_id)
            if log is not None:
                return log
        resolved = self.resolve_chat_id(chat_id)
        if resolved is None:
            return None
        log = bot.chats.get(resolved)
        if log is not None:
            return log
        user = self.users.get(resolved)
        if user is not None:
            log = ChatLog(resolved, user.private_chat(), user.id, self.feed)
        elif resolved in self.groups:
            log = ChatLog(resolved, self.groups[resolved].to_api(), None, self.feed)
        else:
            return None
        bot.chats[resolved] = log
        return log

    def existing_log(self, bot: BotState, chat_id: int) -> ChatLog:
        log = self.chat_log(bot, chat_id)
        if log is None:
            raise WorldError(404, f"no chat with id {chat_id}")
        return log

    def chat_of(self, bot: BotState, user_id: int, chat_id: int | None) -> ChatLog:
        """Where a user acts: their private chat with the bot, or the group `chat_id`."""
        log = self.existing_log(bot, user_id if chat_id is None else chat_id)
        if log.private_user_id is not None and log.private_user_id != user_id:
            raise WorldError(400, "a user can only act in their own private chat with the bot")
        return log

    # files

    def store_file(
        self,
        kind: str,
        data: bytes | None,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        source_url: str | None = None,
        size: tuple[int, int] = (0, 0),
    ) -> StoredFile:
        number = next(self._ids)
        digest_source = data if data is not None else (source_url or str(number)).encode()
        unique = hashlib.sha256(digest_source).hexdigest()[:16]
        extension = {"photo": ".jpg", "sticker": ".webp"}.get(kind, "")
        if kind == "document" and file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1][:10]
        stored = StoredFile(
            file_id=f"sbx-{kind}-{number}-{unique[:8]}",
            file_unique_id=f"u{unique}",
            kind=kind,
            file_path=f"{kind}s/file_{number}{extension}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=size[0],
            height=size[1],
            source_url=source_url,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # acting as a user

    def user_message(
        self, bot: BotState, user_id: int, content: JSON, *, chat_id: int | None = None
    ) -> tuple[MessageRecord, int | None]:
        """A user sends a message to the bot's private chat, or into a group the bot is in."""
        user = self.user(user_id)
        log = self.existing_log(bot, user_id if chat_id is None else chat_id)
        if log.private_user_id is None:
            group = self.group(log.chat_id)
            if group.type == "channel":
                raise WorldError(400, "users cannot post in a channel")
            if group.status_of(user_id) not in PRESENT_STATUSES:
                raise WorldError(409, f"user {user_id} is not a member of chat {log.chat_id}")
            if group.status_of(bot.id) not in PRESENT_STATUSES:
                raise WorldError(409, f"the bot is not a member of chat {log.chat_id}")
        elif log.private_user_id != user_id:
            raise WorldError(400, "a user can only write in their own private chat with the bot")
        else:
            # Writing to a blocked bot is "Restart" in the client: it unblocks it first.
            self.set_blocked(bot, user_id, blocked=False)
            bot.started.add(user_id)
        payload: JSON = {
            "message_id": log.next_message_id(),
            "from": user.to_api(),
            "chat": log.chat,
            "date": self.now(),
            **content,
        }
        record = MessageRecord(payload["message_id"], log.chat_id, False, payload)
        log.add(record)
        return record, bot.enqueue("message", payload)

    def press_keyboard_button(
        self,
        bot: BotState,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        phone_number: str | None = None,
    ) -> tuple[MessageRecord, int | None]:
        """A user taps a button of the reply keyboard shown in the chat.

        A plain button sends its text; a request_contact button shares the user's own contact
        (their `phone_number`, or the one given). A used one_time_keyboard collapses."""
        user = self.user(user_id)
        log = self.existing_log(bot, user_id if chat_id is None else chat_id)
        buttons = log.keyboard_buttons()
        button = next((b for b in buttons if b.get("text") == text), None)
        if button is None:
            shown = [b.get("text") for b in buttons]
            raise WorldError(400, f"no reply keyboard button {text!r} is shown; shown: {shown}")
        content: JSON
        if button.get("request_contact"):
            phone = phone_number or user.phone_number
            if not phone:
                raise WorldError(400, f"user {user_id} has no phone_number: give one")
            content = {"contact": user.own_contact(phone)}
        elif "web_app" in button:
            raise WorldError(
                400, "this button opens a Mini App; send what it returns with web_app_data"
            )
        elif set(button) & {"request_location", "request_poll", "request_users", "request_chat"}:
            raise WorldError(400, "the sandbox does not emulate this kind of keyboard button")
        else:
            content = {"text": text}
            entities = command_entities(text)
            if entities:
                content["entities"] = entities
        result = self.user_message(bot, user_id, content, chat_id=chat_id)
        self.used_keyboard(log)
        return result

    @staticmethod
    def used_keyboard(log: ChatLog) -> None:
        keyboard = log.reply_keyboard
        if keyboard and keyboard.get("one_time_keyboard") and not log.keyboard_collapsed:
            log.keyboard_collapsed = True
            log.touch()

    def press_button(
        self,
        bot: BotState,
        user_id: int,
        message_id: int,
        *,
        data: str | None = None,
        button_text: str | None = None,
        chat_id: int | None = None,
        forge: bool = False,
    ) -> tuple[CallbackRecord, int | None]:
        """A user taps an inline button: the bot gets a callback_query for it.

        The button is looked up by callback_data or by its text; `forge` lets a test send
        callback data that no button carries (a tampering client)."""
        user = self.user(user_id)
        log = self.chat_of(bot, user_id, chat_id)
        record = log.live_message(message_id)
        if record is None or not record.outgoing:
            raise WorldError(404, f"no bot message {message_id} in chat {log.chat_id}")
        if log.private_user_id is not None and user_id in bot.blocked:
            raise WorldError(409, "the user has blocked the bot")
        buttons = record.inline_buttons()
        button = next(
            (
                b
                for b in buttons
                if (data is not None and b.get("callback_data") == data)
                or (button_text is not None and b.get("text") == button_text)
            ),
            None,
        )
        if button is None:
            if not (forge and data is not None):
                offered = [(b.get("text"), b.get("callback_data")) for b in buttons]
                raise WorldError(400, f"message {message_id} has no such button; it has {offered}")
            button = {"callback_data": data}
        if "callback_data" not in button:
            raise WorldError(400, "this button has no callback_data: it does not reach the bot")
        query_id = f"{bot.id}{next(self._ids):010d}"
        callback = CallbackRecord(
            query_id,
            user_id,
            log.chat_id,
            message_id,
            button["callback_data"],
            asyncio.get_running_loop().create_future(),
        )
        bot.callbacks[query_id] = callback
        return callback, bot.enqueue(
            "callback_query",
            {
                "id": query_id,
                "from": user.to_api(),
                "message": record.payload,
                "chat_instance": str(abs(hash((bot.id, log.chat_id))) % 10**18),
                "data": callback.data,
            },
        )

    def set_blocked(self, bot: BotState, user_id: int, *, blocked: bool) -> int | None:
        """Block or unblock the bot; Telegram tells the bot with a my_chat_member update."""
        user = self.user(user_id)
        if blocked == (user_id in bot.blocked):
            return None
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        if blocked:
            bot.blocked.add(user_id)
        else:
            bot.blocked.discard(user_id)
        return bot.enqueue(
            "my_chat_member",
            {
                "chat": user.private_chat(),
                "from": user.to_api(),
                "date": self.now(),
                "old_chat_member": chat_member(bot.user, old),
                "new_chat_member": chat_member(bot.user, new),
            },
        )

    def set_membership(self, chat_id: int, user_id: int, status: str | None) -> None:
        """A user joins (`status`), or leaves (None) a group or channel. Bots that administer it
        get a chat_member update, if they asked for those in allowed_updates."""
        user = self.user(user_id)
        group = self.group(chat_id)
        old = group.status_of(user_id)
        new = status or "left"
        if old == new:
            return
        if status is None:
            del group.members[user_id]
        else:
            group.members[user_id] = status
        for bot in self.bots.values():
            if group.status_of(bot.id) in ("creator", "administrator"):
                bot.enqueue(
                    "chat_member",
                    {
                        "chat": group.to_api(),
                        "from": user.to_api(),
                        "date": self.now(),
                        "old_chat_member": chat_member(user.to_api(), old),
                        "new_chat_member": chat_member(user.to_api(), new),
                    },
                )
