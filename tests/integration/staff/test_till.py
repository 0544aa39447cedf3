"""The till through the real dispatcher: invites, scanning a card, recording a purchase."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from aiogram.types import Chat, Update, User

from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.models.staff import AuditEntry, CardScan
from bot.bootstrap import card_secret
from bot.domain.card_token import card_code_for, issue_card_token
from tests.conftest import ADMIN_CHAT_ID, OWNER_ID, BotUnderTest
from tests.integration.membership.helpers import feed, inline_data, join, last, press, say, texts
from tests.kit.telegram import text_update, user

OWNER = user(OWNER_ID, "Olga", "ru")
CASHIER = user(2001, "Carol", "en")
ANNA = user(1001, "Anna", "ru")
STRANGER = user(1500, "Sam", "en")


async def in_admin_chat(app: BotUnderTest, sender: User, text: str) -> None:
    update = text_update(sender, text)
    assert update.message is not None
    message = update.message.model_copy(
        update={"chat": Chat(id=ADMIN_CHAT_ID, type="supergroup", title="Owners")}
    )
    await feed(app, Update(update_id=update.update_id, message=message))


async def hire(app: BotUnderTest, person: User, role: str = "cashier") -> None:
    await in_admin_chat(app, OWNER, f"/invite {role}")
    link = re.search(r"start=(inv_[\w-]+)", html.unescape(last(app).text))
    assert link, last(app).text
    await say(app, person, f"/start {link.group(1)}")


def card_token(app: BotUnderTest, member_id: int, minutes_ago: int = 0) -> str:
    now = app.container.clock.now() - timedelta(minutes=minutes_ago)
    return issue_card_token(member_id, now, card_secret(app.container.settings))


async def anna(app: BotUnderTest) -> Member:
    await join(app, ANNA, "+79990000001")
    return await Member.get(telegram_id=ANNA.id)


async def test_an_owner_invites_a_cashier_once(app: BotUnderTest) -> None:
    await hire(app, CASHIER)
    staff = await Staff.get(telegram_id=CASHIER.id)
    assert (staff.role, staff.active) == ("cashier", True)
    assert "cashier" in texts(app)[-1]

    link = re.search(r"start=(inv_[\w-]+)", html.unescape(app.session.texts()[-2]))
    assert link
    await say(app, STRANGER, f"/start {link.group(1)}")
    assert "not valid" in texts(app)[-1]
    assert await Staff.filter(telegram_id=STRANGER.id).count() == 0


async def test_a_cashier_cannot_invite_and_a_stranger_gets_nothing(app: BotUnderTest) -> None:
    await hire(app, CASHIER)
    await say(app, CASHIER, "/invite manager")
    await say(app, STRANGER, "/invite cashier")
    assert texts(app)[-2:] == ["You are not allowed to do this."] * 2


async def test_an_expired_invite_is_refused(app: BotUnderTest) -> None:
    await in_admin_chat(app, OWNER, "/invite cashier")
    link = re.search(r"start=(inv_[\w-]+)", html.unescape(last(app).text))
    assert link
    app.container.clock.advance(hours=25)  # type: ignore[attr-defined]
    await say(app, CASHIER, f"/start {link.group(1)}")
    assert await Staff.filter(telegram_id=CASHIER.id).count() == 0


async def test_scan_shows_the_card_view_without_phone_or_full_name(app: BotUnderTest) -> None:
    member = await anna(app)
    await Member.filter(id=member.id).update(last_name="Karenina")
    await hire(app, CASHIER)
    await say(app, CASHIER, f"/start c_{card_token(app, member.id)}")
    view = html.unescape(last(app).text)
    assert "Anna K." in view and "Karenina" not in view and "+7999" not in view
    assert "Silver" in view and "100 points" in view
    assert await CardScan.filter(member_id=member.id).count() == 1


async def test_a_non_staff_user_opening_a_card_learns_nothing(app: BotUnderTest) -> None:
    member = await anna(app)
    await say(app, STRANGER, f"/start c_{card_token(app, member.id)}")
    reply = texts(app)[-1]
    assert "Anna" not in reply and "100" not in reply
    assert reply == "This is a loyalty program member's card link. A cashier scans it at the till."
    assert await CardScan.all().count() == 0


async def test_replayed_expired_and_forged_tokens_are_refused(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    token = card_token(app, member.id)
    await say(app, CASHIER, f"/start c_{token}")
    await say(app, CASHIER, f"/start c_{token}")
    assert "already used" in texts(app)[-1]
    await say(app, CASHIER, f"/start c_{card_token(app, member.id, minutes_ago=6)}")
    assert "expired" in texts(app)[-1]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    await say(app, CASHIER, f"/start c_{forged}")
    assert "not valid" in texts(app)[-1]
    assert await CardScan.all().count() == 1


async def test_a_card_of_a_member_who_deleted_their_data_no_longer_works(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    token = card_token(app, member.id)  # a screenshot taken before /forget
    await say(app, ANNA, "/forget")
    await press(app, ANNA, "data:forget:yes")
    assert (await Member.get(id=member.id)).status == "forgotten"

    await say(app, CASHIER, f"/start c_{token}")
    assert texts(app)[-1] == "Member not found."
    assert await CardScan.all().count() == 0


async def scan(app: BotUnderTest, member_id: int) -> str:
    await say(app, CASHIER, f"/start c_{card_token(app, member_id)}")
    buy = next(d for d in inline_data(last(app)) if d.startswith("till:buy:"))
    return buy


async def test_scan_then_purchase_then_receipt(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await press(app, CASHIER, await scan(app, member.id))
    await say(app, CASHIER, "1 200,50")
    await press(app, CASHIER, "till-cat:coffee")
    await say(app, CASHIER, "A-1001")
    assert "1,200.50" in html.unescape(last(app).text)  # the summary, in the cashier's English
    await press(app, CASHIER, "till:confirm")

    purchase = await Purchase.get(member_id=member.id)
    # 1 200.50 ₽ at 3 % (silver) x2 (coffee) = 72.03 -> 72 points
    assert (purchase.amount, purchase.category, purchase.points_earned) == (120_050, "coffee", 72)
    assert (await Member.get(id=member.id)).balance == 100 + 72
    receipt = await OutboxMessage.filter(
        member_id=member.id, content_key="receipt-purchase"
    ).first()
    assert receipt is not None and receipt.kind == "transactional"
    edited = app.session.sent("EditMessageText")[-1]
    assert "72 points" in edited.text
    assert await AuditEntry.filter(action="scan", member_id=member.id).count() == 1


async def test_malformed_amounts_are_refused_and_change_nothing(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await press(app, CASHIER, await scan(app, member.id))
    for typed, answer in [
        ("0", "greater than zero"),
        ("-5", "greater than zero"),
        ("100000.01", "above the limit"),
        ("450.505", "two digits"),
        ("four hundred", "not an amount"),
    ]:
        await say(app, CASHIER, typed)
        assert answer in texts(app)[-1], typed
    assert await Purchase.all().count() == 0


async def test_one_scan_serves_one_operation(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    buy = await scan(app, member.id)
    for _ in range(2):
        await press(app, CASHIER, buy)
        await say(app, CASHIER, "450")
        await press(app, CASHIER, "till-cat:food")
        await press(app, CASHIER, "till:no-receipt")
        await press(app, CASHIER, "till:confirm")
    assert await Purchase.filter(member_id=member.id).count() == 1


async def test_callback_data_naming_another_scan_is_refused(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    buy = await scan(app, member.id)
    other = user(2002, "Dan", "en")
    await hire(app, other)
    await press(app, other, buy)
    await say(app, other, "450")
    await press(app, other, "till-cat:food")
    await press(app, other, "till:no-receipt")
    await press(app, other, "till:confirm")
    assert await Purchase.all().count() == 0


async def test_a_removed_cashier_is_refused_at_once(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    staff = await Staff.get(telegram_id=CASHIER.id)
    await in_admin_chat(app, OWNER, "/staff")
    assert f"staff-rm:{staff.id}" in inline_data(last(app))
    await press(app, OWNER, f"staff-rm:{staff.id}")
    assert not (await Staff.get(id=staff.id)).active
    await say(app, CASHIER, f"/start c_{card_token(app, member.id)}")
    assert "cashier scans it" in texts(app)[-1]
    assert await CardScan.all().count() == 0


async def test_find_by_card_code_and_by_phone(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    code = card_code_for(member.id, card_secret(app.container.settings))
    await say(app, CASHIER, f"/find {code[:3]} {code[3:]}")
    assert "Anna" in html.unescape(last(app).text)
    await say(app, CASHIER, "/find 8 999 000-00-01")
    assert "not found" in texts(app)[-1].lower()  # a different number: 8... is not +7...
    await say(app, CASHIER, "/find +7 999 000 00 01")
    assert "Anna" in html.unescape(last(app).text)
    await say(app, STRANGER, f"/find {code}")
    assert "Anna" not in texts(app)[-1]
