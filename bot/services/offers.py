"""Coupons: issued by the automations, listed for a member, redeemed once at the till."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.errors import JoinRequired
from bot.domain.members import MemberStatus
from bot.domain.offers import Coupon, CouponNotUsable, NewCoupon, unusable_reason
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.program import Program


class Offers:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, program: Program) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = ZoneInfo(program.timezone)

    async def issue(self, coupons: list[NewCoupon]) -> int:
        """Issue coupons; one whose issue key was used before is not issued again. Returns how
        many were new."""
        async with self._uow() as uow:
            return await uow.offers.issue(coupons, self._clock.now())

    async def active_coupons(self, member_id: int) -> list[Coupon]:
        """The member's coupons not yet used or past their end, soonest ending first (some may
        be outside their hours right now)."""
        async with self._uow() as uow:
            return await uow.offers.active_coupons(member_id, self._clock.now())

    async def coupons_of_customer(self, telegram_id: int) -> list[Coupon]:
        """The active coupons of the member behind a Telegram user (the Offers menu).

        - only a member who finished joining (JoinRequired otherwise);
        - the member is the sender: nothing in the request names another member.
        """
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None or member.status is not MemberStatus.ACTIVE:
                raise JoinRequired("join-required")
            return await uow.offers.active_coupons(member.id, self._clock.now())

    async def redeem_coupon(
        self, coupon_id: int, member_id: int, staff_id: int | None = None
    ) -> Coupon:
        """Use a coupon at the till.

        - the coupon must belong to `member_id` (the card shown), else `not-found`;
        - valid now: inside its dates and, if it has hours, inside them in the program's
          timezone (CouponNotUsable with reason expired / not-yet-valid / outside-hours);
        - used once: a guarded update, so a second till (or a double press) gets `redeemed`;
        - the returned coupon names its campaign and automation: the redemption is attributed
          to them (conversion and lift count redeemed coupons per campaign).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            coupon = await uow.offers.coupon(coupon_id)
            if coupon is None or coupon.member_id != member_id:
                raise CouponNotUsable(reason="not-found")
            reason = unusable_reason(coupon, now, self._tz)
            if reason is not None:
                raise CouponNotUsable(reason=reason)
            if not await uow.offers.mark_redeemed(coupon_id, now, staff_id):
                raise CouponNotUsable(reason="redeemed")
            used = await uow.offers.coupon(coupon_id)
        assert used is not None
        return used

    async def expire_coupons(self, now: datetime) -> int:
        """Mark coupons past their end expired (the scheduler's daily run)."""
        async with self._uow() as uow:
            return await uow.offers.expire_coupons(now)
