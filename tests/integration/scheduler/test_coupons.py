"""Coupons are valid only in their window (dates, and hours of the week in the program's
timezone), redeemed once, and attributed to their campaign."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.offers import CouponNotUsable, NewCoupon
from bot.services.delivery import Delivery
from bot.services.offers import Offers
from tests.integration.scheduler.conftest import MakeMember
from tests.kit.clock import FixedClock

MONDAY_9_UTC = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 12:00 in Moscow: slot 12


async def test_coupon_is_valid_only_in_its_window_and_used_once(
    offers: Offers, clock: FixedClock, make_member: MakeMember, database_url: str
) -> None:
    from bot.adapters.db.uow import tortoise_uow_factory

    clock.current = MONDAY_9_UTC
    member, stranger = await make_member(), await make_member()
    campaign = await Delivery(tortoise_uow_factory, clock).create_campaign("off_peak:test")
    await offers.issue(
        [
            NewCoupon(
                member_id=member,
                offer_code="quiet10",
                discount_bp=1000,
                bonus_points=0,
                category=None,
                valid_from=MONDAY_9_UTC + timedelta(hours=1),
                valid_until=MONDAY_9_UTC + timedelta(days=14),
                hours_of_week=(13,),  # Monday 13:00-13:59 Moscow
                campaign_id=campaign.id,
                automation="off_peak",
                issue_key="k1",
            )
        ]
    )
    (coupon,) = await offers.active_coupons(member)

    async def reason() -> str:
        with pytest.raises(CouponNotUsable) as error:
            await offers.redeem_coupon(coupon.id, member)
        return str(error.value.details["reason"])

    assert await reason() == "not-yet-valid"
    clock.current = MONDAY_9_UTC + timedelta(days=1, hours=1)  # Tuesday 13:00: wrong day
    assert await reason() == "outside-hours"
    clock.current = MONDAY_9_UTC + timedelta(days=7, hours=1, minutes=30)  # Monday 13:30
    with pytest.raises(CouponNotUsable):
        await offers.redeem_coupon(coupon.id, stranger)
    used = await offers.redeem_coupon(coupon.id, member, staff_id=5)
    assert (used.status, used.campaign_id, used.automation) == ("redeemed", campaign.id, "off_peak")
    assert await reason() == "redeemed"
    assert await offers.active_coupons(member) == []


async def test_coupon_past_its_end_is_expired(
    offers: Offers, clock: FixedClock, make_member: MakeMember
) -> None:
    clock.current = MONDAY_9_UTC
    member = await make_member()
    await offers.issue(
        [
            NewCoupon(
                member,
                "comeback",
                0,
                200,
                None,
                MONDAY_9_UTC,
                MONDAY_9_UTC + timedelta(days=14),
                None,
                None,
                "winback",
                "k2",
            )
        ]
    )
    (coupon,) = await offers.active_coupons(member)
    clock.current = MONDAY_9_UTC + timedelta(days=14)
    with pytest.raises(CouponNotUsable) as error:
        await offers.redeem_coupon(coupon.id, member)
    assert error.value.details["reason"] == "expired"
    assert await offers.expire_coupons(clock.current) == 1
