"""Feeding a customer's conversation to the real dispatcher."""

from __future__ import annotations

import html
import itertools
from datetime import UTC, datetime
from typing import Any

from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Contact,
    Message,
    Sticker,
    Update,
    User,
)

from tests.conftest import BotUnderTest
from tests.kit.telegram import BOT_USER, text_update

_ids = itertools.count(500_000)


async def feed(app: BotUnderTest, update: Update) -> None:
    await app.container.dispatcher.feed_update(app.container.bot, update)


async def say(app: BotUnderTest, sender: User, text: str) -> None:
    await feed(app, text_update(sender, text))


def contact_update(sender: User, phone: str, contact_user_id: int | None) -> Update:
    return Update(
        update_id=next(_ids),
        message=Message(
            message_id=next(_ids),
            date=datetime.now(UTC),
            chat=Chat(id=sender.id, type="private"),
            from_user=sender,
            contact=Contact(phone_number=phone, first_name="Contact", user_id=contact_user_id),
        ),
    )


def callback_update(sender: User, data: str) -> Update:
    return Update(
        update_id=next(_ids),
        callback_query=CallbackQuery(
            id=str(next(_ids)),
            from_user=sender,
            chat_instance="ci",
            data=data,
            message=Message(
                message_id=next(_ids),
                date=datetime.now(UTC),
                chat=Chat(id=sender.id, type="private"),
                from_user=BOT_USER,
                text="…",
            ),
        ),
    )


async def share_contact(
    app: BotUnderTest, sender: User, phone: str, contact_user_id: int | None = -1
) -> None:
    owner = sender.id if contact_user_id == -1 else contact_user_id
    await feed(app, contact_update(sender, phone, owner))


async def press(app: BotUnderTest, sender: User, data: str) -> None:
    await feed(app, callback_update(sender, data))


def last(app: BotUnderTest, method: str = "SendMessage") -> Any:
    sent = app.session.sent(method)
    assert sent, f"no {method} was sent; requests: {app.session.requests}"
    return sent[-1]


def last_text(app: BotUnderTest) -> str:
    """The last message's text as the user reads it (HTML entities resolved)."""
    return html.unescape(last(app).text)


def texts(app: BotUnderTest) -> list[str]:
    return [html.unescape(text) for text in app.session.texts()]


def alerts(app: BotUnderTest) -> list[str]:
    return [r.text for r in app.session.sent("AnswerCallbackQuery") if r.text]


def reply_buttons(method: Any) -> list[str]:
    return [button.text for row in method.reply_markup.keyboard for button in row]


def inline_data(method: Any) -> list[str]:
    return [b.callback_data for row in method.reply_markup.inline_keyboard for b in row]


async def join(
    app: BotUnderTest,
    sender: User,
    phone: str = "+79990000001",
    *,
    payload: str | None = None,
    birthday: str | None = None,
) -> None:
    """The whole joining conversation with the defaults: keep the Telegram name, skip or give
    the birthday."""
    ru = (sender.language_code or "ru").startswith("ru")
    await say(app, sender, f"/start {payload}" if payload else "/start")
    await press(app, sender, "join:agree")
    await share_contact(app, sender, phone)
    await say(app, sender, "Да, так" if ru else "Yes")
    await say(app, sender, birthday or ("Пропустить" if ru else "Skip"))


def sticker_update(sender: User) -> Update:
    return Update(
        update_id=next(_ids),
        message=Message(
            message_id=next(_ids),
            date=datetime.now(UTC),
            chat=Chat(id=sender.id, type="private"),
            from_user=sender,
            sticker=Sticker(
                file_id="CAACAgIAAxkBAAEB",
                file_unique_id="AgADsticker",
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji="👍",
            ),
        ),
    )


async def send_sticker(app: BotUnderTest, sender: User) -> None:
    await feed(app, sticker_update(sender))


def bot_status_update(sender: User, old: str, new: str, chat_type: str = "private") -> Update:
    """The bot's own membership in a chat changed (`my_chat_member`): in a private chat
    `kicked` means the user blocked the bot, `member` that they unblocked it."""
    chat = (
        Chat(id=sender.id, type="private")
        if chat_type == "private"
        else Chat(id=-100_000 - sender.id, type=chat_type, title="A group")
    )
    statuses = {"member": ChatMemberMember, "kicked": ChatMemberBanned, "left": ChatMemberLeft}

    def status(name: str) -> Any:
        if name == "kicked":
            return ChatMemberBanned(user=BOT_USER, until_date=0)
        return statuses[name](user=BOT_USER)

    return Update(
        update_id=next(_ids),
        my_chat_member=ChatMemberUpdated(
            chat=chat,
            from_user=sender,
            date=datetime.now(UTC),
            old_chat_member=status(old),
            new_chat_member=status(new),
        ),
    )
