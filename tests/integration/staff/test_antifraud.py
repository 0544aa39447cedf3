"""Velocity limits on recorded purchases, the admin alert, and the audit log of staff actions,
through the real dispatcher."""

from __future__ import annotations

import html
from dataclasses import replace

import pytest

from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.models.staff import AuditEntry
from bot.bootstrap import card_secret
from bot.domain.card_token import card_code_for
from bot.domain.program import Program
from tests.conftest import ADMIN_CHAT_ID, BotUnderTest
from tests.integration.membership.helpers import alerts, inline_data, join, last, press, say
from tests.integration.staff.test_till import CASHIER, anna, card_token, hire
from tests.kit.telegram import user

BORIS = user(1002, "Boris", "ru")


@pytest.fixture
def program(program: Program) -> Program:
    """The example program with a staff limit small enough to reach in a test."""
    return replace(program, limits=replace(program.limits, operations_per_staff_per_hour=4))


async def buy(app: BotUnderTest, member_id: int, amount: str = "450") -> None:
    app.container.clock.advance(seconds=1)  # type: ignore[attr-defined]  # a fresh card token
    await say(app, CASHIER, f"/start c_{card_token(app, member_id)}")
    buy_button = next(d for d in inline_data(last(app)) if d.startswith("till:buy:"))
    await press(app, CASHIER, buy_button)
    await say(app, CASHIER, amount)
    await press(app, CASHIER, "till-cat:food")
    await press(app, CASHIER, "till:no-receipt")
    await press(app, CASHIER, "till:confirm")


def admin_alerts(app: BotUnderTest) -> list[str]:
    """What the bot posted to the admin chat on its own (not the replies to /invite there)."""
    return [
        html.unescape(m.text)
        for m in app.session.sent("SendMessage")
        if m.chat_id == ADMIN_CHAT_ID and "start=inv_" not in m.text
    ]


async def test_a_fourth_purchase_for_one_customer_within_an_hour_is_refused(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    for _ in range(3):
        await buy(app, member.id)
    assert await Purchase.filter(member_id=member.id).count() == 3
    assert admin_alerts(app) == []

    await buy(app, member.id)
    assert alerts(app)[-1] == (
        "Refused: this customer already had 3 purchases in the last hour, the most allowed."
        " The owner has been notified."
    )
    assert await Purchase.filter(member_id=member.id).count() == 3
    code = (await Staff.get(telegram_id=CASHIER.id)).code
    assert admin_alerts(app) == [  # in the program's default language
        f"⚠️ Лимит частоты: у участника №{member.id} уже 3 покупки за последний час"
        f" (предел 3); Carol (код {code}) пытался записать ещё одну. Отказано."
    ]
    refusal = await AuditEntry.get(action="refusal")
    assert (refusal.member_id, refusal.details["reason"]) == (member.id, "member-velocity")
    assert refusal.actor_telegram_id == CASHIER.id

    app.container.clock.advance(minutes=61)  # type: ignore[attr-defined]
    await buy(app, member.id)
    assert await Purchase.filter(member_id=member.id).count() == 4


async def test_a_cashier_over_the_hourly_limit_is_refused_and_the_owner_alerted(
    app: BotUnderTest,
) -> None:
    first = await anna(app)
    await join(app, BORIS, "+79990000002")
    second = await Member.get(telegram_id=BORIS.id)
    await hire(app, CASHIER)
    for member_id in (first.id, second.id, first.id, second.id):
        await buy(app, member_id)
    assert await Purchase.all().count() == 4

    await buy(app, first.id)
    assert alerts(app)[-1].startswith("Refused: you have recorded 4 purchases in the last hour")
    assert await Purchase.all().count() == 4
    [alert] = admin_alerts(app)
    assert alert.startswith("⚠️ Лимит частоты: Carol (код ")
    assert "после 4 за последний час (предел 4)" in alert
    refusal = await AuditEntry.get(action="refusal")
    assert refusal.details["reason"] == "staff-velocity"


async def test_every_staff_action_is_in_the_audit_log(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    staff = await Staff.get(telegram_id=CASHIER.id)
    await buy(app, member.id)
    code = card_code_for(member.id, card_secret(app.container.settings))
    await say(app, CASHIER, f"/find {code}")
    redeem = next(d for d in inline_data(last(app)) if d.startswith("till:redeem:"))
    await press(app, CASHIER, redeem)
    await say(app, CASHIER, "500")

    rows = await AuditEntry.filter(staff_id=staff.id).order_by("id")
    assert [row.action for row in rows] == ["join", "scan", "purchase", "lookup", "redeem-request"]
    assert all(row.actor_telegram_id == CASHIER.id for row in rows)
    purchase = await Purchase.get(member_id=member.id)
    scan = rows[1].details["scan"]
    assert rows[2].details == {"purchase": purchase.id, "amount": 45_000, "scan": scan}
