"""The Bot API side of the emulator, driven by a real aiogram Bot."""

import asyncio

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    MenuButtonWebApp,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)

from bot.sandbox.client import SandboxClient, sandbox_bot
from bot.sandbox.server import running
from tests.sandbox.helpers import eventually, tiny_png

TOKEN = "42:BOT-API-TEST"
ANN = 1001
BOB = 1002


@pytest.fixture
async def sandbox():
    async with running(tokens=[TOKEN, "43:SECOND-BOT"]) as server:
        yield server


@pytest.fixture
async def bot(sandbox):
    bot = sandbox_bot(sandbox.url, TOKEN)
    yield bot
    await bot.session.close()


@pytest.fixture
async def sb(sandbox):
    async with SandboxClient(sandbox.url) as client:
        await client.create_user(ANN, first_name="Ann", username="ann", language_code="ru")
        await client.create_user(BOB, first_name="Bob")
        yield client


async def start(sb: SandboxClient, bot: Bot, user_id: int = ANN) -> None:
    """The user opens the bot; the test's polling position moves past that update."""
    await sb.send_text(user_id, "/start")
    updates = await bot.get_updates()
    await bot.get_updates(offset=updates[-1].update_id + 1)


async def test_get_me_answers_for_the_token(bot):
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (42, True, "sandbox42_bot")


async def test_deep_link_start_reaches_get_updates_with_a_command_entity(bot, sb):
    await sb.send_text(ANN, "/start src_poster")

    [update] = await bot.get_updates()

    message = update.message
    assert message.text == "/start src_poster"
    assert message.entities[0].type == "bot_command"
    assert (message.entities[0].offset, message.entities[0].length) == (0, 6)
    assert (message.chat.id, message.chat.type) == (ANN, "private")
    assert (message.from_user.first_name, message.from_user.language_code) == ("Ann", "ru")
    assert message.message_id == 1


async def test_get_updates_offset_confirms_earlier_updates(bot, sb):
    for text in ("one", "two", "three"):
        await sb.send_text(ANN, text)

    first = await bot.get_updates()
    again = await bot.get_updates()
    after_first = await bot.get_updates(offset=first[0].update_id + 1)
    limited = await bot.get_updates(offset=first[0].update_id + 1, limit=1)
    nothing = await bot.get_updates(offset=first[-1].update_id + 1)

    assert [u.message.text for u in first] == ["one", "two", "three"]
    assert [u.update_id for u in again] == [u.update_id for u in first]  # not confirmed yet
    assert [u.message.text for u in after_first] == ["two", "three"]
    assert [u.message.text for u in limited] == ["two"]
    assert nothing == []


async def test_negative_offset_keeps_only_the_latest_updates(bot, sb):
    for text in ("one", "two", "three"):
        await sb.send_text(ANN, text)

    updates = await bot.get_updates(offset=-1)

    assert [u.message.text for u in updates] == ["three"]
    assert [u.message.text for u in await bot.get_updates()] == ["three"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot, sb):
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await asyncio.sleep(0.05)
    assert not poll.done()

    await sb.send_text(ANN, "hello")

    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates] == ["hello"]


async def test_a_second_get_updates_terminates_the_waiting_one(bot, sandbox):
    first = asyncio.create_task(bot.get_updates(timeout=20))
    await eventually(lambda: sandbox.sandbox.world.stats.requests["getUpdates"] == 1)

    second = asyncio.create_task(bot.get_updates(timeout=0))

    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await asyncio.wait_for(first, 5)
    assert await second == []


async def test_allowed_updates_filters_new_updates(bot, sb):
    await bot.get_updates(allowed_updates=["callback_query"])

    await sb.send_text(ANN, "ignored")

    assert await bot.get_updates() == []


async def test_inline_keyboard_press_reaches_the_bot_and_returns_its_answer(bot, sb):
    await start(sb, bot)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Join", callback_data="join:1"),
                InlineKeyboardButton(text="Site", url="https://example.com"),
            ]
        ]
    )
    sent = await bot.send_message(ANN, "Welcome", reply_markup=keyboard)

    press = asyncio.create_task(sb.press(ANN, sent.message_id, "join:1"))
    [update] = await bot.get_updates(timeout=5)
    query = update.callback_query
    await bot.answer_callback_query(query.id, text="Joined!", show_alert=True)
    answer = await press

    assert query.data == "join:1"
    assert query.from_user.id == ANN
    assert query.message.message_id == sent.message_id
    assert query.message.text == "Welcome"
    assert query.chat_instance
    assert (answer.answered, answer.text, answer.show_alert) == (True, "Joined!", True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)


async def test_edit_message_text_applies_and_refuses_a_no_op(bot, sb):
    await start(sb, bot)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    sent = await bot.send_message(ANN, "Balance: 10", reply_markup=keyboard)

    edited = await bot.edit_message_text(
        "Balance: <b>20</b>",
        chat_id=ANN,
        message_id=sent.message_id,
        parse_mode="HTML",
        reply_markup=keyboard,
    )

    assert edited.text == "Balance: 20"
    assert edited.entities[0].type == "bold"
    assert edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Balance: <b>20</b>",
            chat_id=ANN,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard,
        )
    view = (await sb.sent_to(ANN))[-1]
    assert (view.text, view.edited, view.version) == ("Balance: 20", True, 2)


async def test_editing_text_without_a_keyboard_removes_it(bot, sb):
    await start(sb, bot)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
    )
    sent = await bot.send_message(ANN, "Choose", reply_markup=keyboard)

    edited = await bot.edit_message_text("Chosen", chat_id=ANN, message_id=sent.message_id)

    assert edited.reply_markup is None


async def test_edit_errors(bot, sb):
    await start(sb, bot)
    sent = await bot.send_message(ANN, "text")

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANN, message_id=999)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=ANN, message_id=1)  # the user's /start
    with pytest.raises(TelegramBadRequest, match="no caption in the message"):
        await bot.edit_message_caption(chat_id=ANN, message_id=sent.message_id, caption="c")


async def test_edit_reply_markup_and_caption(bot, sb):
    await start(sb, bot)
    photo = await bot.send_photo(ANN, BufferedInputFile(tiny_png(), "card.png"), caption="old")
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Refresh", callback_data="refresh")]]
    )

    await bot.edit_message_reply_markup(
        chat_id=ANN, message_id=photo.message_id, reply_markup=keyboard
    )
    edited = await bot.edit_message_caption(
        chat_id=ANN, message_id=photo.message_id, caption="new", reply_markup=keyboard
    )

    assert edited.caption == "new"
    assert edited.reply_markup.inline_keyboard[0][0].callback_data == "refresh"


async def test_delete_message_marks_it_deleted(bot, sb):
    await start(sb, bot)
    sent = await bot.send_message(ANN, "temporary")

    assert await bot.delete_message(ANN, sent.message_id) is True

    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ANN, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANN, message_id=sent.message_id)
    [view] = await sb.sent_to(ANN)
    assert view.deleted is True


async def test_photo_upload_file_id_reuse_get_file_and_download(bot, sb):
    await start(sb, bot)
    await start(sb, bot, BOB)
    image = tiny_png(3, 2)

    uploaded = await bot.send_photo(ANN, BufferedInputFile(image, "qr.png"), caption="Your card")
    photo = uploaded.photo[-1]
    reused = await bot.send_photo(BOB, photo.file_id)
    file = await bot.get_file(photo.file_id)
    downloaded = await bot.download_file(file.file_path)

    assert (photo.width, photo.height, photo.file_size) == (3, 2, len(image))
    assert uploaded.caption == "Your card"
    assert reused.photo[-1].file_id == photo.file_id
    assert reused.photo[-1].file_unique_id == photo.file_unique_id
    assert downloaded.read() == image
    view = (await sb.sent_to(ANN))[-1]
    assert view.file_id == photo.file_id
    assert await sb.download(view) == image


async def test_photo_errors(bot, sb):
    await start(sb, bot)

    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ANN, BufferedInputFile(b"not an image", "x.png"))
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(ANN, "no-such-file-id")


async def test_document_upload_keeps_name_and_type(bot, sb):
    await start(sb, bot)
    data = b"date,amount\n2024-01-01,100\n"

    sent = await bot.send_document(ANN, BufferedInputFile(data, "report.csv"), caption="CSV")

    assert sent.document.file_name == "report.csv"
    assert sent.document.mime_type == "text/csv"
    file = await bot.get_file(sent.document.file_id)
    assert (await bot.download_file(file.file_path)).read() == data
    with pytest.raises(TelegramBadRequest, match="can't use file of type Document as Photo"):
        await bot.send_photo(ANN, sent.document.file_id)


async def test_reply_keyboards_are_tracked_for_the_user(bot, sb):
    await start(sb, bot)
    keyboard = ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="Share phone", request_contact=True)],
            [KeyboardButton(text="Scanner", web_app=WebAppInfo(url="https://x.test/app"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )

    sent = await bot.send_message(ANN, "Share your phone", reply_markup=keyboard)

    assert sent.reply_markup is None  # Message.reply_markup only ever carries inline keyboards
    chat = await sb.chat(ANN)
    keyboard_json = chat["reply_keyboard"]
    assert keyboard_json["keyboard"][0][0]["request_contact"] is True
    view = (await sb.sent_to(ANN))[-1]
    assert view.keyboard_buttons == ["Share phone", "Scanner"]
    await sb.press_keyboard(ANN, "Share phone", phone_number="+79001234567")
    collapsed = await sb.chat(ANN)  # a used one_time_keyboard collapses; it can be reopened
    assert (collapsed["keyboard_collapsed"], collapsed["reply_keyboard"]) == (True, keyboard_json)
    await bot.send_message(ANN, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert (await sb.chat(ANN))["reply_keyboard"] is None


async def test_send_errors_like_telegram(bot, sb):
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(ANN, "hello")  # Ann never opened the bot
    await start(sb, bot)
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(555, "hello")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ANN, "   ")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ANN, "<b>bold", parse_mode="HTML")
    too_long = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="x" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ANN, "hello", reply_markup=too_long)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ANN, "x" * 4097)


async def test_block_gives_403_and_my_chat_member_updates(bot, sb):
    await start(sb, bot)

    await sb.block(ANN)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ANN, "offer")
    await sb.unblock(ANN)
    await bot.send_message(ANN, "welcome back")
    blocked, unblocked = await bot.get_updates()

    assert isinstance(blocked.my_chat_member.old_chat_member, ChatMemberMember)
    assert isinstance(blocked.my_chat_member.new_chat_member, ChatMemberBanned)
    assert blocked.my_chat_member.new_chat_member.user.id == 42
    assert blocked.my_chat_member.from_user.id == ANN
    assert blocked.my_chat_member.chat.id == ANN
    assert isinstance(unblocked.my_chat_member.new_chat_member, ChatMemberMember)


async def test_writing_to_a_blocked_bot_restarts_it(bot, sb):
    await start(sb, bot)
    await sb.block(ANN)

    await sb.send_text(ANN, "/start")

    kinds = [u.event_type for u in await bot.get_updates()]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]
    await bot.send_message(ANN, "hi again")


async def test_unknown_method_is_404_and_bad_token_is_401(bot, sandbox):
    class Frobnicate(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "frobnicate"

    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot(Frobnicate())
    stranger = sandbox_bot(sandbox.url, "99:WRONG")
    with pytest.raises(TelegramUnauthorizedError):
        await stranger.get_me()
    await stranger.session.close()


async def test_json_and_query_string_requests_and_case_insensitive_names(sandbox, sb):
    async with aiohttp.ClientSession() as http:
        await sb.send_text(ANN, "/start")
        url = f"{sandbox.url}/bot{TOKEN}"
        async with http.post(
            f"{url}/SENDMESSAGE",
            json={
                "chat_id": ANN,
                "text": "json body",
                "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
            },
        ) as response:
            body = await response.json()
        async with http.get(f"{url}/getMe?x=1") as response:
            me = await response.json()
        async with http.post(f"{url}/nope") as response:
            missing = (response.status, await response.json())

    assert body["ok"] is True
    assert body["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"
    assert me["result"]["id"] == 42
    assert missing == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_each_token_is_a_separate_bot(sandbox, sb):
    second = sandbox_bot(sandbox.url, "43:SECOND-BOT")
    try:
        assert (await second.get_me()).id == 43
        await sb.send_text(ANN, "/start")  # to the default (first) bot
        assert await second.get_updates() == []
    finally:
        await second.session.close()


async def test_commands_are_stored_per_scope_and_language(bot):
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="balance", description="Баланс")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="ru",
    )

    def pairs(commands):
        return [(c.command, c.description) for c in commands]

    assert pairs(await bot.get_my_commands()) == [("start", "Start")]
    ru = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="ru")
    assert pairs(ru) == [("balance", "Баланс")]
    assert await bot.get_my_commands(language_code="en") == []
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_menu_button_is_stored(bot, sb):
    button = MenuButtonWebApp(text="Scanner", web_app=WebAppInfo(url="https://x.test/scan"))

    assert await bot.set_chat_menu_button(chat_id=ANN, menu_button=button)

    stored = await bot.get_chat_menu_button(chat_id=ANN)
    assert (stored.type, stored.text) == ("web_app", "Scanner")
    assert stored.web_app.url == button.web_app.url
    assert (await bot.get_chat_menu_button(chat_id=BOB)).type == "default"
    assert (await sb.chat(ANN))["menu_button"]["web_app"]["url"] == "https://x.test/scan"


async def test_channel_membership_for_get_chat_member(bot, sb):
    channel = await sb.create_channel("Coffee news", username="coffee_news")

    assert isinstance(await bot.get_chat_member(channel, ANN), ChatMemberLeft)
    await sb.join(ANN, channel)
    assert isinstance(await bot.get_chat_member("@coffee_news", ANN), ChatMemberMember)
    await sb.leave(ANN, channel)
    assert isinstance(await bot.get_chat_member(channel, ANN), ChatMemberLeft)
    with pytest.raises(TelegramBadRequest, match="user not found"):
        await bot.get_chat_member(channel, 777)


async def test_channel_where_the_bot_is_no_admin_hides_its_members(bot, sb):
    channel = await sb.create_channel("Other", bot_status="member")

    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await bot.get_chat_member(channel, ANN)


async def test_get_chat_and_chat_action(bot, sb):
    await start(sb, bot)

    chat = await bot.get_chat(ANN)

    assert (chat.id, chat.type, chat.first_name, chat.username) == (ANN, "private", "Ann", "ann")
    assert await bot.send_chat_action(ANN, "typing") is True
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(404)


async def test_bot_writes_into_a_group_it_belongs_to(bot, sb):
    group = await sb.create_group("Owners", owner_id=ANN, members=[BOB])
    [added] = await bot.get_updates()

    await sb.send_to_group(group, BOB, "/report@sandbox42_bot")
    sent = await bot.send_message(group, "Report ready")
    admins = await bot.get_chat_administrators(group)

    assert added.my_chat_member.chat.id == group
    assert added.my_chat_member.new_chat_member.status == "administrator"
    message = (await bot.get_updates(offset=added.update_id + 1))[0].message
    assert (message.chat.type, message.chat.title, message.from_user.id) == (
        "supergroup",
        "Owners",
        BOB,
    )
    assert sent.chat.id == group
    assert {member.user.id for member in admins} == {ANN, 42, 43}  # every bot joins


async def test_bot_cannot_write_into_a_group_it_is_not_in(bot, sb):
    group = await sb.create_group("Elsewhere", owner_id=BOB, bot_status="left")

    with pytest.raises(TelegramForbiddenError, match="not a member of the supergroup chat"):
        await bot.send_message(group, "x")


async def test_profile_texts_are_stored(bot):
    await bot.set_my_description("Loyalty card of the café", language_code="en")
    await bot.set_my_short_description("Points and offers")

    assert (await bot.get_my_description(language_code="en")).description == (
        "Loyalty card of the café"
    )
    assert (await bot.get_my_short_description()).short_description == "Points and offers"
    assert (await bot.get_my_name()).name == "Sandbox Bot"


async def test_edit_message_media_replaces_the_card_and_its_caption(bot, sb):
    await start(sb, bot)
    first = await bot.send_photo(ANN, BufferedInputFile(tiny_png(2, 2), "a.png"), caption="v1")

    edited = await bot.edit_message_media(
        InputMediaPhoto(
            media=BufferedInputFile(tiny_png(4, 4), "b.png"), caption="<b>v2</b>", parse_mode="HTML"
        ),
        chat_id=ANN,
        message_id=first.message_id,
    )

    assert (edited.photo[-1].width, edited.caption) == (4, "v2")
    assert edited.caption_entities[0].type == "bold"
    assert edited.photo[-1].file_id != first.photo[-1].file_id
    view = (await sb.sent_to(ANN))[-1]
    assert view.file_id == edited.photo[-1].file_id
    assert await sb.download(view) == tiny_png(4, 4)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_media(
            InputMediaPhoto(
                media=edited.photo[-1].file_id,
                caption="v2",
                caption_entities=edited.caption_entities,
            ),
            chat_id=ANN,
            message_id=first.message_id,
        )
    text = await bot.send_message(ANN, "text")
    with pytest.raises(TelegramBadRequest, match="no media in the message"):
        await bot.edit_message_media(
            InputMediaPhoto(media=edited.photo[-1].file_id), chat_id=ANN, message_id=text.message_id
        )


async def test_copy_message_sends_the_content_anew(bot, sb):
    group = await sb.create_group("Owners", owner_id=ANN)
    await start(sb, bot, BOB)
    await sb.send_to_group(group, ANN, "Spring offer: -20%")
    photo = await bot.send_photo(group, BufferedInputFile(tiny_png(), "p.png"), caption="old")

    text_copy = await bot.copy_message(BOB, group, 1)
    photo_copy = await bot.copy_message(BOB, group, photo.message_id, caption="new")

    texts = [(m.text, m.caption, m.file_id) for m in await sb.sent_to(BOB)]
    assert texts == [
        ("Spring offer: -20%", None, None),
        (None, "new", photo.photo[-1].file_id),
    ]
    assert photo_copy.message_id == text_copy.message_id + 1
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(BOB, group, 999)
