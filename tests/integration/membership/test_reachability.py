"""Blocking the bot marks the member unreachable; unblocking makes them reachable again."""

from __future__ import annotations

from bot.adapters.db.models.core import Member
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import bot_status_update, feed, join, say
from tests.kit.telegram import user


async def reachable(telegram_id: int) -> bool:
    return (await Member.get(telegram_id=telegram_id)).reachable


async def test_blocking_marks_the_member_unreachable_and_unblocking_reachable(
    app: BotUnderTest,
) -> None:
    anna = user(1301, "Anna", "ru")
    await join(app, anna, "+79990001301")
    assert await reachable(1301)
    app.session.clear()

    await feed(app, bot_status_update(anna, "member", "kicked"))
    assert not await reachable(1301)

    await feed(app, bot_status_update(anna, "kicked", "member"))
    assert await reachable(1301)
    # A blocked bot cannot write, and unblocking is not a reason to.
    assert app.session.requests == []


async def test_a_member_still_joining_is_marked_too(app: BotUnderTest) -> None:
    boris = user(1302, "Boris", "en")
    await feed(app, bot_status_update(boris, "member", "kicked"))  # a stranger: nothing to mark
    assert await Member.filter(telegram_id=1302).count() == 0

    await feed(app, bot_status_update(boris, "kicked", "member"))
    assert await Member.filter(telegram_id=1302).count() == 0
    await say(app, boris, "/start")
    await feed(app, bot_status_update(boris, "member", "kicked"))
    row = await Member.get(telegram_id=1302)
    assert (row.status, row.reachable) == ("joining", False)


async def test_the_bot_leaving_a_group_changes_no_member(app: BotUnderTest) -> None:
    anna = user(1303, "Anna", "ru")
    await join(app, anna, "+79990001303")

    # Anna removes the bot from a group she administers: not a private chat, not a block.
    await feed(app, bot_status_update(anna, "member", "kicked", chat_type="supergroup"))

    assert await reachable(1303)
