"""The POS API on the real web app, services and database: keys checked first, idempotent
purchases and refunds, concurrency, redemptions confirmed or declined by the customer in
Telegram."""

from __future__ import annotations

import asyncio

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import Purchase
from bot.adapters.db.models.ledger_ops import LedgerOperation
from bot.adapters.db.models.staff import RedemptionRequest
from bot.bootstrap import card_secret
from bot.domain.card_token import card_code_for
from bot.domain.staff import SHELL_OPERATOR, redemption_callback
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import press
from tests.integration.pos_api.conftest import Pos, anna, outlet
from tests.integration.staff.test_till import ANNA, card_token

FOOD_100 = {"amount": 10_000, "category": "food"}
"""100 ₽ of food: 3 points at silver's 3 %."""


async def balance(member_id: int) -> int:
    return (await Member.get(id=member_id)).balance


async def test_missing_malformed_and_wrong_keys_are_401_and_revoked_403(
    app: BotUnderTest, pos: Pos
) -> None:
    member = await anna(app)
    path = f"/members/{member.id}/balance"
    status, body = await pos.call("GET", path, headers={"Authorization": ""})
    assert (status, body["error"]) == (401, "api-key-missing")
    status, body = await pos.call("GET", path, key="not-a-key")
    assert (status, body["error"]) == (401, "api-key-missing")
    wrong = pos.key[:-1] + ("A" if pos.key[-1] != "A" else "B")
    status, body = await pos.call("GET", path, key=wrong)
    assert (status, body["error"]) == (401, "api-key-invalid")
    unknown = "pk0000000000." + pos.key.split(".")[1]
    status, body = await pos.call("GET", path, key=unknown)
    assert (status, body["error"]) == (401, "api-key-invalid")
    assert body["message"]

    assert (await pos.call("GET", path))[0] == 200
    await app.container.services.api_keys.revoke(SHELL_OPERATOR, pos.key_id)
    status, body = await pos.call(
        "POST", "/purchases", {"member_id": member.id, **FOOD_100}, idempotency_key="r1"
    )
    assert (status, body["error"]) == (403, "api-key-revoked")
    assert await Purchase.all().count() == 0


async def test_a_replayed_purchase_returns_the_first_result(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)  # 100 welcome points
    request = {"member_id": member.id, "amount": 45_000, "category": "coffee"}
    status, first = await pos.call("POST", "/purchases", request, idempotency_key="receipt-1")
    assert status == 200
    assert (first["points_earned"], first["balance"], first["replayed"]) == (27, 127, False)

    status, again = await pos.call("POST", "/purchases", request, idempotency_key="receipt-1")
    assert status == 200
    assert again == {**first, "replayed": True}
    assert await Purchase.all().count() == 1
    assert await balance(member.id) == 127
    purchase = await Purchase.get()
    assert purchase.channel == "pos" and purchase.outlet_id is not None  # type: ignore[attr-defined]
    assert await LedgerOperation.filter(key__contains=pos.key_id).count() == 1


async def test_a_conflicting_replay_is_409_and_changes_nothing(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    await pos.call("POST", "/purchases", {"member_id": member.id, **FOOD_100}, idempotency_key="k")
    status, body = await pos.call(
        "POST", "/purchases", {"member_id": member.id, "amount": 20_000}, idempotency_key="k"
    )
    assert (status, body["error"]) == (409, "idempotency-conflict")
    assert await Purchase.all().count() == 1
    assert await balance(member.id) == 103


async def test_a_purchase_without_an_idempotency_key_is_400(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    status, body = await pos.call("POST", "/purchases", {"member_id": member.id, **FOOD_100})
    assert (status, body["error"]) == (400, "idempotency-key-required")
    assert await Purchase.all().count() == 0


async def test_bad_bodies_are_refused_before_the_ledger(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    response = await pos.client.post(
        "/api/v1/purchases",
        data=b"{not json",
        headers={"Authorization": f"Bearer {pos.key}", "Idempotency-Key": "a"},
    )
    assert response.status == 400 and (await response.json())["error"] == "bad-json"
    status, body = await pos.call(
        "POST", "/purchases", {"member_id": member.id, **FOOD_100, "bonus": 1}, idempotency_key="b"
    )
    assert (status, body["error"], body["fields"]) == (422, "body-invalid", ["bonus"])
    status, body = await pos.call(
        "POST",
        "/purchases",
        {"member_id": member.id, "amount": 100, "category": "tea"},
        idempotency_key="c",
    )
    assert (status, body["error"]) == (422, "category-invalid")
    response = await pos.client.post(
        "/api/v1/quote",
        data=b" " * (64 * 1024 + 1),
        headers={"Authorization": f"Bearer {pos.key}"},
    )
    assert response.status == 413 and (await response.json())["error"] == "body-too-large"
    assert await Purchase.all().count() == 0


async def test_concurrent_commits_keep_the_ledger_exact(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    body = {"member_id": member.id, **FOOD_100}
    distinct = [pos.call("POST", "/purchases", body, idempotency_key=f"d{i}") for i in range(20)]
    same = [pos.call("POST", "/purchases", body, idempotency_key="same") for _ in range(20)]
    results = await asyncio.gather(*distinct, *same)

    assert [s for s, _ in results] == [200] * 40, [b for _, b in results]
    replays = [b for _, b in results[20:] if b["replayed"]]
    assert len(replays) == 19
    assert len({b["purchase_id"] for _, b in results[20:]}) == 1
    assert await Purchase.all().count() == 21
    assert await balance(member.id) == 100 + 21 * 3
    report = await app.container.services.ledger.check_consistency()
    assert report.consistent


async def test_find_a_member_by_phone_card_code_or_card_token(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    code = card_code_for(member.id, card_secret(app.container.settings))
    for lookup in (
        {"phone": "+7 (999) 000-00-01"},
        {"card_code": code},
        {"card_token": card_token(app, member.id)},
    ):
        status, body = await pos.call("POST", "/members/lookup", lookup)
        assert status == 200, lookup
        assert (body["member_id"], body["balance"], body["tier"]) == (member.id, 100, "silver")
    status, body = await pos.call("POST", "/members/lookup", {"phone": "+79990000009"})
    assert (status, body["error"]) == (404, "member-not-found")
    status, body = await pos.call("POST", "/members/lookup", {"card_token": "forged"})
    assert (status, body["error"]) == (422, "card-token-invalid")
    status, body = await pos.call("POST", "/members/lookup", {})
    assert (status, body["reason"]) == (422, "lookup-invalid")


async def test_a_quote_earns_per_line_and_caps_the_redemption(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)  # 100 points
    lines = [
        {"amount": 45_000, "category": "coffee"},
        {"amount": 20_000, "category": "food"},
        {"amount": 5_000},
    ]
    status, body = await pos.call("POST", "/quote", {"member_id": member.id, "lines": lines})
    assert status == 200
    # 450 ₽ coffee ×2 at 3 %: 27; 200 ₽ food: 6; 50 ₽ is below the 100 ₽ minimum: 0.
    assert [line["points"] for line in body["lines"]] == [27, 6, 0]
    assert (body["total"], body["points_to_earn"]) == (70_000, 33)
    # 30 % of 700 ₽ is 210 points; the balance caps it at 100.
    assert (body["max_redeemable"], body["max_discount"]) == (100, 10_000)
    assert await Purchase.all().count() == 0


async def redeem_request(pos: Pos, member_id: int, check: int) -> tuple[int, dict[str, object]]:
    status, body = await pos.call(
        "POST", "/redemptions", {"member_id": member_id, "check_amount": check}
    )
    return status, body


async def test_a_redemption_confirmed_in_telegram(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)  # 100 points
    status, asked = await redeem_request(pos, member.id, 100_000)
    assert status == 202
    assert (asked["status"], asked["points"], asked["discount"]) == ("pending", 100, 10_000)
    request_id = asked["request_id"]
    status, polled = await pos.call("GET", f"/redemptions/{request_id}")
    assert (status, polled["status"]) == (200, "pending")
    assert await balance(member.id) == 100

    await press(app, ANNA, redemption_callback(True, int(request_id)))  # type: ignore[arg-type]
    status, polled = await pos.call("GET", f"/redemptions/{request_id}")
    assert (status, polled["status"]) == (200, "confirmed")
    assert await balance(member.id) == 0
    request = await RedemptionRequest.get(id=request_id)
    assert request.staff_id is None and request.api_key_id is not None  # type: ignore[attr-defined]


async def test_a_redemption_declined_in_telegram_moves_nothing(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    _, asked = await redeem_request(pos, member.id, 100_000)
    await press(app, ANNA, redemption_callback(False, int(asked["request_id"])))  # type: ignore[arg-type]
    status, polled = await pos.call("GET", f"/redemptions/{asked['request_id']}")
    assert (status, polled["status"]) == (200, "cancelled")
    assert await balance(member.id) == 100


async def test_another_outlets_key_cannot_see_a_request_or_refund_a_purchase(
    app: BotUnderTest, pos: Pos
) -> None:
    member = await anna(app)
    await outlet("mall", "bakery")
    other = (await app.container.services.api_keys.create(SHELL_OPERATOR, "mall")).secret
    _, asked = await redeem_request(pos, member.id, 100_000)
    status, body = await pos.call("GET", f"/redemptions/{asked['request_id']}", key=other)
    assert (status, body["error"]) == (404, "not-found")
    _, bought = await pos.call(
        "POST", "/purchases", {"member_id": member.id, **FOOD_100}, idempotency_key="p"
    )
    status, body = await pos.call(
        "POST", f"/purchases/{bought['purchase_id']}/refunds", {}, key=other, idempotency_key="r"
    )
    assert (status, body["reason"]) == (404, "purchase-not-found")


async def test_a_partial_refund_after_spending_blocks_redemption(
    app: BotUnderTest, pos: Pos
) -> None:
    member = await anna(app)  # 100 points
    _, bought = await pos.call(
        "POST",
        "/purchases",
        {"member_id": member.id, "amount": 100_000, "category": "food"},
        idempotency_key="p1",
    )
    assert bought["points_earned"] == 30  # 1 000 ₽ at 3 %
    _, asked = await redeem_request(pos, member.id, 100_000)
    assert asked["points"] == 130
    await press(app, ANNA, redemption_callback(True, int(asked["request_id"])))  # type: ignore[arg-type]
    assert await balance(member.id) == 0

    refunds = f"/purchases/{bought['purchase_id']}/refunds"
    status, refund = await pos.call("POST", refunds, {"amount": 50_000}, idempotency_key="r1")
    assert status == 200
    assert (refund["points_reversed"], refund["balance"]) == (15, -15)
    status, again = await pos.call("POST", refunds, {"amount": 50_000}, idempotency_key="r1")
    assert again == {**refund, "replayed": True}
    assert await balance(member.id) == -15

    status, body = await redeem_request(pos, member.id, 100_000)
    assert (status, body["error"]) == (409, "nothing-to-redeem")
    status, body = await pos.call(
        "POST",
        "/purchases",
        {"member_id": member.id, "amount": 100_000, "points_to_use": 50},
        idempotency_key="p2",
    )
    assert (status, body["error"]) == (409, "redemption-blocked")

    # The rest of the purchase, refunded by omitting the amount.
    status, rest = await pos.call("POST", refunds, {}, idempotency_key="r2")
    assert (status, rest["amount"], rest["refunded_total"], rest["balance"]) == (
        200,
        50_000,
        100_000,
        -30,
    )
    status, body = await pos.call("POST", refunds, {}, idempotency_key="r3")
    assert (status, body["reason"]) == (422, "nothing-to-refund")
    assert (await app.container.services.ledger.check_consistency()).consistent


async def test_balance_and_offers(app: BotUnderTest, pos: Pos) -> None:
    member = await anna(app)
    status, body = await pos.call("GET", f"/members/{member.id}/balance")
    assert (status, body["balance"], body["tier"], body["next_tier"]) == (
        200,
        100,
        "silver",
        "gold",
    )
    status, body = await pos.call("GET", f"/members/{member.id}/offers")
    assert (status, body) == (200, {"offers": []})
    status, body = await pos.call("GET", "/members/999999/offers")
    assert (status, body["error"]) == (404, "member-not-found")


async def test_a_key_over_its_rate_gets_429(app: BotUnderTest, aiohttp_client: object) -> None:
    from bot.bootstrap import build_web_app

    member = await anna(app)
    await outlet("main", "coffee-co")
    key = (await app.container.services.api_keys.create(SHELL_OPERATOR, "main")).secret
    app.container.settings.pos_api_burst = 3
    app.container.settings.pos_api_rate = 0.001
    client = await aiohttp_client(build_web_app(app.container))  # type: ignore[operator]
    statuses = []
    for _ in range(4):
        response = await client.get(
            f"/api/v1/members/{member.id}/balance", headers={"Authorization": f"Bearer {key}"}
        )
        statuses.append(response.status)
    assert statuses == [200, 200, 200, 429]
    assert int(response.headers["Retry-After"]) >= 1
    assert (await response.json())["error"] == "rate-limited"
