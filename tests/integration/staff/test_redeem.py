"""Redeeming points through the real dispatcher: the cashier scans and enters the check, the
customer confirms (or cancels, or lets it expire) in their own chat, the staff message shows the
outcome."""

from __future__ import annotations

import html
from typing import Any

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.models.staff import AuditEntry, CardScan, RedemptionRequest
from bot.domain.staff import redemption_callback
from bot.scheduler.jobs import expire_redemption_requests
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import alerts, inline_data, join, last, press, say
from tests.integration.staff.test_till import ANNA, CASHIER, anna, card_token, hire
from tests.kit.telegram import user

BORIS = user(1002, "Boris", "ru")


def plain(text: str) -> str:
    return html.unescape(text).replace("\xa0", " ")


async def ask_to_redeem(app: BotUnderTest, member_id: int, check: str = "500") -> str:
    """Scan the card, press Redeem points, type the check; the card view's redeem button."""
    await say(app, CASHIER, f"/start c_{card_token(app, member_id)}")
    redeem = next(d for d in inline_data(last(app)) if d.startswith("till:redeem:"))
    await press(app, CASHIER, redeem)
    await say(app, CASHIER, check)
    return redeem


async def the_request(member_id: int) -> RedemptionRequest:
    request = await RedemptionRequest.filter(member_id=member_id).order_by("-id").first()
    assert request is not None
    return request


def staff_edits(app: BotUnderTest) -> list[Any]:
    return [e for e in app.session.sent("EditMessageText") if e.chat_id == CASHIER.id]


async def balance(member_id: int) -> int:
    return (await Member.get(id=member_id)).balance


async def test_the_customer_confirms_and_the_points_move_once(app: BotUnderTest) -> None:
    member = await anna(app)  # 100 welcome points
    await hire(app, CASHIER)
    await ask_to_redeem(app, member.id, "500")

    # 30 % of 500 ₽ is 150 points; the balance caps it at 100 (100 ₽).
    asked = plain(last(app).text)
    assert "Anna can redeem 100 points: 100 ₽ off a check of 500 ₽" in asked
    request = await the_request(member.id)
    assert (request.points, request.check_amount, request.status) == (100, 50_000, "pending")
    assert request.staff_chat_id == CASHIER.id and request.staff_message_id is not None
    assert await balance(member.id) == 100  # nothing moves before the customer confirms

    prompt = await OutboxMessage.get(member_id=member.id, content_key="redeem-ask")
    assert prompt.kind == "transactional"
    assert [b["callback_data"] for b in prompt.buttons[0]] == [
        f"rdm:ok:{request.id}",
        f"rdm:no:{request.id}",
    ]

    await press(app, ANNA, redemption_callback(True, request.id))
    assert await balance(member.id) == 0
    assert (await the_request(member.id)).status == "confirmed"
    entry = await LedgerEntry.get(member_id=member.id, reason="redemption")
    assert entry.amount == -100
    assert "redemption-request" in entry.idempotency_key  # the key is the request's
    assert entry.idempotency_key.endswith(str(request.id))
    edit = staff_edits(app)[-1]
    assert edit.message_id == request.staff_message_id
    assert "100 points redeemed, a discount of 100 ₽ on a check of 500 ₽" in plain(edit.text)
    customer = [e for e in app.session.sent("EditMessageText") if e.chat_id == ANNA.id]
    assert plain(customer[-1].text) == "Готово! Списано 100 баллов: скидка 100 ₽. Баланс: 0 баллов."

    await press(app, ANNA, redemption_callback(True, request.id))  # a second press
    assert alerts(app)[-1] == "Это списание уже подтверждено."
    assert await balance(member.id) == 0
    assert await LedgerEntry.filter(member_id=member.id, reason="redemption").count() == 1

    actions = await AuditEntry.filter(member_id=member.id).values_list("action", flat=True)
    assert sorted(actions) == [
        "redeem-outcome",
        "redeem-request",
        "scan",
    ]
    scan = await CardScan.get(member_id=member.id)
    assert scan.operation == "redeem" and scan.used_at is not None


async def test_the_customer_cancels_and_nothing_moves(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await ask_to_redeem(app, member.id)
    request = await the_request(member.id)

    await press(app, ANNA, redemption_callback(False, request.id))
    assert (await the_request(member.id)).status == "cancelled"
    assert await balance(member.id) == 100
    assert "The customer declined" in plain(staff_edits(app)[-1].text)

    await press(app, ANNA, redemption_callback(True, request.id))  # changing their mind
    assert alerts(app)[-1] == "Это списание отменено."
    assert await balance(member.id) == 100


async def test_an_unanswered_request_expires_and_a_late_press_is_refused(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await ask_to_redeem(app, member.id)
    request = await the_request(member.id)
    services = app.container.services

    app.container.clock.advance(seconds=119)  # type: ignore[attr-defined]
    assert await expire_redemption_requests(services.till, app.container.clock.now()) == 0
    app.container.clock.advance(seconds=1)  # type: ignore[attr-defined]
    assert await expire_redemption_requests(services.till, app.container.clock.now()) == 1
    assert (await the_request(member.id)).status == "expired"
    assert "did not confirm in time" in plain(staff_edits(app)[-1].text)
    assert await expire_redemption_requests(services.till, app.container.clock.now()) == 0

    await press(app, ANNA, redemption_callback(True, request.id))
    assert alerts(app)[-1] == "Запрос устарел. Попросите кассира отправить новый."
    assert await balance(member.id) == 100
    assert len(staff_edits(app)) == 1  # the job showed it; the late press adds nothing


async def test_a_late_press_expires_the_request_without_any_job(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await ask_to_redeem(app, member.id)
    request = await the_request(member.id)

    app.container.clock.advance(minutes=2, seconds=1)  # type: ignore[attr-defined]
    await press(app, ANNA, redemption_callback(True, request.id))
    assert alerts(app)[-1] == "Запрос устарел. Попросите кассира отправить новый."
    assert (await the_request(member.id)).status == "expired"
    assert "did not confirm in time" in plain(staff_edits(app)[-1].text)
    assert await balance(member.id) == 100
    outcome = await AuditEntry.get(action="redeem-outcome", member_id=member.id)
    assert outcome.details == {"request": request.id, "outcome": "expired"}


async def test_a_forged_request_id_from_another_member_is_refused(app: BotUnderTest) -> None:
    member = await anna(app)
    await join(app, BORIS, "+79990000002")
    await hire(app, CASHIER)
    await ask_to_redeem(app, member.id)
    request = await the_request(member.id)

    # Boris edits his own button's callback data to name Anna's request.
    await press(app, BORIS, redemption_callback(True, request.id))
    await press(app, BORIS, redemption_callback(False, request.id))
    assert alerts(app)[-2:] == ["Этот запрос не ваш."] * 2
    await press(app, BORIS, redemption_callback(True, 987_654))  # no such request
    assert alerts(app)[-1] == "Этот запрос не ваш."
    assert (await the_request(member.id)).status == "pending"
    assert await balance(member.id) == 100
    assert staff_edits(app) == []

    await press(app, ANNA, redemption_callback(True, request.id))
    assert await balance(member.id) == 0


async def test_nothing_to_redeem_keeps_the_card_view_usable(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    redeem = await ask_to_redeem(app, member.id, "100")  # 30 % of 100 ₽ = 30 < 50 minimum
    assert "this check is too small for the minimum of 50 points" in plain(last(app).text)
    assert await RedemptionRequest.all().count() == 0
    assert (await CardScan.get(member_id=member.id)).used_at is None
    refusal = await AuditEntry.get(action="refusal", member_id=member.id)
    assert refusal.details["reason"] == "below-minimum"

    await press(app, CASHIER, redeem)  # the same card view, a bigger check
    await say(app, CASHIER, "1 000")
    assert (await the_request(member.id)).points == 100

    await press(app, CASHIER, redeem)  # its one operation is spent now
    await say(app, CASHIER, "1 000")
    assert "already used" in plain(last(app).text)
    assert await RedemptionRequest.all().count() == 1


async def test_a_confirmation_interrupted_by_a_crash_is_finished_by_pressing_again(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await ask_to_redeem(app, member.id)
    request = await the_request(member.id)
    # A crash after the claim, before the ledger: the row says "confirming", no point moved.
    await RedemptionRequest.filter(id=request.id).update(status="confirming")

    await press(app, ANNA, redemption_callback(False, request.id))  # too late to cancel
    assert alerts(app)[-1] == "Списание уже подтверждается."
    await press(app, ANNA, redemption_callback(True, request.id))
    await press(app, ANNA, redemption_callback(True, request.id))
    assert (await the_request(member.id)).status == "confirmed"
    assert await balance(member.id) == 0
    assert await LedgerEntry.filter(member_id=member.id, reason="redemption").count() == 1


async def test_a_balance_spent_meanwhile_fails_the_request_and_says_so(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await ask_to_redeem(app, member.id)
    first = await the_request(member.id)
    app.container.clock.advance(seconds=1)  # type: ignore[attr-defined]
    await ask_to_redeem(app, member.id)  # a second request for the same 100 points
    second = await the_request(member.id)
    assert second.id != first.id

    await press(app, ANNA, redemption_callback(True, second.id))
    await press(app, ANNA, redemption_callback(True, first.id))
    assert alerts(app)[-1] == "Недостаточно баллов."
    assert (await the_request(member.id)).status == "confirmed"
    assert (await RedemptionRequest.get(id=first.id)).status == "failed"
    assert "did not go through" in plain(staff_edits(app)[-1].text)
    assert await balance(member.id) == 0
