"""The settlement between two partners on planted purchases, redemptions and refunds at each,
against hand-computed figures: in the service, in the admin chat and from the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import re
from pathlib import Path

from bot.adapters.db.models.core import Member, Outlet, Partner
from bot.adapters.db.models.ledger import LedgerEntry, Purchase
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.coalition import OutletConfig, PartnerConfig, Transfer
from bot.domain.staff import SHELL_OPERATOR, redemption_callback
from bot.services.coalition import Coalition
from tests.conftest import BotUnderTest
from tests.integration.coalition.conftest import Outlets, program_file
from tests.integration.membership.helpers import last, press, say
from tests.integration.pos_api.conftest import Pos, anna
from tests.integration.staff.test_till import ANNA, CASHIER, OWNER, hire, in_admin_chat, scan
from tests.unit.test_cli import run_cli


async def plant(app: BotUnderTest, outlets: Outlets) -> int:
    """Anna's March at both partners (1 point = 1 ₽ = 100; silver earns 3 %, coffee x2).
    Returns her member id; her balance ends at 0.

    | step | where | entries |
    |---|---|---|
    | joined | - | +100 welcome (a program reward) |
    | till, 1 000 ₽ food | no outlet: alpha | +30 |
    | POS, 5 000 ₽ coffee | a1 | +300 |
    | POS, 2 000 ₽ food | b1 | +60 |
    | POS, 1 000 ₽ food paying 200 points | b1 | −200, +24 (on 800 ₽) |
    | POS, 1 000 ₽ food paying 100 points | a1 | −100, +27 (on 900 ₽) |
    | refund half of the coffee | a1 | −150 |
    | refund all of the b1 purchase with points | b1 | +200, −24 |
    | redemption request at b1, confirmed in Telegram | b1 | −267 (30 % of 1 000 ₽ caps at 300) |
    """
    member_id = (await anna(app)).id  # 100 welcome points
    await hire(app, CASHIER)
    await press(app, CASHIER, await scan(app, member_id))
    await say(app, CASHIER, "1000")
    await press(app, CASHIER, "till-cat:food")
    await say(app, CASHIER, "T-1")
    await press(app, CASHIER, "till:confirm")
    till = await Purchase.get(member_id=member_id)
    assert (till.points_earned, till.outlet_id) == (30, None)  # type: ignore[attr-defined]

    a1, b1 = outlets.a1, outlets.b1

    async def buy(pos: Pos, key: str, amount: int, category: str, points: int = 0) -> int:
        body = {"member_id": member_id, "amount": amount, "category": category}
        status, answer = await pos.call(
            "POST", "/purchases", {**body, "points_to_use": points}, idempotency_key=key
        )
        assert status == 200, answer
        return int(answer["purchase_id"])

    coffee = await buy(a1, "a-1", 500_000, "coffee")
    await buy(b1, "b-1", 200_000, "food")
    with_points = await buy(b1, "b-2", 100_000, "food", points=200)  # points earned at alpha
    await buy(a1, "a-2", 100_000, "food", points=100)
    status, _ = await a1.call(
        "POST", f"/purchases/{coffee}/refunds", {"amount": 250_000}, idempotency_key="a-r"
    )
    assert status == 200
    status, _ = await b1.call(
        "POST", f"/purchases/{with_points}/refunds", {}, idempotency_key="b-r"
    )
    assert status == 200
    status, asked = await b1.call(
        "POST", "/redemptions", {"member_id": member_id, "check_amount": 100_000}
    )
    assert (status, asked["points"]) == (202, 267)
    await press(app, ANNA, redemption_callback(True, int(asked["request_id"])))
    assert (await Member.get(id=member_id)).balance == 0
    b1_outlet = await Outlet.get(code="b1")
    redeemed = await LedgerEntry.get(reason="redemption", purchase_id=None)
    assert redeemed.outlet_id == b1_outlet.id  # type: ignore[attr-defined]
    return member_id


async def test_two_partners_settle_as_computed_by_hand(app: BotUnderTest, outlets: Outlets) -> None:
    await plant(app, outlets)

    settlement = await app.container.services.coalition.settlement(SHELL_OPERATOR, "2026-03")

    alpha, beta = settlement.partners
    assert (alpha.code, alpha.earned, alpha.earned_reversed, alpha.spent) == (
        "alpha",
        357,
        150,
        100,
    )
    assert (alpha.issued, alpha.redeemed, alpha.position) == (207, 100, -10_700)
    assert (beta.code, beta.earned, beta.earned_reversed) == ("beta", 84, 24)
    assert (beta.spent, beta.spent_returned, beta.redeemed) == (467, 200, 267)
    assert (beta.issued, beta.position) == (60, 20_700)
    assert settlement.pool == -10_000  # the 100 welcome points, redeemed at beta
    assert (settlement.rewards, settlement.expired) == (100, 0)
    assert settlement.transfers == (Transfer("alpha", "beta", 20_700),)
    # The day before the period holds nothing of it.
    february = await app.container.services.coalition.settlement(SHELL_OPERATOR, "2026-02")
    assert all(p.issued == p.redeemed == 0 for p in february.partners)
    assert february.transfers == ()


def pre_rows(text: str) -> dict[str, list[str]]:
    table = html.unescape(text.split("<pre>")[1].split("</pre>")[0])
    return {row.split()[0]: row.split()[1:] for row in table.splitlines()[1:]}


async def test_the_admin_chat_shows_the_settlement_table(
    app: BotUnderTest, outlets: Outlets
) -> None:
    await plant(app, outlets)
    t = app.container.i18n("ru")

    await in_admin_chat(app, OWNER, "/settlement 2026-03-01..2026-03-31")

    text = last(app).text
    assert "2026-03-01 – 2026-03-31" in text
    rows = pre_rows(text)
    assert rows["alpha"] == ["207", "100", "−207", "₽"]  # −107 ₽ and the pool's −100 ₽
    assert rows["beta"] == ["60", "267", "+207", "₽"]
    assert t("settlement-transfer", payer="alpha", payee="beta", amount=t.money(20_700, "RUB")) in (
        text
    )
    assert t("settlement-rewards", points=t("points", count=100)) in text


async def test_a_bad_period_and_a_cashier_are_refused(app: BotUnderTest, outlets: Outlets) -> None:
    await hire(app, CASHIER)
    for bad in ("2026-13", "march", "2026-03-31..2026-03-01"):
        await in_admin_chat(app, OWNER, f"/settlement {bad}")
        assert last(app).text == app.container.i18n("ru")("error-invalid-input-settlement-period")

    await in_admin_chat(app, CASHIER, "/settlement")
    assert last(app).text == app.container.i18n("en")("error-permission-denied")


async def test_the_cli_prints_the_settlement_as_json(
    app: BotUnderTest, outlets: Outlets, database_url: str, tmp_path: Path
) -> None:
    await plant(app, outlets)
    env = {"DATABASE_URL": database_url, "PROGRAM_FILE": str(program_file(tmp_path))}

    result = await asyncio.to_thread(
        run_cli, tmp_path, "report", "settlement", "--period", "2026-03", "--json", **env
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["period"] == {"first": "2026-03-01", "last": "2026-03-31"}
    assert [(p["code"], p["issued"], p["redeemed"], p["balance"]) for p in report["partners"]] == [
        ("alpha", 207, 100, -20_700),
        ("beta", 60, 267, 20_700),
    ]
    assert (report["pool"], report["rewards"], report["expired"]) == (-10_000, 100, 0)
    assert report["transfers"] == [{"payer": "alpha", "payee": "beta", "amount": 20_700}]

    table = await asyncio.to_thread(
        run_cli, tmp_path, "report", "settlement", "--period", "2026-03", **env
    )
    assert "alpha pays beta 20700" in table.stdout

    bad = await asyncio.to_thread(
        run_cli, tmp_path, "report", "settlement", "--period", "2026-3", **env
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().startswith("error: settlement-period: give --period as YYYY-MM")


async def test_the_partners_sync_is_idempotent_and_follows_the_file(
    app: BotUnderTest, outlets: Outlets
) -> None:
    await app.container.services.coalition.sync()  # a second time: nothing new
    assert await Partner.all().count() == 2 and await Outlet.all().count() == 2

    renamed = (
        PartnerConfig("alpha", "Alpha & Co", (OutletConfig("a1", "Alpha, Main St"),)),
        PartnerConfig("beta", "Beta Books", (OutletConfig("b2", "Beta, Station"),)),
    )
    program = dataclasses.replace(app.container.program, partners=renamed)
    await Coalition(tortoise_uow_factory, app.container.clock, program).sync()

    assert (await Partner.get(code="alpha")).name == "Alpha & Co"
    assert sorted(await Outlet.all().values_list("code", flat=True)) == ["a1", "b1", "b2"]


async def test_a_cashier_invited_at_an_outlet_records_for_its_partner(
    app: BotUnderTest, outlets: Outlets
) -> None:
    t = app.container.i18n("ru")
    await in_admin_chat(app, OWNER, "/invite cashier nowhere")
    assert last(app).text == t("error-not-found-outlet-unknown", outlet="nowhere")
    await in_admin_chat(app, OWNER, "/invite cashier b1 extra")
    assert last(app).text == t("staff-invite-usage")

    await in_admin_chat(app, OWNER, "/invite cashier b1")
    assert t("staff-invite-outlet", outlet="b1") in last(app).text
    link = re.search(r"start=(inv_[\w-]+)", html.unescape(last(app).text))
    assert link
    await say(app, CASHIER, f"/start {link.group(1)}")
    member_id = (await anna(app)).id
    await press(app, CASHIER, await scan(app, member_id))
    await say(app, CASHIER, "1000")
    await press(app, CASHIER, "till-cat:food")
    await say(app, CASHIER, "T-1")
    await press(app, CASHIER, "till:confirm")

    purchase = await Purchase.get(member_id=member_id)
    assert purchase.outlet_id == (await Outlet.get(code="b1")).id  # type: ignore[attr-defined]
    settlement = await app.container.services.coalition.settlement(SHELL_OPERATOR, "2026-03")
    assert [(p.code, p.issued) for p in settlement.partners] == [("alpha", 0), ("beta", 30)]
