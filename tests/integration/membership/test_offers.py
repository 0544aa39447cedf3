from __future__ import annotations

from datetime import timedelta

from bot.adapters.db.models.core import Member
from bot.domain.offers import NewCoupon
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import join, say, texts
from tests.kit.telegram import user

ANNA = user(1001, "Anna", "en")


async def give_coupon(app: BotUnderTest, member_id: int, days: int, key: str) -> None:
    now = app.container.clock.now()
    await app.container.services.offers.issue(
        [
            NewCoupon(
                member_id=member_id,
                offer_code="coffee20",
                discount_bp=2000,
                bonus_points=0,
                category="coffee",
                valid_from=now,
                valid_until=now + timedelta(days=days),
                hours_of_week=None,
                campaign_id=None,
                automation="favourite",
                issue_key=key,
            )
        ]
    )


async def test_offers_lists_the_members_active_coupons_only(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    await say(app, ANNA, "🎁 Offers")
    assert texts(app)[-1].startswith("You have no offers right now")

    member = await Member.get(telegram_id=ANNA.id)
    await give_coupon(app, member.id, days=14, key="a")
    await give_coupon(app, member.id, days=1, key="b")
    app.container.clock.advance(days=2)  # type: ignore[attr-defined]
    await say(app, ANNA, "/offers")
    shown = texts(app)[-1]
    assert shown.count("Coffee −20 %") == 1  # the one-day coupon has ended
    assert "until 16.03.2026" in shown


async def test_offers_before_joining_asks_to_join(app: BotUnderTest) -> None:
    await say(app, user(1500, "Sam", "en"), "/offers")
    assert texts(app)[-1] == "Please finish joining the program first: send /start."
