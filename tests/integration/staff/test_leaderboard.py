"""The staff leaderboard on planted data: members registered through each staff member's `st_`
link and purchases they recorded, this week only; `/top` and the weekly post."""

from __future__ import annotations

import html

from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.surveys import SurveyResponse
from bot.domain.ledger_records import LedgerActor
from bot.scheduler.jobs import post_weekly_leaderboard
from tests.conftest import ADMIN_CHAT_ID, BotUnderTest
from tests.integration.membership.helpers import join, say, texts
from tests.integration.staff.test_till import CASHIER, STRANGER, hire
from tests.kit.telegram import user

DAN = user(2002, "Dan", "en")
EVE = user(2003, "Eve", "en")


async def plant(app: BotUnderTest) -> None:
    """Carol: 1 member and 1 purchase 8 days ago, then 2 members and 1 purchase this week;
    Dan: 1 member and 2 purchases this week; Eve: nothing."""
    for person in (CASHIER, DAN, EVE):
        await hire(app, person)
    carol = await Staff.get(telegram_id=CASHIER.id)
    dan = await Staff.get(telegram_id=DAN.id)
    ledger = app.container.services.ledger
    phones = iter(f"+7999000{n:04d}" for n in range(1, 100))
    customers = iter(user(3000 + n, f"Guest{n}", "ru") for n in range(1, 100))

    async def registers(staff: Staff) -> int:
        customer = next(customers)
        await join(app, customer, next(phones), payload=f"st_{staff.code}")
        return (await Member.get(telegram_id=customer.id)).id

    async def records(staff: Staff, member_id: int, key: str) -> None:
        await ledger.record_purchase(member_id, 45_000, "food", key, LedgerActor.staff(staff.id))

    old = await registers(carol)
    await records(carol, old, "old")
    app.container.clock.advance(days=8)  # type: ignore[attr-defined]
    first = await registers(carol)
    await registers(carol)
    third = await registers(dan)
    await records(dan, first, "d1")
    await records(dan, third, "d2")
    await records(carol, third, "c1")
    eve = await Staff.get(telegram_id=EVE.id)
    await SurveyResponse.create(  # a survey completed through Eve's `sv_` link this week
        member_id=first,
        survey_id="visit",
        position=3,
        staff_id=eve.id,
        started_at=app.container.clock.now(),
        completed_at=app.container.clock.now(),
    )


async def test_top_shows_the_week_ranked_and_the_callers_place(app: BotUnderTest) -> None:
    await plant(app)
    await say(app, DAN, "/top")
    assert html.unescape(texts(app)[-1]).splitlines() == [
        "Staff leaderboard, last 7 days:",
        "1. Carol — members registered: 2, purchases: 1, surveys: 0",
        "2. Dan — members registered: 1, purchases: 2, surveys: 0",
        "3. Eve — members registered: 0, purchases: 0, surveys: 1",
        "Your place: 2 (members registered: 1, purchases: 2, surveys: 0)",
    ]


async def test_the_weekly_post_goes_to_the_admin_chat(app: BotUnderTest) -> None:
    await plant(app)
    clock = app.container.clock
    await post_weekly_leaderboard(app.container.services.leaderboards, clock.now())
    post = app.session.sent("SendMessage")[-1]
    assert post.chat_id == ADMIN_CHAT_ID
    assert html.unescape(post.text).splitlines() == [
        "Рейтинг сотрудников за неделю (7 дней):",
        "1. Carol — привели участников: 2, покупок: 1, опросов: 0",
        "2. Dan — привели участников: 1, покупок: 2, опросов: 0",
        "3. Eve — привели участников: 0, покупок: 0, опросов: 1",
    ]


async def test_top_is_for_staff_only(app: BotUnderTest) -> None:
    await say(app, STRANGER, "/top")
    assert texts(app)[-1] == "This command is for staff."
