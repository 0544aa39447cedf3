"""The till's "ask the customer": after a recorded purchase the cashier pushes the open survey
to the customer, credited to the cashier like their `sv_` link; once; only their purchase."""

from __future__ import annotations

import asyncio

from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.models.surveys import PurchaseRating, SurveyResponse
from bot.domain.errors import InvalidInput
from bot.domain.staff import Actor, Role
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import alerts, inline_data, last, press, say
from tests.integration.staff.test_till import CASHIER, anna, hire, scan
from tests.integration.surveys.test_surveys import ANNA, answer, complete
from tests.kit.clock import FixedClock
from tests.kit.telegram import user

DAN = user(2002, "Dan", "en")


async def record_purchase(app: BotUnderTest, member: Member) -> list[str]:
    """The cashier's whole purchase conversation; the buttons under "recorded"."""
    await press(app, CASHIER, await scan(app, member.id))
    await say(app, CASHIER, "450")
    await press(app, CASHIER, "till-cat:food")
    await press(app, CASHIER, "till:no-receipt")
    await press(app, CASHIER, "till:confirm")
    recorded = last(app, "EditMessageText")
    return inline_data(recorded) if recorded.reply_markup else []


async def invitations(member: Member) -> list[OutboxMessage]:
    return await OutboxMessage.filter(member_id=member.id, content_key="survey-invite")


async def test_the_cashier_asks_once_and_the_answers_are_credited_to_them(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    buttons = await record_purchase(app, member)
    purchase = await Purchase.get(member_id=member.id)
    assert buttons == [f"till-sv:{purchase.id}:visit"]

    await press(app, CASHIER, buttons[0])
    assert app.session.sent("AnswerCallbackQuery")[-1].text == (
        "The survey invitation has been sent to the customer."
    )
    await press(app, CASHIER, buttons[0])  # pressed twice
    assert alerts(app)[-1] == "The customer has already been asked to answer this survey."

    [invite] = await invitations(member)
    assert invite.kind == "transactional"
    assert invite.buttons == [[{"text": "survey-open", "callback_data": "svo:visit"}]]
    staff = await Staff.get(telegram_id=CASHIER.id)
    response = await SurveyResponse.get(member_id=member.id)
    assert response.staff_id == staff.id and response.completed_at is None

    # The customer answers from the invitation; the completed response stays the cashier's.
    await press(app, ANNA, "svo:visit")
    await complete(app)
    response = await SurveyResponse.get(member_id=member.id)
    assert response.completed_at is not None and response.staff_id == staff.id
    # The default program asks for no post-purchase rating.
    assert not await PurchaseRating.exists()


async def test_only_the_cashier_who_recorded_the_purchase_can_ask(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await hire(app, DAN)
    [button] = await record_purchase(app, member)
    await press(app, DAN, button)
    assert alerts(app)[-1] == "This is not a purchase you recorded."
    purchase = await Purchase.get(member_id=member.id)
    await press(app, CASHIER, f"till-sv:{purchase.id + 1}:visit")  # crafted: no such purchase
    assert alerts(app)[-1] == "This is not a purchase you recorded."
    await press(app, CASHIER, f"till-sv:{purchase.id}:nosuch")  # crafted: no such survey
    assert alerts(app)[-1].startswith("The customer has no open survey")
    await press(app, ANNA, button)  # the customer themselves
    assert await invitations(member) == []
    assert not await SurveyResponse.exists()


async def test_no_button_once_the_customer_answered_and_a_stale_one_sends_nothing(
    app: BotUnderTest, clock: FixedClock
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    [button] = await record_purchase(app, member)
    await say(app, ANNA, "/surveys")
    await press(app, ANNA, "svo:visit")
    await complete(app)

    clock.advance(minutes=1)  # a fresh card token
    assert await record_purchase(app, member) == []
    await press(app, CASHIER, button)  # the first purchase's button, pressed late
    assert alerts(app)[-1].startswith("The customer has no open survey")
    assert await invitations(member) == []
    response = await SurveyResponse.get(member_id=member.id)
    assert response.staff_id is None


async def test_a_survey_the_customer_started_alone_is_credited_to_the_asking_cashier(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await say(app, ANNA, "/surveys")
    await press(app, ANNA, "svo:visit")
    await answer(app, "drink", "tea")
    [button] = await record_purchase(app, member)
    await press(app, CASHIER, button)
    assert len(await invitations(member)) == 1
    response = await SurveyResponse.get(member_id=member.id)
    staff = await Staff.get(telegram_id=CASHIER.id)
    assert (response.staff_id, response.position) == (staff.id, 1)


async def test_two_presses_at_once_send_one_invitation(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await record_purchase(app, member)
    purchase = await Purchase.get(member_id=member.id)
    staff = await Staff.get(telegram_id=CASHIER.id)
    actor = Actor(CASHIER.id, Role.CASHIER, staff.id)
    surveys = app.container.services.surveys
    outcomes = await asyncio.gather(
        *(surveys.ask_customer(actor, purchase.id, "visit") for _ in range(4)),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, InvalidInput)]
    assert len(refused) == 3 and all(o.details["reason"] == "survey-ask-sent" for o in refused)
    assert len(await invitations(member)) == 1
