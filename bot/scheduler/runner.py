"""The scheduler inside `python -m bot run`: APScheduler 3 (AsyncIOScheduler), started only in
the elected process (see `election.py`).

A background task tries to win the election every `retry` seconds; the leader checks every
`retry` seconds that it still holds the lock and stops its jobs if it lost it. Daily jobs fire
in the program's timezone, tolerate a late start (`misfire_grace_time`) and coalesce missed
runs into one. `/reload` hands the runner the new program and services (`replan`): the job table
is planned again from them; a job already running finishes with the services it started with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.ports import Clock
from bot.domain.program import Program
from bot.scheduler import jobs
from bot.scheduler.election import Election
from bot.services.automations import Automations
from bot.services.broadcasts import Broadcasts
from bot.services.digest import Digests
from bot.services.leaderboard import Leaderboards
from bot.services.till import Till

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 600
ELECTION_RETRY_SECONDS = 30.0


async def _call(job: Callable[[Any, datetime], Awaitable[Any]], service: Any, clock: Clock) -> None:
    await job(service, clock.now())


class SchedulerRunner:
    def __init__(
        self,
        election: Election,
        program: Program,
        clock: Clock,
        automations: Automations,
        till: Till,
        leaderboards: Leaderboards,
        *,
        broadcasts: Broadcasts | None = None,
        digests: Digests | None = None,
        retry: float = ELECTION_RETRY_SECONDS,
    ) -> None:
        self._election = election
        self._clock = clock
        self._retry = retry
        self._set_plan(program, automations, till, leaderboards, broadcasts, digests)
        self._scheduler: AsyncIOScheduler | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def leading(self) -> bool:
        return self._scheduler is not None

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []

    def replan(
        self,
        program: Program,
        automations: Automations,
        till: Till,
        leaderboards: Leaderboards,
        *,
        broadcasts: Broadcasts | None = None,
        digests: Digests | None = None,
    ) -> None:
        """Plan the jobs again from a reloaded program and the services built from it (the
        next election plans from them too)."""
        self._set_plan(program, automations, till, leaderboards, broadcasts, digests)
        if self._scheduler is not None:
            self._scheduler.remove_all_jobs()
            self._add_jobs(self._scheduler)

    def _set_plan(
        self,
        program: Program,
        automations: Automations,
        till: Till,
        leaderboards: Leaderboards,
        broadcasts: Broadcasts | None,
        digests: Digests | None,
    ) -> None:
        self._program = program
        self._automations = automations
        self._till = till
        self._leaderboards = leaderboards
        self._broadcasts = broadcasts
        self._digests = digests

    async def start(self) -> None:
        """Take part in the election (the first attempt is made before returning)."""
        await self._elect()
        self._task = asyncio.create_task(self._keep_electing())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._stop_jobs()
        await self._election.resign()

    async def _keep_electing(self) -> None:
        while True:
            await asyncio.sleep(self._retry)
            try:
                await self._elect()
            except Exception:
                log.exception("scheduler election failed; retrying")

    async def _elect(self) -> None:
        if self.leading:
            if not await self._election.still_leading():
                self._stop_jobs()
            return
        if await self._election.try_lead():
            log.info("this process runs the scheduler")
            self._start_jobs()

    def _start_jobs(self) -> None:
        scheduler = AsyncIOScheduler(
            timezone=self._program.timezone,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                "max_instances": 1,
            },
        )
        self._add_jobs(scheduler)
        scheduler.start()
        self._scheduler = scheduler

    def _add_jobs(self, scheduler: AsyncIOScheduler) -> None:
        tz = self._program.timezone
        for name, job in jobs.AUTOMATION_JOBS.items():
            config = self._program.automation(name)
            if not config.enabled:
                continue
            if name == "birthday":
                # Hourly: each member is greeted once their own local day has begun.
                trigger = CronTrigger(minute=5, timezone=tz)
            else:
                trigger = CronTrigger(
                    day_of_week=config.weekday if config.weekday is not None else "*",
                    hour=config.hour,
                    minute=0,
                    timezone=tz,
                )
            scheduler.add_job(_call, trigger, args=[job, self._automations, self._clock], id=name)
        if any(self._program.automation(name).enabled for name in ("favourite", "vip")):
            # At 50 past each hour, so a selection on the hour moves its totals by 10 minutes.
            scheduler.add_job(
                _call,
                CronTrigger(minute=50, timezone=tz),
                args=[jobs.move_window_totals, self._automations, self._clock],
                id="window_totals",
            )
        scheduler.add_job(
            _call,
            IntervalTrigger(minutes=1),
            args=[jobs.expire_redemption_requests, self._till, self._clock],
            id="expire_redemption_requests",
            misfire_grace_time=60,
        )
        scheduler.add_job(
            _call,
            CronTrigger(day_of_week="mon", hour=10, minute=0, timezone=tz),
            args=[jobs.post_weekly_leaderboard, self._leaderboards, self._clock],
            id="weekly_leaderboard",
        )
        if self._broadcasts is not None:
            scheduler.add_job(
                _call,
                IntervalTrigger(seconds=30),
                args=[jobs.enqueue_scheduled_broadcasts, self._broadcasts, self._clock],
                id="scheduled_broadcasts",
                misfire_grace_time=30,
            )
        digest = self._program.digest
        if self._digests is not None and digest.enabled:
            scheduler.add_job(
                _call,
                CronTrigger(hour=digest.hour, minute=0, timezone=tz),
                args=[jobs.post_daily_digest, self._digests, self._clock],
                id="daily_digest",
            )

    def _stop_jobs(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
