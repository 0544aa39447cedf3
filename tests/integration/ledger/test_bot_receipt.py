"""The customer's purchase receipt, as the outbox sender renders it: the check and the balance
in the member's language and the program's currency, the way to the next tier, and the
congratulations on an upgrade."""

from __future__ import annotations

import html

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import TierChange
from bot.bootstrap import build_sender
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import inline_data, join, last, press, say
from tests.integration.staff.test_till import CASHIER, card_token, hire
from tests.kit.telegram import user

BOB = user(1002, "Bob", "en")


async def buy(app: BotUnderTest, member_id: int, amount: str) -> None:
    await say(app, CASHIER, f"/start c_{card_token(app, member_id)}")
    buy = next(d for d in inline_data(last(app)) if d.startswith("till:buy:"))
    await press(app, CASHIER, buy)
    await say(app, CASHIER, amount)
    await press(app, CASHIER, "till-cat:food")
    await press(app, CASHIER, "till:no-receipt")
    await press(app, CASHIER, "till:confirm")


async def receipts_to(app: BotUnderTest, chat_id: int) -> list[str]:
    sender = build_sender(app.container)
    await sender.start()
    try:
        await sender.wait_idle()
    finally:
        await sender.stop()
    return [
        html.unescape(request.text).replace("\xa0", " ")
        for request in app.session.sent("SendMessage")
        if request.chat_id == chat_id and request.text.startswith("Thank you for your purchase")
    ]


async def test_the_receipt_shows_the_way_to_the_next_tier(app: BotUnderTest) -> None:
    await join(app, BOB, "+79990000002")
    member = await Member.get(telegram_id=BOB.id)
    await hire(app, CASHIER)

    await buy(app, member.id, "1000")

    assert await receipts_to(app, BOB.id) == [
        "Thank you for your purchase of 1,000 ₽! Points earned: 30. Balance: 130.\n"
        "14,000 ₽ more to Gold."
    ]


async def test_the_receipt_congratulates_on_a_tier_upgrade(app: BotUnderTest) -> None:
    await join(app, BOB, "+79990000002")
    member = await Member.get(telegram_id=BOB.id)
    await hire(app, CASHIER)

    # 15 000 ₽ reaches gold: earned at silver's 3 %, the upgrade at once.
    await buy(app, member.id, "15000")

    assert await receipts_to(app, BOB.id) == [
        "Thank you for your purchase of 15,000 ₽! Points earned: 450. Balance: 550.\n"
        "🎉 You are now Gold!\n"
        "35,000 ₽ more to Platinum."
    ]
    assert (await Member.get(id=member.id)).tier_code == "gold"
    assert await TierChange.filter(member_id=member.id, to_tier="gold").count() == 1
