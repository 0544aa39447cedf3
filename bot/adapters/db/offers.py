"""Coupons, automation targets and VIP spells: the repository behind `uow.offers`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tortoise.expressions import Q

from bot.adapters.db.models.offers import AutomationTarget, Coupon, VipMembership
from bot.domain.offers import Coupon as CouponView
from bot.domain.offers import CouponStatus, NewCoupon

BATCH = 1000


def _coupon(row: Coupon) -> CouponView:
    hours = row.hours_of_week
    return CouponView(
        id=row.id,
        member_id=row.member_id,
        offer_code=row.offer_code,
        discount_bp=row.discount_bp,
        bonus_points=row.bonus_points,
        category=row.category,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        hours_of_week=tuple(int(h) for h in hours) if hours is not None else None,
        status=CouponStatus(row.status),
        campaign_id=row.campaign_id,
        automation=row.automation,
        redeemed_at=row.redeemed_at,
    )


class TortoiseOffers:
    def __init__(self, connection: Any) -> None:
        self._db = connection

    async def issue(self, coupons: Sequence[NewCoupon], now: datetime) -> int:
        """Insert the coupons whose issue key is new; returns how many were inserted."""
        inserted = 0
        for start in range(0, len(coupons), BATCH):
            chunk = coupons[start : start + BATCH]
            keys = [c.issue_key for c in chunk]
            taken: set[Any] = set(
                await Coupon.filter(issue_key__in=keys)
                .using_db(self._db)
                .values_list("issue_key", flat=True)
            )
            fresh = [c for c in chunk if c.issue_key not in taken]
            await Coupon.bulk_create(
                [
                    Coupon(
                        member_id=c.member_id,
                        campaign_id=c.campaign_id,
                        automation=c.automation,
                        offer_code=c.offer_code,
                        discount_bp=c.discount_bp,
                        bonus_points=c.bonus_points,
                        category=c.category,
                        valid_from=c.valid_from,
                        valid_until=c.valid_until,
                        hours_of_week=list(c.hours_of_week) if c.hours_of_week else None,
                        status=CouponStatus.ACTIVE.value,
                        issue_key=c.issue_key,
                        issued_at=now,
                    )
                    for c in fresh
                ],
                using_db=self._db,
            )
            inserted += len(fresh)
        return inserted

    async def coupon(self, coupon_id: int) -> CouponView | None:
        row = await Coupon.filter(id=coupon_id).using_db(self._db).first()
        return _coupon(row) if row else None

    async def active_coupons(self, member_id: int, now: datetime) -> list[CouponView]:
        rows = (
            await Coupon.filter(
                member_id=member_id, status=CouponStatus.ACTIVE.value, valid_until__gt=now
            )
            .using_db(self._db)
            .order_by("valid_until", "id")
        )
        return [_coupon(row) for row in rows]

    async def mark_redeemed(self, coupon_id: int, now: datetime, staff_id: int | None) -> bool:
        """Guarded: only an active coupon becomes redeemed, so two tills cannot both use it."""
        changed = (
            await Coupon.filter(id=coupon_id, status=CouponStatus.ACTIVE.value)
            .using_db(self._db)
            .update(status=CouponStatus.REDEEMED.value, redeemed_at=now, redeemed_by=staff_id)
        )
        return bool(changed)

    async def release_coupon(self, coupon_id: int) -> None:
        await (
            Coupon.filter(id=coupon_id, status=CouponStatus.REDEEMED.value)
            .using_db(self._db)
            .update(status=CouponStatus.ACTIVE.value, redeemed_at=None, redeemed_by=None)
        )

    async def expire_coupons(self, now: datetime) -> int:
        return int(
            await Coupon.filter(status=CouponStatus.ACTIVE.value, valid_until__lte=now)
            .using_db(self._db)
            .update(status=CouponStatus.EXPIRED.value)
        )

    async def record_targets(
        self,
        automation: str,
        campaign_id: int,
        targets: Sequence[tuple[int, bool]],
        now: datetime,
    ) -> None:
        for start in range(0, len(targets), BATCH):
            await AutomationTarget.bulk_create(
                [
                    AutomationTarget(
                        automation=automation,
                        member_id=member_id,
                        campaign_id=campaign_id,
                        held_out=held_out,
                        targeted_at=now,
                    )
                    for member_id, held_out in targets[start : start + BATCH]
                ],
                using_db=self._db,
            )

    async def mark_returned(self, automation: str, since: datetime) -> int:
        """Targets of `automation` since `since` with a purchase after they were targeted get
        `returned_at` = that first purchase (one statement)."""
        rows = await self._db.execute_query_dict(*self._returned_sql(automation, since))
        return len(rows)

    def _returned_sql(self, automation: str, since: datetime) -> tuple[str, list[Any]]:
        postgres = self._db.capabilities.dialect == "postgres"
        p = ["$1", "$2"] if postgres else ["?", "?"]
        value: Any = since if postgres else since.isoformat(sep=" ")
        first = (
            "SELECT MIN(p.created_at) FROM purchases p WHERE p.member_id = t.member_id"
            " AND p.created_at > t.targeted_at"
        )
        sql = (
            f"UPDATE automation_targets AS t SET returned_at = ({first})"
            f" WHERE t.automation = {p[0]} AND t.held_out = {'false' if postgres else '0'}"
            f" AND t.returned_at IS NULL AND t.targeted_at > {p[1]}"
            f" AND EXISTS ({first}) RETURNING id"
        )
        return sql, [automation, value]

    async def target_counts(self, automation: str) -> dict[str, int]:
        """Targets of the automation: treated, held out, returned."""
        base = AutomationTarget.filter(automation=automation).using_db(self._db)
        return {
            "treated": await base.filter(held_out=False).count(),
            "held_out": await base.filter(held_out=True).count(),
            "returned": await base.filter(returned_at__isnull=False).count(),
        }

    async def sync_vip(self, current: Sequence[int], now: datetime) -> tuple[list[int], list[int]]:
        """Open a spell for members newly VIP, close the spells of those who are no longer;
        returns (joined, left)."""
        open_ids: set[Any] = set(
            await VipMembership.filter(left_at__isnull=True)
            .using_db(self._db)
            .values_list("member_id", flat=True)
        )
        now_vip = set(current)
        joined = sorted(now_vip - open_ids)
        left = sorted(open_ids - now_vip)
        await VipMembership.bulk_create(
            [VipMembership(member_id=m, joined_at=now) for m in joined], using_db=self._db
        )
        for start in range(0, len(left), BATCH):
            await (
                VipMembership.filter(
                    Q(member_id__in=left[start : start + BATCH]) & Q(left_at__isnull=True)
                )
                .using_db(self._db)
                .update(left_at=now)
            )
        return joined, left
