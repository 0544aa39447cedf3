"""The control API: acting as users, the change feed, personas, QR scans and Mini App launches."""

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MenuButtonWebApp,
    ReplyKeyboardMarkup,
    WebAppInfo,
)
from aiogram.utils.web_app import check_webapp_signature, safe_parse_webapp_init_data

from bot.sandbox.client import SandboxClient, SandboxError, sandbox_bot
from bot.sandbox.personas import ADMIN_CHAT_ID, ANNA, CAROL, CHANNEL_ID, DEFAULT_CAST, OLGA
from bot.sandbox.server import running
from tests.sandbox.helpers import tiny_png

TOKEN = "42:CONTROL-TEST"
ANN = 1001
BOB = 1002
CASHIER = 2001


@pytest.fixture
async def sandbox():
    async with running(tokens=[TOKEN]) as server:
        yield server


@pytest.fixture
async def bot(sandbox):
    bot = sandbox_bot(sandbox.url, TOKEN)
    yield bot
    await bot.session.close()


@pytest.fixture
async def sb(sandbox):
    async with SandboxClient(sandbox.url) as client:
        await client.create_user(ANN, first_name="Ann", last_name="Lee", phone_number="+7900111")
        await client.create_user(BOB, first_name="Bob")
        await client.create_user(CASHIER, first_name="Carol", started=True)
        yield client


async def drain(bot) -> list:
    """Every pending update, confirmed."""
    updates = await bot.get_updates()
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1)
    return updates


def phone_keyboard(one_time: bool = True) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text="Share phone", request_contact=True)],
            [KeyboardButton(text="/balance"), KeyboardButton(text="Help")],
            [KeyboardButton(text="Scanner", web_app=WebAppInfo(url="https://app.test/scan"))],
        ],
        one_time_keyboard=one_time,
    )


# Reply keyboards and contacts ---------------------------------------------------------------


async def test_a_request_contact_button_shares_the_users_own_contact(bot, sb):
    await sb.start(ANN)
    await bot.send_message(ANN, "Your phone, please", reply_markup=phone_keyboard())
    await drain(bot)

    await sb.press_keyboard(ANN, "Share phone")

    [update] = await drain(bot)
    contact = update.message.contact
    assert (contact.phone_number, contact.user_id) == ("+7900111", ANN)
    assert contact.user_id == update.message.from_user.id
    assert (contact.first_name, contact.last_name) == ("Ann", "Lee")


async def test_a_plain_keyboard_button_sends_its_text_and_a_command_gets_an_entity(bot, sb):
    await sb.start(ANN)
    await bot.send_message(ANN, "Menu", reply_markup=phone_keyboard(one_time=False))
    await drain(bot)

    await sb.press_keyboard(ANN, "Help")
    await sb.press_keyboard(ANN, "/balance")

    help_update, balance_update = await drain(bot)
    assert help_update.message.text == "Help"
    assert help_update.message.entities is None
    assert balance_update.message.text == "/balance"
    assert balance_update.message.entities[0].type == "bot_command"
    assert (await sb.chat(ANN))["keyboard_collapsed"] is False


async def test_keyboard_buttons_that_are_not_shown_or_open_a_mini_app_are_refused(bot, sb):
    await sb.start(ANN)
    with pytest.raises(SandboxError, match="no reply keyboard button 'Help' is shown"):
        await sb.press_keyboard(ANN, "Help")
    await bot.send_message(ANN, "Menu", reply_markup=phone_keyboard())

    with pytest.raises(SandboxError, match="opens a Mini App"):
        await sb.press_keyboard(ANN, "Scanner")
    with pytest.raises(SandboxError, match="shown: \\['Share phone', '/balance', 'Help'"):
        await sb.press_keyboard(ANN, "Nope")


async def test_a_request_contact_button_needs_a_phone(bot, sb):
    await sb.start(BOB)
    await bot.send_message(BOB, "Your phone, please", reply_markup=phone_keyboard())

    with pytest.raises(SandboxError, match="has no phone_number"):
        await sb.press_keyboard(BOB, "Share phone")
    await sb.press_keyboard(BOB, "Share phone", phone_number="+7900222")

    [*_, update] = await drain(bot)
    assert (update.message.contact.phone_number, update.message.contact.user_id) == (
        "+7900222",
        BOB,
    )


async def test_sharing_someone_elses_contact_carries_no_user_id_unless_known(bot, sb):
    await sb.start(ANN)
    await drain(bot)

    await sb.share_contact(ANN, "+7900999", own=False, first_name="Mum")
    await sb.share_contact(ANN, "+7900333", own=False, first_name="Bob", contact_user_id=BOB)

    mum, bob = await drain(bot)
    assert (mum.message.contact.first_name, mum.message.contact.user_id) == ("Mum", None)
    assert bob.message.contact.user_id == BOB
    assert bob.message.from_user.id == ANN


# The change feed ----------------------------------------------------------------------------


async def test_the_feed_reports_new_edited_and_deleted_messages(bot, sb):
    await sb.start(ANN)
    first = await sb.feed(chats=[ANN])
    sent = await bot.send_message(ANN, "Balance: 10")
    after_send = await sb.feed(after=first["seq"], chats=[ANN])
    await bot.edit_message_text("Balance: 20", chat_id=ANN, message_id=sent.message_id)
    after_edit = await sb.feed(after=after_send["seq"], chats=[ANN])
    await bot.delete_message(ANN, sent.message_id)
    after_delete = await sb.feed(after=after_edit["seq"], chats=[ANN])

    assert [m["text"] for m in first["chats"][0]["messages"]] == ["/start"]
    assert [m["text"] for m in after_send["chats"][0]["messages"]] == ["Balance: 10"]
    [edited] = after_edit["chats"][0]["messages"]
    assert (edited["text"], edited["edited"], edited["version"]) == ("Balance: 20", True, 2)
    [deleted] = after_delete["chats"][0]["messages"]
    assert deleted["deleted"] is True
    assert await sb.feed(after=after_delete["seq"], chats=[ANN]) == {
        "seq": after_delete["seq"],
        "epoch": first["epoch"],
        "chats": [],
    }


async def test_the_feed_long_polls_until_something_changes(bot, sb):
    await sb.start(ANN)
    now = await sb.feed(chats=[ANN])
    waiting = asyncio.create_task(sb.feed(after=now["seq"], wait=10, chats=[ANN]))
    await asyncio.sleep(0.05)
    assert not waiting.done()

    await bot.send_message(ANN, "hello")

    fed = await asyncio.wait_for(waiting, 5)
    assert [m["text"] for m in fed["chats"][0]["messages"]] == ["hello"]


async def test_the_feed_shows_a_reply_keyboard_and_its_collapse(bot, sb):
    await sb.start(ANN)
    await bot.send_message(ANN, "Menu", reply_markup=phone_keyboard())
    shown = await sb.feed(chats=[ANN])

    await sb.press_keyboard(ANN, "Help")
    collapsed = await sb.feed(after=shown["seq"], chats=[ANN])

    assert shown["chats"][0]["reply_keyboard"]["one_time_keyboard"] is True
    assert shown["chats"][0]["keyboard_collapsed"] is False
    assert collapsed["chats"][0]["keyboard_collapsed"] is True
    assert collapsed["chats"][0]["reply_keyboard"] == shown["chats"][0]["reply_keyboard"]


async def test_a_reset_starts_a_new_epoch(sb):
    before = await sb.feed()

    await sb.reset()

    assert (await sb.feed())["epoch"] == before["epoch"] + 1


# Personas -----------------------------------------------------------------------------------


async def test_default_personas_are_created_with_an_admin_group_and_a_channel(bot, sb):
    cast = await sb.personas()

    roles = {p["user_id"]: p["role"] for p in cast["personas"]}
    assert sorted(roles.values()) == ["cashier", "customer", "customer", "owner"]
    owner = next(p for p in cast["personas"] if p["role"] == "owner")
    assert owner["chat_id"] == ADMIN_CHAT_ID
    assert {c["id"] for c in owner["chats"]} == {OLGA, ADMIN_CHAT_ID}
    assert [c["id"] for c in cast["channels"]] == [CHANNEL_ID]
    assert (await bot.get_chat_member(ADMIN_CHAT_ID, OLGA)).status == "creator"
    added = [u.my_chat_member for u in await drain(bot) if u.my_chat_member]
    assert [(m.chat.id, m.new_chat_member.status) for m in added] == [
        (ADMIN_CHAT_ID, "administrator")
    ]
    await sb.join(ANNA, CHANNEL_ID)
    anna = next(p for p in (await sb.personas())["personas"] if p["user_id"] == ANNA)
    assert anna["channels_joined"] == [CHANNEL_ID]


async def test_personas_can_be_replaced_and_survive_a_reset(sb):
    group = {"id": -1000000000777, "title": "Staff", "owner_id": 7, "members": [8]}
    cast = await sb.set_personas(
        [
            {"user_id": 7, "first_name": "Boss", "role": "owner", "chat_id": group["id"]},
            {"user_id": 8, "first_name": "Till", "role": "cashier", "phone_number": "+1555"},
        ],
        [group],
    )

    assert [p["first_name"] for p in cast["personas"]] == ["Boss", "Till"]
    await sb.reset()
    till = await sb.user(8)
    assert (till["first_name"], till["phone_number"]) == ("Till", "+1555")
    assert (await sb.chat(group["id"]))["members"]["7"] == "creator"
    with pytest.raises(SandboxError, match="role must be one of"):
        await sb.set_personas([{"user_id": 9, "first_name": "X", "role": "wizard"}])
    with pytest.raises(SandboxError, match="unique"):
        await sb.set_personas(
            [{"user_id": 9, "first_name": "X"}, {"user_id": 9, "first_name": "Y"}]
        )


# Scanning a QR card -------------------------------------------------------------------------


async def test_scanning_sends_the_cards_deep_link_as_the_cashier(bot, sb):
    await sb.start(ANN)
    await bot.send_message(ANN, "Old card: https://t.me/sandbox42_bot?start=c_OLD")
    await bot.send_photo(
        ANN,
        BufferedInputFile(tiny_png(), "card.png"),
        caption="Show this at the till: https://t.me/sandbox42_bot?start=c_TOKEN-123",
    )
    await drain(bot)

    scanned = await sb.scan(CASHIER, ANN)

    assert scanned["payload"] == "c_TOKEN-123"
    [update] = await drain(bot)
    message = update.message
    assert (message.from_user.id, message.chat.id) == (CASHIER, CASHIER)
    assert message.text == "/start c_TOKEN-123"
    assert message.entities[0].type == "bot_command"


async def test_scanning_finds_the_link_in_a_button_or_a_text_link(bot, sb):
    await sb.start(ANN)
    button = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Open", url="https://t.me/sandbox42_bot?start=c_BTN")]
        ]
    )
    await bot.send_photo(ANN, BufferedInputFile(tiny_png(), "card.png"), reply_markup=button)
    assert (await sb.scan(CASHIER, ANN))["payload"] == "c_BTN"

    await bot.send_message(
        ANN, '<a href="https://t.me/sandbox42_bot?start=c_LINK">your card</a>', parse_mode="HTML"
    )
    assert (await sb.scan(CASHIER, ANN))["payload"] == "c_LINK"


async def test_scanning_ignores_other_bots_and_other_payloads(bot, sb):
    await sb.start(ANN)
    await bot.send_message(
        ANN, "https://t.me/other_bot?start=c_X https://t.me/sandbox42_bot?start=r_1"
    )

    with pytest.raises(SandboxError, match=r"sent no t\.me/sandbox42_bot\?start=c_"):
        await sb.scan(CASHIER, ANN)
    assert (await sb.start_link(ANN, prefix="r_"))["payload"] == "r_1"


# Mini Apps ----------------------------------------------------------------------------------


async def test_an_inline_web_app_button_launches_with_init_data_the_bot_can_verify(bot, sb):
    await sb.start(ANN)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Card", web_app=WebAppInfo(url="https://app.test/card"))]
        ]
    )
    sent = await bot.send_message(ANN, "Open your card", reply_markup=keyboard)

    launch = await sb.open_web_app(ANN, message_id=sent.message_id, start_param="promo")

    data = safe_parse_webapp_init_data(TOKEN, launch["init_data"])
    assert (data.user.id, data.user.first_name, data.start_param) == (ANN, "Ann", "promo")
    assert data.query_id and data.chat_type == "private" and data.chat_instance
    assert launch["url"] == "https://app.test/card"
    fragment = parse_qs(urlsplit(launch["launch_url"]).fragment)
    assert fragment["tgWebAppData"] == [launch["init_data"]]
    assert not check_webapp_signature("42:ANOTHER-TOKEN", launch["init_data"])
    tampered = launch["init_data"].replace("Ann", "Eve")
    assert not check_webapp_signature(TOKEN, tampered)


async def test_keyboard_and_menu_web_apps(bot, sb):
    await sb.start(ANN)
    await bot.send_message(ANN, "Menu", reply_markup=phone_keyboard())
    await bot.set_chat_menu_button(
        chat_id=ANN,
        menu_button=MenuButtonWebApp(text="Shop", web_app=WebAppInfo(url="https://app.test/shop")),
    )

    from_keyboard = await sb.open_web_app(ANN, button_text="Scanner")
    from_menu = await sb.open_web_app(ANN, menu=True)

    keyboard_data = safe_parse_webapp_init_data(TOKEN, from_keyboard["init_data"])
    assert (from_keyboard["url"], keyboard_data.query_id) == ("https://app.test/scan", None)
    assert from_menu["url"] == "https://app.test/shop"
    assert safe_parse_webapp_init_data(TOKEN, from_menu["init_data"]).query_id
    with pytest.raises(SandboxError, match="no reply keyboard web_app button 'Help'"):
        await sb.open_web_app(ANN, button_text="Help")
    with pytest.raises(SandboxError, match="menu button does not open a Mini App"):
        await sb.open_web_app(BOB, menu=True)


async def test_a_web_app_button_must_exist(bot, sb):
    await sb.start(ANN)
    sent = await bot.send_message(ANN, "No buttons here")

    with pytest.raises(SandboxError, match="no such web_app button"):
        await sb.open_web_app(ANN, message_id=sent.message_id)


async def test_web_app_data_from_a_keyboard_mini_app_reaches_the_bot(bot, sb):
    await sb.start(ANN)
    await bot.send_message(ANN, "Menu", reply_markup=phone_keyboard())
    await drain(bot)

    await sb.send_web_app_data(ANN, '{"amount": 500}')

    [update] = await drain(bot)
    assert update.message.web_app_data.data == '{"amount": 500}'
    assert update.message.web_app_data.button_text == "Scanner"


# Groups through the personas ----------------------------------------------------------------


async def test_the_owner_sees_what_the_bot_posts_in_the_admin_group(bot, sb):
    await sb.personas()
    before = await sb.feed(chats=[ADMIN_CHAT_ID])

    await sb.send_to_group(ADMIN_CHAT_ID, OLGA, "/report")
    await bot.send_message(ADMIN_CHAT_ID, "Today: 12 purchases")

    fed = await sb.feed(after=before["seq"], chats=[ADMIN_CHAT_ID])
    messages = fed["chats"][0]["messages"]
    assert [(m["from"]["id"], m["text"]) for m in messages] == [
        (OLGA, "/report"),
        (42, "Today: 12 purchases"),
    ]


def test_the_default_cast_has_fixed_ids_a_bot_can_be_configured_with():
    ids = {p.role: p.user_id for p in DEFAULT_CAST.personas}
    assert ids["owner"] == OLGA and ids["cashier"] == CAROL
    assert ADMIN_CHAT_ID in {c.id for c in DEFAULT_CAST.chats}


async def test_a_user_cannot_press_buttons_in_someone_elses_private_chat(bot, sb):
    await sb.start(ANN)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Redeem", callback_data="redeem:1")],
            [InlineKeyboardButton(text="Card", web_app=WebAppInfo(url="https://app.test/card"))],
        ]
    )
    sent = await bot.send_message(ANN, "Confirm", reply_markup=keyboard)

    with pytest.raises(SandboxError, match="their own private chat"):
        await sb.press(BOB, sent.message_id, "redeem:1", chat_id=ANN, wait=0)
    with pytest.raises(SandboxError, match="their own private chat"):
        await sb.open_web_app(BOB, message_id=sent.message_id, chat_id=ANN)
