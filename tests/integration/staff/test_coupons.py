"""Coupons at the till through the real dispatcher: the card view offers the member's usable
coupons, "Apply offer" leads into the purchase, and confirming it redeems the coupon once,
attributed to its campaign. A coupon outside its window, another member's or used already is
refused and nothing changes."""

from __future__ import annotations

import html
from datetime import timedelta
from zoneinfo import ZoneInfo

from aiogram.types import User

from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.ledger import LedgerEntry, Purchase
from bot.adapters.db.models.offers import Coupon
from bot.adapters.db.models.staff import AuditEntry, CardScan
from bot.domain.analytics import hour_of_week
from bot.domain.ledger import idempotency_key
from bot.domain.offers import NewCoupon
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import alerts, inline_data, join, last, press, say
from tests.integration.staff.test_till import CASHIER, anna, card_token, hire
from tests.kit.telegram import user

BORIS = user(1002, "Boris", "en")
MANAGER = user(2002, "Mary", "en")


async def issue(
    app: BotUnderTest,
    member_id: int,
    offer_code: str,
    *,
    discount_bp: int = 0,
    bonus_points: int = 0,
    category: str | None = None,
    starts_in: timedelta = timedelta(0),
    lasts: timedelta = timedelta(days=14),
    hours_of_week: tuple[int, ...] | None = None,
) -> tuple[int, int]:
    """A coupon of a fresh campaign: (coupon id, campaign id)."""
    services = app.container.services
    now = app.container.clock.now()
    campaign = await services.delivery.create_campaign(f"test:{offer_code}:{member_id}")
    await services.offers.issue(
        [
            NewCoupon(
                member_id=member_id,
                offer_code=offer_code,
                discount_bp=discount_bp,
                bonus_points=bonus_points,
                category=category,
                valid_from=now + starts_in,
                valid_until=now + lasts,
                hours_of_week=hours_of_week,
                campaign_id=campaign.id,
                automation="winback",
                issue_key=f"test:{offer_code}:{member_id}:{campaign.id}",
            )
        ]
    )
    coupon = await Coupon.get(campaign_id=campaign.id)
    return coupon.id, campaign.id


async def scan(
    app: BotUnderTest, member_id: int, cashier: User = CASHIER, minutes_ago: int = 0
) -> int:
    """Open the card view (a token `minutes_ago` old: another token); its scan id."""
    await say(app, cashier, f"/start c_{card_token(app, member_id, minutes_ago)}")
    buy = next(d for d in inline_data(last(app)) if d.startswith("till:buy:"))
    return int(buy.rsplit(":", 1)[1])


async def buy_with_offer(
    app: BotUnderTest, scan_id: int, coupon_id: int, amount: str, cashier: User = CASHIER
) -> None:
    """Apply the offer, then the purchase up to its summary (coffee, no receipt)."""
    await press(app, cashier, f"till-offer:{scan_id}:{coupon_id}")
    await say(app, cashier, amount)
    await press(app, cashier, "till-cat:coffee")
    await press(app, cashier, "till:no-receipt")


async def test_an_applied_discount_is_used_by_the_purchase_and_attributed_to_its_campaign(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    coffee, campaign = await issue(app, member.id, "coffee20", discount_bp=2000, category="coffee")
    later, _ = await issue(app, member.id, "food15", discount_bp=1500, starts_in=timedelta(days=1))

    scan_id = await scan(app, member.id)
    view = html.unescape(last(app).text)
    assert "Coffee −20 %" in view and "Food −15 %" in view and "not valid right now" in view
    offers = [d for d in inline_data(last(app)) if d.startswith("till-offer:")]
    assert offers == [f"till-offer:{scan_id}:{coffee}"]  # the not-yet-valid one has no button

    await buy_with_offer(app, scan_id, coffee, "1000")
    summary = html.unescape(last(app).text)
    assert "discount 200\xa0₽. To pay: 800\xa0₽" in summary
    assert (await Coupon.get(id=coffee)).status == "active"  # not used before the confirmation
    await press(app, CASHIER, "till:confirm")

    purchase = await Purchase.get(member_id=member.id)
    assert purchase.amount == 80_000  # the money paid: the check less the discount
    staff = await Staff.get(telegram_id=CASHIER.id)
    used = await Coupon.get(id=coffee)
    assert (used.status, used.redeemed_by, used.campaign_id) == ("redeemed", staff.id, campaign)
    audit = await AuditEntry.get(action="purchase", member_id=member.id)
    assert (audit.details["coupon"], audit.details["campaign"]) == (coffee, campaign)
    assert audit.details["discount"] == 20_000
    assert "Coffee −20 %" in html.unescape(last(app, "EditMessageText").text)
    assert (await Coupon.get(id=later)).status == "active"


async def test_a_bonus_coupon_credits_its_points_through_the_ledger(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    comeback, _ = await issue(app, member.id, "comeback", bonus_points=200)
    await buy_with_offer(app, await scan(app, member.id), comeback, "100")
    assert "bonus 200 points" in html.unescape(last(app).text)
    await press(app, CASHIER, "till:confirm")

    bonus = await LedgerEntry.get(member_id=member.id, reason="offer")
    assert bonus.amount == 200 and bonus.idempotency_key == idempotency_key(
        "offer", f"coupon:{comeback}"
    )
    purchase = await Purchase.get(member_id=member.id)
    balance = (await Member.get(id=member.id)).balance
    assert balance == 100 + purchase.points_earned + 200
    assert (await Coupon.get(id=comeback)).status == "redeemed"


async def test_a_coupon_outside_its_window_is_refused_and_nothing_changes(
    app: BotUnderTest,
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    tz = ZoneInfo(app.container.program.timezone)
    now_slot = hour_of_week(app.container.clock.now(), tz)
    quiet, _ = await issue(
        app, member.id, "quiet10", discount_bp=1000, hours_of_week=((now_slot + 1) % 168,)
    )
    early, _ = await issue(app, member.id, "food15", discount_bp=1500, starts_in=timedelta(hours=1))
    short, _ = await issue(app, member.id, "coffee20", discount_bp=2000, lasts=timedelta(minutes=5))

    scan_id = await scan(app, member.id)
    assert [d for d in inline_data(last(app)) if d.startswith("till-offer:")] == [
        f"till-offer:{scan_id}:{short}"
    ]
    # Edited buttons for the coupons not usable now:
    await press(app, CASHIER, f"till-offer:{scan_id}:{quiet}")
    await press(app, CASHIER, f"till-offer:{scan_id}:{early}")
    assert alerts(app)[-2:] == [
        "This coupon is valid only in its hours.",
        "This coupon is not valid yet.",
    ]
    # Applied in time, confirmed after its end: refused at the confirmation.
    await buy_with_offer(app, scan_id, short, "500")
    app.container.clock.advance(minutes=6)  # type: ignore[attr-defined]  (the view is fresh)
    await press(app, CASHIER, "till:confirm")
    assert alerts(app)[-1] == "This coupon has expired."

    assert await Purchase.filter(member_id=member.id).count() == 0
    assert await Coupon.filter(member_id=member.id, status="redeemed").count() == 0
    assert (await CardScan.get(id=scan_id)).used_at is None  # the card view was given back
    assert await AuditEntry.filter(action="purchase").count() == 0


async def test_a_forged_coupon_of_another_member_is_refused(app: BotUnderTest) -> None:
    member = await anna(app)
    await join(app, BORIS, "+79990000002")
    boris = await Member.get(telegram_id=BORIS.id)
    await hire(app, CASHIER)
    theirs, _ = await issue(app, boris.id, "coffee20", discount_bp=2000)

    scan_id = await scan(app, member.id)
    await press(app, CASHIER, f"till-offer:{scan_id}:{theirs}")
    await press(app, CASHIER, f"till-offer:{scan_id}:999999")
    assert alerts(app)[-2:] == ["No such coupon on this card."] * 2
    assert (await Coupon.get(id=theirs)).status == "active"
    assert (await CardScan.get(id=scan_id)).used_at is None


async def test_a_coupon_is_used_once_even_from_two_tills(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    await hire(app, MANAGER, "manager")
    coffee, _ = await issue(app, member.id, "coffee20", discount_bp=2000, category="coffee")

    # Both tills apply it before either confirms.
    first, second = await scan(app, member.id), await scan(app, member.id, MANAGER, 1)
    await buy_with_offer(app, first, coffee, "1000")
    await buy_with_offer(app, second, coffee, "1000", MANAGER)
    await press(app, CASHIER, "till:confirm")
    await press(app, MANAGER, "till:confirm")
    assert alerts(app)[-1] == "This coupon has already been used."
    assert await Purchase.filter(member_id=member.id).count() == 1
    assert (await CardScan.get(id=second)).used_at is None

    # A new card view, the old button: refused before any purchase.
    third = await scan(app, member.id, minutes_ago=2)
    await press(app, CASHIER, f"till-offer:{third}:{coffee}")
    assert alerts(app)[-1] == "This coupon has already been used."
    assert "till-offer" not in " ".join(inline_data(last(app)))


async def test_a_category_coupon_is_refused_for_another_category(app: BotUnderTest) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    food, _ = await issue(app, member.id, "food15", discount_bp=1500, category="food")
    await buy_with_offer(app, await scan(app, member.id), food, "1000")  # picks coffee
    await press(app, CASHIER, "till:confirm")
    assert alerts(app)[-1] == "This coupon is for another category."
    assert await Purchase.filter(member_id=member.id).count() == 0
    assert (await Coupon.get(id=food)).status == "active"
