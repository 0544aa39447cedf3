"""Command menus: set per language at start-up for customers and admin chats; a staff member's
chat gets its own menu when they join the staff and loses it when they are removed."""

from __future__ import annotations

from typing import Any

from aiogram.types import BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.adapters.db.models.core import Staff
from tests.conftest import ADMIN_CHAT_ID, BotUnderTest
from tests.integration.membership.helpers import press, say
from tests.integration.staff.test_till import OWNER, hire, in_admin_chat
from tests.kit.telegram import user

CUSTOMER = ["start", "card", "balance", "offers", "history", "gift", "surveys", "friends"]
CUSTOMER += ["channel", "settings", "language"]
CUSTOMER += ["stop", "mydata", "forget", "help"]


def menus(app: BotUnderTest) -> dict[tuple[str, int | None, str | None], dict[str, str]]:
    """(scope type, chat id, language code) -> {command: description}, as sent."""
    found = {}
    for request in app.session.sent("SetMyCommands"):
        scope: Any = request.scope
        key = (scope.type, getattr(scope, "chat_id", None), request.language_code)
        found[key] = {c.command: c.description for c in request.commands}
    return found


async def test_startup_sets_customer_and_admin_menus_in_every_language(app: BotUnderTest) -> None:
    await app.container.dispatcher.emit_startup(bot=app.container.bot)

    sent = menus(app)
    assert set(sent) == {
        ("all_private_chats", None, "ru"),
        ("all_private_chats", None, "en"),
        ("all_private_chats", None, None),
        ("chat", ADMIN_CHAT_ID, "ru"),
        ("chat", ADMIN_CHAT_ID, "en"),
        ("chat", ADMIN_CHAT_ID, None),
    }
    assert list(sent[("all_private_chats", None, "ru")]) == CUSTOMER
    assert sent[("all_private_chats", None, "ru")]["card"] == "Моя карта: QR-код для кассы"
    assert sent[("all_private_chats", None, "en")]["card"] == "My card: the QR code for the till"
    # Clients in another language get the default locale's (ru) menu.
    assert sent[("all_private_chats", None, None)] == sent[("all_private_chats", None, "ru")]
    assert list(sent[("chat", ADMIN_CHAT_ID, "en")]) == [
        "broadcast",
        "campaigns",
        "stats",
        "review",
        "program",
        "reload",
        "export",
        "staff",
        "invite",
        "certificates",
        "adjust",
        "survey_results",
        "survey_push",
        "ratings",
        "settlement",
        "apikeys",
        "apikey_revoke",
    ]
    assert sent[("chat", ADMIN_CHAT_ID, "en")]["staff"] == "Staff list"
    scopes = [r.scope for r in app.session.sent("SetMyCommands")]
    assert all(isinstance(s, BotCommandScopeAllPrivateChats | BotCommandScopeChat) for s in scopes)


async def test_every_menu_description_is_translated(app: BotUnderTest) -> None:
    await app.container.dispatcher.emit_startup(bot=app.container.bot)
    for request in app.session.sent("SetMyCommands"):
        for command in request.commands:
            assert 0 < len(command.description) <= 256
            assert not command.description.startswith("command-"), command


async def test_a_new_cashier_gets_the_staff_menu_and_loses_it_when_removed(
    app: BotUnderTest,
) -> None:
    carol = user(2101, "Carol", "en")
    await hire(app, carol)

    sent = menus(app)
    assert set(sent) == {("chat", 2101, "ru"), ("chat", 2101, "en"), ("chat", 2101, None)}
    assert list(sent[("chat", 2101, "en")]) == ["find", "scanner", "top", *CUSTOMER]
    assert app.session.sent("DeleteMyCommands") == []

    staff = await Staff.get(telegram_id=2101)
    await in_admin_chat(app, OWNER, "/staff")
    await press(app, OWNER, f"staff-rm:{staff.id}")

    deleted = app.session.sent("DeleteMyCommands")
    assert {(r.scope.chat_id, r.language_code) for r in deleted} == {
        (2101, "ru"),
        (2101, "en"),
        (2101, None),
    }


async def test_a_manager_menu_has_the_staff_commands(app: BotUnderTest) -> None:
    await hire(app, user(2102, "Mark", "en"), "manager")
    assert list(menus(app)[("chat", 2102, "ru")])[:5] == [
        "find",
        "scanner",
        "top",
        "staff",
        "invite",
    ]


async def test_a_refused_invite_sets_no_menu(app: BotUnderTest) -> None:
    await say(app, user(2103, "Sam", "en"), "/start inv_forged-token")
    assert app.session.sent("SetMyCommands") == []
