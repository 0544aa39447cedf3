"""The Mini App API on the real web app and database: launch data checked first, staff only,
and a scan + purchase that changes the database exactly as the bot's till does."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.ledger import LedgerEntry, Purchase
from bot.adapters.db.models.staff import AuditEntry, CardScan
from bot.bootstrap import card_secret
from bot.domain.card_token import card_code_for
from bot.domain.staff import Actor, Role
from tests.conftest import OWNER_ID, BotUnderTest
from tests.integration.membership.helpers import join, press, say
from tests.integration.miniapp.helpers import call, card_link, init_data, launch
from tests.integration.staff.test_till import ANNA, CASHIER, STRANGER, anna, card_token, hire
from tests.integration.staff.test_till import scan as scan_in_bot
from tests.kit.telegram import user

Client = TestClient[Any, Any]
BORIS = user(1002, "Boris", "ru")
DORA = user(2002, "Dora", "en")


async def staffed(app: BotUnderTest) -> Member:
    """Anna is a member with her 100 welcome points; Carol is a cashier."""
    member = await anna(app)
    await hire(app, CASHIER)
    return member


async def nothing_happened() -> None:
    assert await CardScan.all().count() == 0
    assert await Purchase.all().count() == 0
    assert await AuditEntry.filter(action__in=["scan", "lookup"]).count() == 0


async def test_staff_with_valid_launch_data_get_the_page_set_up(
    app: BotUnderTest, client: Client
) -> None:
    await staffed(app)
    status, body = await call(client, "me", launch(app, CASHIER))
    assert status == 200
    assert body["role"] == "cashier" and body["locale"] == "en"
    assert body["texts"]["record"] == "Record purchase"
    assert [c["code"] for c in body["categories"]] == ["coffee", "food", "merch"]


async def test_forged_launch_data_is_401_before_anything_else(
    app: BotUnderTest, client: Client
) -> None:
    member = await staffed(app)
    genuine = launch(app, CASHIER)
    tampered_hash = genuine[:-1] + ("0" if genuine[-1] != "0" else "1")
    # The signed fields of a stranger with the cashier's hash: the user was swapped.
    swapped_user = launch(app, STRANGER).rsplit("&hash=", 1)[0] + "&hash=" + genuine[-64:]
    other_bot = init_data(CASHIER, app.container.clock.now(), token="43:OTHER-BOT")
    body = {"qr": card_link(card_token(app, member.id))}
    for forged in (tampered_hash, swapped_user, other_bot, "user=%7B%7D&hash=00", "garbage"):
        status, answer = await call(client, "scan", forged, body)
        assert (status, answer["error"]) == (401, "init-data-invalid"), forged
        assert answer["message"]
    # Checked before the body is even read: a broken body still gets the 401.
    assert (await call(client, "purchase", tampered_hash, raw="{not json"))[0] == 401
    status, answer = await call(client, "scan", None, body)
    assert (status, answer["error"]) == (401, "init-data-missing")
    await nothing_happened()


async def test_launch_data_older_than_an_hour_is_401(app: BotUnderTest, client: Client) -> None:
    member = await staffed(app)
    opened = launch(app, CASHIER)
    app.container.clock.advance(minutes=59)  # type: ignore[attr-defined]
    assert (await call(client, "me", opened))[0] == 200
    app.container.clock.advance(minutes=61)  # type: ignore[attr-defined]  # 2 hours after
    body = {"qr": card_link(card_token(app, member.id))}
    status, answer = await call(client, "scan", opened, body)
    assert (status, answer["error"]) == (401, "init-data-expired")
    assert "open it from the bot again" in answer["message"]
    await nothing_happened()


async def test_non_staff_and_removed_staff_get_403_and_learn_nothing(
    app: BotUnderTest, client: Client
) -> None:
    member = await staffed(app)
    body = {"qr": card_link(card_token(app, member.id))}
    for person in (STRANGER, ANNA, user(OWNER_ID, "Olga", "ru")):
        status, answer = await call(client, "scan", launch(app, person), body)
        assert (status, answer["error"]) == (403, "not-staff"), person.id
        assert "Anna" not in str(answer)
    staff = await Staff.get(telegram_id=CASHIER.id)
    await app.container.services.staff.remove_staff(Actor(OWNER_ID, Role.OWNER), staff.id)
    status, answer = await call(client, "scan", launch(app, CASHIER), body)
    assert (status, answer["error"]) == (403, "not-staff")
    await nothing_happened()


async def test_scan_and_purchase_change_the_database_exactly_as_the_bot_does(
    app: BotUnderTest, client: Client
) -> None:
    member = await staffed(app)  # Anna buys through the bot's till
    await join(app, BORIS, "+79990000002")  # Boris through the Mini App
    boris = await Member.get(telegram_id=BORIS.id)

    await press(app, CASHIER, await scan_in_bot(app, member.id))
    await say(app, CASHIER, "1 200,50")
    await press(app, CASHIER, "till-cat:coffee")
    await say(app, CASHIER, "A-1001")
    await press(app, CASHIER, "till:confirm")

    opened = launch(app, CASHIER)
    status, card = await call(client, "scan", opened, {"qr": card_link(card_token(app, boris.id))})
    assert status == 200
    assert (card["name"], card["tier"]["name"], card["balance"]) == ("Boris", "Silver", 100)
    body = {"scan_id": card["scan_id"], "amount": "1 200,50", "category": "coffee"}
    status, done = await call(client, "purchase", opened, {**body, "receipt": "A-1002"})
    assert status == 200
    assert (done["points_earned"], done["balance"]) == (72, 172)
    assert "72 points" in done["message"]

    async def footprint(member_id: int) -> dict[str, Any]:
        purchase = await Purchase.get(member_id=member_id)
        entries = await LedgerEntry.filter(member_id=member_id).order_by("id")
        receipts = await OutboxMessage.filter(member_id=member_id, content_key="receipt-purchase")
        scans = await CardScan.filter(member_id=member_id)
        audit = await AuditEntry.filter(member_id=member_id).order_by("id")
        return {
            "purchase": (
                purchase.amount,
                purchase.category,
                purchase.points_earned,
                purchase.points_used,
                purchase.staff_id,  # type: ignore[attr-defined]
                purchase.channel,
                purchase.idempotency_key.split(":")[0],
            ),
            "entries": [
                (
                    e.amount,
                    e.reason,
                    e.actor_type,
                    "self" if e.actor_type == "member" else e.actor_id,
                )
                for e in entries
            ],
            "balance": (await Member.get(id=member_id)).balance,
            "receipts": [(r.kind, r.content_vars) for r in receipts],
            "scans": [(s.operation, s.used_at is not None) for s in scans],
            "audit": [a.action for a in audit],
        }

    in_bot, in_miniapp = await footprint(member.id), await footprint(boris.id)
    assert in_miniapp == in_bot
    assert in_miniapp["balance"] == 172 and in_miniapp["scans"] == [("purchase", True)]
    assert (await Purchase.get(member_id=boris.id)).receipt_no == "A-1002"


async def test_a_replayed_token_and_a_second_purchase_on_one_scan_are_refused(
    app: BotUnderTest, client: Client
) -> None:
    member = await staffed(app)
    opened = launch(app, CASHIER)
    qr = {"qr": card_link(card_token(app, member.id))}
    status, card = await call(client, "scan", opened, qr)
    assert status == 200
    status, answer = await call(client, "scan", opened, qr)
    assert (status, answer["error"]) == (409, "card-token-replayed")
    assert "already used" in answer["message"]

    purchase = {"scan_id": card["scan_id"], "amount": "450", "category": "food"}
    assert (await call(client, "purchase", opened, purchase))[0] == 200
    status, answer = await call(client, "purchase", opened, {**purchase, "amount": "500"})
    assert (status, answer["error"]) == (409, "scan-closed")
    assert await Purchase.filter(member_id=member.id).count() == 1
    assert await CardScan.all().count() == 1


async def test_expired_and_forged_card_tokens_are_refused(
    app: BotUnderTest, client: Client
) -> None:
    member = await staffed(app)
    opened = launch(app, CASHIER)
    old = card_token(app, member.id, minutes_ago=6)
    status, answer = await call(client, "scan", opened, {"qr": card_link(old)})
    assert (status, answer["error"]) == (410, "card-token-expired")
    token = card_token(app, member.id)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    status, answer = await call(client, "scan", opened, {"qr": card_link(forged)})
    assert (status, answer["error"]) == (422, "card-token-invalid")
    status, answer = await call(client, "scan", opened, {"qr": "https://example.com/?start=c_x"})
    assert (status, answer["error"]) == (422, "not-a-card")
    await nothing_happened()


async def test_bad_amounts_are_422_and_change_nothing(app: BotUnderTest, client: Client) -> None:
    member = await staffed(app)
    opened = launch(app, CASHIER)
    status, card = await call(client, "scan", opened, {"qr": card_link(card_token(app, member.id))})
    assert status == 200
    for amount, reason in [
        ("0", "amount-not-positive"),
        ("-450", "amount-not-positive"),
        ("450.505", "amount-too-precise"),
        ("100000.01", "amount-above-limit"),
        ("4 5 0", "amount-garbled"),
        ("1e3", "amount-garbled"),
        ("", "amount-garbled"),
    ]:
        body = {"scan_id": card["scan_id"], "amount": amount, "category": "food"}
        status, answer = await call(client, "purchase", opened, body)
        assert (status, answer["error"], answer["reason"]) == (422, "invalid-input", reason)
    assert "100,000" in answer["message"] or "100 000" in answer["message"] or answer["message"]
    assert await Purchase.all().count() == 0
    assert (await CardScan.get(id=card["scan_id"])).used_at is None
    # The view's one operation is still there for the right amount.
    body = {"scan_id": card["scan_id"], "amount": "450,50", "category": "food"}
    assert (await call(client, "purchase", opened, body))[0] == 200


async def test_bad_bodies_are_400_or_422_with_a_code(app: BotUnderTest, client: Client) -> None:
    member = await staffed(app)
    opened = launch(app, CASHIER)
    _, card = await call(client, "scan", opened, {"qr": card_link(card_token(app, member.id))})
    purchase = {"scan_id": card["scan_id"], "amount": "450", "category": "food"}
    cases: list[tuple[dict[str, Any] | None, str | None, int, str]] = [
        (None, "{not json", 400, "bad-json"),
        (None, "[1, 2]", 400, "body-not-object"),
        ({"amount": "450"}, None, 422, "body-invalid"),
        ({**purchase, "scan_id": "7"}, None, 422, "body-invalid"),
        ({**purchase, "amount": 450}, None, 422, "body-invalid"),
        # Authority is never taken from the body: naming a member or a staff id is refused.
        ({**purchase, "member_id": 1}, None, 422, "body-invalid"),
        ({**purchase, "staff_id": 1}, None, 422, "body-invalid"),
        ({**purchase, "category": "caviar"}, None, 422, "invalid-input"),
        ({**purchase, "category": None}, None, 422, "invalid-input"),
        ({**purchase, "receipt": "no spaces!"}, None, 422, "invalid-input"),
    ]
    for body, raw, code, error in cases:
        status, answer = await call(client, "purchase", opened, body, raw=raw)
        assert (status, answer["error"]) == (code, error), (body, raw)
        assert answer["message"]
    assert await Purchase.all().count() == 0


async def test_a_cashier_cannot_use_another_cashiers_card_view(
    app: BotUnderTest, client: Client
) -> None:
    member = await staffed(app)
    await hire(app, DORA)
    _, card = await call(
        client, "scan", launch(app, CASHIER), {"qr": card_link(card_token(app, member.id))}
    )
    body = {"scan_id": card["scan_id"], "amount": "450", "category": "food"}
    status, answer = await call(client, "purchase", launch(app, DORA), body)
    assert (status, answer["error"]) == (409, "scan-closed")
    assert await Purchase.all().count() == 0


async def test_the_typed_card_code_opens_the_card(app: BotUnderTest, client: Client) -> None:
    member = await staffed(app)
    code = card_code_for(member.id, card_secret(app.container.settings))
    typed = f"{code[:3]} {code[3:6]} {code[6:]}"
    status, card = await call(client, "lookup", launch(app, CASHIER), {"code": typed})
    assert (status, card["name"], card["balance_text"]) == (200, "Anna", "100 points")
    status, answer = await call(client, "lookup", launch(app, CASHIER), {"code": "0000000000"})
    assert (status, answer["error"]) == (404, "member-not-found")


async def test_the_page_loads_the_configured_telegram_script(
    app: BotUnderTest, client: Client
) -> None:
    response = await client.get("/miniapp/")
    assert response.status == 200
    page = await response.text()
    assert '<script src="https://telegram.org/js/telegram-web-app.js"></script>' in page
    assert "script-src 'self' https://telegram.org" in response.headers["Content-Security-Policy"]
    assert (await client.get("/miniapp/static/app.js")).status == 200


async def test_scanner_command_gives_staff_a_web_app_button(app: BotUnderTest) -> None:
    await hire(app, CASHIER)
    app.container.dispatcher.workflow_data["miniapp_url"] = "https://shop.example/miniapp/"
    await say(app, CASHIER, "/scanner")
    sent = app.session.sent()[-1]
    button = sent.reply_markup.inline_keyboard[0][0]
    assert button.web_app.url == "https://shop.example/miniapp/"

    await say(app, STRANGER, "/scanner")
    assert app.session.sent()[-1].reply_markup is None or not any(
        b.web_app for row in app.session.sent()[-1].reply_markup.inline_keyboard for b in row
    )
    app.container.dispatcher.workflow_data["miniapp_url"] = None
    await say(app, CASHIER, "/scanner")
    assert "not set up" in app.session.texts()[-1]
