"""The owner's reports: campaign results (`/campaigns`) and the KPIs (`/stats [period]`).

Rules:
- owners and managers only (checked here, whatever chat the command came from);
- a campaign named `<automation>:<date>` is one run of an automation: runs are summed into one
  line per automation; every other campaign (a broadcast) is its own line, newest first;
- the KPI period is the last `days` (1..366) up to now; off-peak uplift and NPS as defined in
  `bot/domain/reports.py`;
- the daily digest covers yesterday, midnight to midnight in the program's time zone;
- the launch review covers everything since the first member joined (`Review`).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.analytics import DEFAULT_OFF_PEAK_WEEKS, OpeningHours, quietest_slots
from bot.domain.errors import InvalidInput, PermissionDenied
from bot.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain.program import AUTOMATIONS, Program
from bot.domain.reports import (
    CampaignStats,
    Kpis,
    NetPromoterScore,
    OffPeakUplift,
    Review,
    StaffScore,
    slot_counts,
)
from bot.domain.staff import Actor
from bot.domain.surveys import QuestionKind

MAX_PERIOD_DAYS = 366


class Reports:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, program: Program) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program

    async def campaigns(self, actor: Actor) -> tuple[list[CampaignStats], list[CampaignStats]]:
        """(automations, broadcasts): each with delivered, redeemed, conversion and lift."""
        if not actor.can_manage:
            raise PermissionDenied("reports")
        async with self._uow() as uow:
            campaigns = await uow.reports.campaigns()
        automations: dict[str, CampaignStats] = {}
        others: list[CampaignStats] = []
        for campaign in campaigns:
            prefix = campaign.name.split(":", 1)[0]
            if prefix in AUTOMATIONS:
                previous = automations.get(prefix)
                named = CampaignStats(
                    prefix,
                    campaign.delivered,
                    campaign.redeemed,
                    campaign.held_out,
                    campaign.holdout_converted,
                    campaign.created_at,
                )
                automations[prefix] = named if previous is None else previous.plus(named)
            else:
                others.append(campaign)
        return sorted(automations.values(), key=lambda c: c.name), others[::-1]

    async def kpis(self, actor: Actor, days: int = 30) -> Kpis:
        if not actor.can_manage:
            raise PermissionDenied("reports")
        if not 1 <= days <= MAX_PERIOD_DAYS:
            raise InvalidInput("period must be 1..366 days", reason="stats-period")
        end = self._clock.now()
        return await self.figures(end - timedelta(days=days), end)

    async def figures(self, start: datetime, end: datetime) -> Kpis:
        """The KPIs of [start, end), for callers that checked who is asking (the scheduler's
        digest, the command line)."""
        async with self._uow() as uow:
            kpis = await uow.reports.kpis(start, end, self._program.timezone)
            return dataclasses.replace(
                kpis,
                off_peak=await self._off_peak(uow, start, end),
                nps=NetPromoterScore.of(
                    await uow.reports.nps_counts(start, end, self._nps_questions())
                ),
            )

    def yesterday(self, now: datetime) -> tuple[datetime, datetime]:
        """Yesterday in the program's time zone, as [start, end)."""
        zone = ZoneInfo(self._program.timezone)
        today = datetime.combine(now.astimezone(zone).date(), time(), zone)
        return today - timedelta(days=1), today

    async def _off_peak(self, uow: UnitOfWork, start: datetime, end: datetime) -> OffPeakUplift:
        config = self._program.automation("off_peak")
        hours = OpeningHours.every_day(
            config.threshold("open_hour", 8), config.threshold("close_hour", 22)
        )
        weeks = timedelta(weeks=config.threshold("weeks", DEFAULT_OFF_PEAK_WEEKS))
        tz = self._program.timezone
        slots = quietest_slots(await uow.reports.sales_by_slot(start - weeks, start, tz), hours)
        length = end - start
        return OffPeakUplift(
            slots=tuple(slots),
            current=slot_counts(slots, await uow.reports.sales_by_slot(start, end, tz)),
            previous=slot_counts(slots, await uow.reports.sales_by_slot(start - length, start, tz)),
        )

    def _nps_questions(self) -> list[tuple[str, str]]:
        return [
            (survey.id, question.id)
            for survey in self._program.surveys
            for question in survey.questions
            if question.kind is QuestionKind.NPS
        ]

    async def review(self, actor: Actor) -> Review:
        automations, broadcasts = await self.campaigns(actor)
        by_name = {c.name: c for c in automations}
        delivered = [c for c in [*automations, *broadcasts] if c.delivered > 0]
        best = min(
            delivered,
            key=lambda c: (-(c.conversion or 0), -c.redeemed, c.name),
            default=None,
        )
        now = self._clock.now()
        async with self._uow() as uow:
            since = await uow.reports.launched_at()
            winback = await uow.offers.target_counts("winback")
            board = await uow.staff.leaderboard_counts(since or now, now)
            return Review(
                since=since,
                until=now,
                vip=by_name.get("vip"),
                off_peak=by_name.get("off_peak"),
                off_peak_sales=await uow.reports.redeemed_coupons("off_peak"),
                winback_treated=winback.get("treated", 0),
                winback_returned=winback.get("returned", 0),
                best=best,
                regulars=await uow.reports.regulars_spend(now),
                registrations=await uow.reports.registrations(),
                leaderboard=sorted(
                    (StaffScore(r.name, r.registered, r.purchases) for r in board),
                    key=lambda s: (-s.registered, -s.purchases, s.name),
                ),
            )
