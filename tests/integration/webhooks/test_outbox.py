"""Each event is written by its cause, in the cause's own transaction: it exists exactly when the
change committed (a replay or a refused change writes none), and with webhooks off none is."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.adapters.db.models.core import Member, Outlet
from bot.bootstrap import build_web_app
from bot.domain.errors import InsufficientPoints
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import join, press, say, share_contact
from tests.integration.membership.test_imported_join import import_customer
from tests.integration.miniapp.helpers import call, card_link, launch
from tests.integration.pos_api.conftest import Pos, anna
from tests.integration.staff.test_till import ANNA, CASHIER, card_token, hire, scan
from tests.kit.telegram import user

from .conftest import events

FOOD_100 = {"amount": 10_000, "category": "food"}


async def test_joining_writes_member_joined_once(app: BotUnderTest) -> None:
    await join(app, ANNA)
    member = await Member.get(telegram_id=ANNA.id)
    # The last step again (a redelivered answer): already active, no second event.
    await app.container.services.membership.finish_join(ANNA.id, None)

    [event] = await events()
    assert (event.type, event.payload) == ("member.joined", {"member_id": member.id})
    assert uuid.UUID(str(event.event_id)).version == 4
    assert (event.attempts, event.delivered_at, event.failed_at) == (0, None, None)
    assert event.next_attempt_at == event.created_at == app.container.clock.now()


async def test_a_pos_purchase_writes_purchase_recorded_and_a_replay_writes_none(
    app: BotUnderTest, pos: Pos
) -> None:
    member = await anna(app)
    body = {"member_id": member.id, **FOOD_100, "receipt_no": "R-7"}
    status, first = await pos.call("POST", "/purchases", body, idempotency_key="r7")
    assert status == 200
    status, again = await pos.call("POST", "/purchases", body, idempotency_key="r7")
    assert (status, again["replayed"]) == (200, True)

    [event] = await events("purchase.recorded")
    assert event.payload == {
        "purchase_id": first["purchase_id"],
        "member_id": member.id,
        "outlet_id": await pos_outlet_id(),
        "amount": 10_000,
        "points_used": 0,
        "points_earned": first["points_earned"],
        "category": "food",
        "receipt_no": "R-7",
    }
    # No name, phone or Telegram id travels.
    assert not {"name", "phone", "telegram_id"} & set(event.payload)


async def pos_outlet_id() -> int:
    return (await Outlet.get(code="main")).id


async def test_a_purchase_at_the_till_writes_purchase_recorded(app: BotUnderTest) -> None:
    await join(app, ANNA)
    member = await Member.get(telegram_id=ANNA.id)
    await hire(app, CASHIER)
    await press(app, CASHIER, await scan(app, member.id))
    await say(app, CASHIER, "150")
    await press(app, CASHIER, "till-cat:coffee")
    await say(app, CASHIER, "A-1")
    await press(app, CASHIER, "till:confirm")

    [event] = await events("purchase.recorded")
    assert event.payload["member_id"] == member.id
    assert (event.payload["amount"], event.payload["receipt_no"]) == (15_000, "A-1")


async def test_a_purchase_in_the_mini_app_writes_purchase_recorded(
    app: BotUnderTest, aiohttp_client: Any
) -> None:
    await join(app, ANNA)
    member = await Member.get(telegram_id=ANNA.id)
    await hire(app, CASHIER)
    client = await aiohttp_client(build_web_app(app.container))
    opened = launch(app, CASHIER)
    status, card = await call(client, "scan", opened, {"qr": card_link(card_token(app, member.id))})
    assert status == 200
    purchase = {"scan_id": card["scan_id"], "amount": "450", "category": "food"}
    assert (await call(client, "purchase", opened, purchase))[0] == 200

    [event] = await events("purchase.recorded")
    assert (event.payload["member_id"], event.payload["amount"]) == (member.id, 45_000)


async def test_a_refund_writes_purchase_refunded(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    _, bought = await pos.call(
        "POST", "/purchases", {"member_id": member.id, **FOOD_100}, idempotency_key="p"
    )
    status, refund = await pos.call(
        "POST",
        f"/purchases/{bought['purchase_id']}/refunds",
        {"amount": 4_000},
        idempotency_key="f",
    )
    assert status == 200

    [event] = await events("purchase.refunded")
    assert event.payload == {
        "refund_id": refund["refund_id"],
        "purchase_id": bought["purchase_id"],
        "member_id": member.id,
        "outlet_id": await pos_outlet_id(),
        "amount": 4_000,
        "refunded_total": 4_000,
        "points_reversed": refund["points_reversed"],
        "points_returned": refund["points_returned"],
    }


async def test_a_redemption_writes_points_redeemed_and_an_overdraft_writes_none(
    app: BotUnderTest,
) -> None:
    member = await anna(app)  # 100 welcome points
    ledger = app.container.services.ledger
    actor = LedgerActor.member(member.id)
    with pytest.raises(InsufficientPoints):
        await ledger.redeem_points(member.id, 500, 1_000_00, "too-much", actor)
    assert await events("points.redeemed") == []

    result = await ledger.redeem_points(member.id, 50, 1_000_00, "fine", actor)
    await ledger.redeem_points(member.id, 50, 1_000_00, "fine", actor)  # a replay

    [event] = await events("points.redeemed")
    assert event.payload == {
        "entry_id": result.entry_id,
        "member_id": member.id,
        "points": 50,
        "discount": result.discount,
        "check_amount": 1_000_00,
    }


@pytest.mark.parametrize("events_url", [None])
async def test_with_webhooks_off_no_event_is_written(app: BotUnderTest, pos: Pos) -> None:
    await join(app, ANNA)
    member = await Member.get(telegram_id=ANNA.id)
    _, bought = await pos.call(
        "POST", "/purchases", {"member_id": member.id, **FOOD_100}, idempotency_key="p"
    )
    await pos.call("POST", f"/purchases/{bought['purchase_id']}/refunds", {}, idempotency_key="f")
    assert await events() == []


async def test_an_imported_customer_linking_telegram_writes_member_joined(
    app: BotUnderTest, program: Program
) -> None:
    imported_id = await import_customer(app, program)
    assert await events("member.joined") == []

    newcomer = user(4001, "Anya", "ru")
    await say(app, newcomer, "/start")
    await press(app, newcomer, "join:agree")
    await share_contact(app, newcomer, "7 (999) 111-22-33")

    [event] = await events("member.joined")
    assert event.payload == {"member_id": imported_id}
