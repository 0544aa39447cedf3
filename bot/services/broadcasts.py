"""The owner's broadcasts from the admin chat: count a segment, send now or schedule, watch the
progress, cancel.

Rules:
- only owners and managers (re-checked here on every call, whatever chat the command came from);
- a tier, favourite category or offer must exist in the program;
- the recipients are the segment's contactable members (active, with a Telegram account, opted
  in, reachable), selected when the broadcast is enqueued: now, or by the scheduler job at the
  scheduled moment (in the program's time zone; it must be in the future);
- a broadcast's holdout share (`holdout_share`, 0 by default) gets `held_out` rows and no coupon;
- with an offer, each treated recipient gets the offer's coupon, attributed to the campaign;
- the owner's photo is a Telegram file id: recorded as the campaign photo's file id, so the
  sender reuses it and uploads nothing;
- selecting the audience, issuing coupons and queuing the rows is one transaction, so a
  scheduled broadcast is enqueued exactly once even if two job runs race (a guarded update).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.broadcasts import (
    TELEGRAM_PHOTO_PREFIX,
    BroadcastDraft,
    BroadcastLaunch,
    BroadcastStatus,
    ScheduledBroadcast,
    Segment,
    SegmentKind,
)
from bot.domain.delivery import (
    KIND_PRIORITY,
    CampaignProgress,
    DeliveryKind,
    DeliveryStatus,
    MessageContent,
    in_holdout,
)
from bot.domain.errors import CampaignNotFound, InvalidInput, PermissionDenied
from bot.domain.offers import NewCoupon
from bot.domain.ports import ChatNotifier, Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain.program import Program
from bot.domain.staff import Actor
from bot.services.delivery import Delivery

CAMPAIGN_PREFIX = "broadcast"


class Broadcasts:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        program: Program,
        delivery: Delivery,
        *,
        notifier: ChatNotifier | None = None,
        holdout_share: float = 0.0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program
        self._delivery = delivery
        self._holdout_share = holdout_share
        self._notifier = notifier
        self._zone = ZoneInfo(program.timezone)

    def authorize(self, actor: Actor) -> None:
        """PermissionDenied unless the actor runs the admin chat (an owner or a manager)."""
        if not actor.can_manage:
            raise PermissionDenied("broadcast")

    def check(self, actor: Actor, draft: BroadcastDraft) -> None:
        """The draft names things the program has."""
        self.authorize(actor)
        segment = draft.segment
        argument = segment.argument or ""
        if segment.kind is SegmentKind.TIER and self._program.tier(argument) is None:
            raise InvalidInput("unknown tier", reason="segment-tier")
        if segment.kind is SegmentKind.FAVOURITE and self._program.category(argument) is None:
            raise InvalidInput("unknown category", reason="segment-category")
        if draft.offer_code is not None and self._program.offer(draft.offer_code) is None:
            raise InvalidInput("unknown offer", reason="broadcast-offer")

    def check_moment(self, at: datetime) -> None:
        """A broadcast is scheduled for the future only."""
        if at <= self._clock.now():
            raise InvalidInput("the moment has passed", reason="broadcast-past")

    async def count(self, actor: Actor, segment: Segment) -> int:
        """How many members would get a broadcast to `segment` now."""
        self.check(actor, BroadcastDraft(segment, "-"))
        async with self._uow() as uow:
            return len(await uow.broadcasts.audience(segment, self._clock.now()))

    async def launch(
        self, actor: Actor, draft: BroadcastDraft, at: datetime | None = None
    ) -> BroadcastLaunch:
        """Send now (`at` None) or schedule for `at`."""
        self.check(actor, draft)
        now = self._clock.now()
        if at is not None:
            self.check_moment(at)
        local_day = (at or now).astimezone(self._zone).date().isoformat()
        campaign = await self._delivery.create_campaign(
            f"{CAMPAIGN_PREFIX}:{local_day}", self._holdout_share
        )
        status = BroadcastStatus.SCHEDULED if at is not None else BroadcastStatus.ENQUEUED
        async with self._uow() as uow:
            broadcast_id = await uow.broadcasts.add(
                draft, campaign.id, status, at, actor.telegram_id, now
            )
            if at is not None:
                recipients = len(await uow.broadcasts.audience(draft.segment, now))
                return BroadcastLaunch(broadcast_id, campaign.id, recipients, at)
            queued, held = await self._enqueue(uow, broadcast_id, campaign.id, draft, now)
        return BroadcastLaunch(broadcast_id, campaign.id, queued, None, held)

    async def enqueue_due(self, now: datetime) -> list[int]:
        """The scheduler job: enqueue every scheduled broadcast whose moment has come; returns
        their campaign ids."""
        async with self._uow() as uow:
            due = await uow.broadcasts.due(now)
        done: list[int] = []
        for broadcast in due:
            async with self._uow() as uow:
                queued = await self._enqueue_scheduled(uow, broadcast, now)
            if queued is None:
                continue
            done.append(broadcast.campaign_id)
            if self._notifier is not None:
                await self._notifier.to_admins(
                    [
                        MessageContent(
                            "broadcast-scheduled-started",
                            {"campaign": broadcast.campaign_id, "count": queued},
                        )
                    ]
                )
        return done

    async def progress(self, actor: Actor, campaign_id: int) -> CampaignProgress:
        self.authorize(actor)
        return await self._delivery.progress(campaign_id)

    async def cancel(self, actor: Actor, campaign_id: int) -> int:
        """Cancel a scheduled or running broadcast; returns how many messages were stopped."""
        self.authorize(actor)
        async with self._uow() as uow:
            broadcast = await uow.broadcasts.by_campaign(campaign_id)
            if broadcast is None:
                raise CampaignNotFound(campaign_id=campaign_id)
            await uow.broadcasts.cancel(campaign_id)
        return await self._delivery.cancel_campaign(campaign_id)

    async def _enqueue_scheduled(
        self, uow: UnitOfWork, broadcast: ScheduledBroadcast, now: datetime
    ) -> int | None:
        """How many were queued; None when another run (or a cancel) took it first."""
        if not await uow.broadcasts.mark_enqueued(broadcast.id, 0, now):
            return None
        queued, _ = await self._enqueue(
            uow, broadcast.id, broadcast.campaign_id, broadcast.draft, now
        )
        return queued

    async def _enqueue(
        self,
        uow: UnitOfWork,
        broadcast_id: int,
        campaign_id: int,
        draft: BroadcastDraft,
        now: datetime,
    ) -> tuple[int, int]:
        """Select, issue coupons and queue, in the caller's transaction; (treated, held out)."""
        members = await uow.broadcasts.audience(draft.segment, now)
        campaign = await uow.outbox.campaign(campaign_id)
        share = campaign.holdout_share if campaign else 0.0
        rows = [
            (
                m,
                DeliveryStatus.HELD_OUT
                if in_holdout(campaign_id, m, share)
                else DeliveryStatus.PENDING,
            )
            for m in members
        ]
        treated = [m for m, status in rows if status is DeliveryStatus.PENDING]
        offer = self._program.offer(draft.offer_code)
        if offer is not None:
            await uow.offers.issue(
                [
                    NewCoupon(
                        member_id=m,
                        offer_code=offer.code,
                        discount_bp=offer.discount_bp,
                        bonus_points=offer.bonus_points,
                        category=offer.category,
                        valid_from=now,
                        valid_until=now + timedelta(days=offer.valid_days),
                        hours_of_week=None,
                        campaign_id=campaign_id,
                        automation=None,
                        issue_key=f"{CAMPAIGN_PREFIX}:{campaign_id}:{m}",
                    )
                    for m in treated
                ],
                now,
            )
        content = draft.content()
        if draft.photo is not None:
            await uow.outbox.remember_photo(TELEGRAM_PHOTO_PREFIX + draft.photo, draft.photo, now)
        await uow.outbox.add_campaign(
            campaign_id, rows, content, KIND_PRIORITY[DeliveryKind.MARKETING], now
        )
        await uow.broadcasts.set_recipients(broadcast_id, len(treated), now)
        return len(treated), len(rows) - len(treated)
