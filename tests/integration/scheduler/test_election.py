"""Exactly one scheduler across processes: a second instance stays idle while the first holds
the PostgreSQL advisory lock, and takes over once it is released."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.domain.program import Automation, Program
from bot.scheduler.election import PostgresAdvisoryLock, SingleProcess
from bot.scheduler.runner import MISFIRE_GRACE_SECONDS, SchedulerRunner
from tests.conftest import BotUnderTest


def runner(app: BotUnderTest, program: Program, election: object) -> SchedulerRunner:
    services = app.container.services
    return SchedulerRunner(
        election,  # type: ignore[arg-type]
        program,
        app.container.clock,
        services.automations,
        services.till,
        services.leaderboards,
        retry=0.05,
    )


@pytest.mark.postgres
async def test_second_scheduler_stays_idle_while_the_first_holds_the_lock(
    app: BotUnderTest, program: Program, database_url: str
) -> None:
    first = runner(app, program, PostgresAdvisoryLock(database_url, key=42_4242))
    second = runner(app, program, PostgresAdvisoryLock(database_url, key=42_4242))
    await first.start()
    await second.start()
    try:
        await asyncio.sleep(0.2)  # several election rounds
        assert first.leading and not second.leading
        assert second.job_ids() == []

        await first.stop()
        for _ in range(100):
            if second.leading:
                break
            await asyncio.sleep(0.05)
        assert second.leading
    finally:
        await first.stop()
        await second.stop()


async def test_enabled_automations_are_daily_jobs_that_tolerate_a_late_start(
    app: BotUnderTest, program: Program
) -> None:
    program = dataclasses.replace(
        program,
        automations={
            "winback": Automation(enabled=True, hour=12),
            "vip": Automation(enabled=False),
        },
    )
    scheduler = runner(app, program, SingleProcess())
    await scheduler.start()
    try:
        assert scheduler.leading
        assert "winback" in scheduler.job_ids() and "vip" not in scheduler.job_ids()
        assert "window_totals" not in scheduler.job_ids()  # neither favourite nor VIP is on
        job = scheduler._scheduler.get_job("winback")  # type: ignore[union-attr]
        assert job.coalesce and job.misfire_grace_time == MISFIRE_GRACE_SECONDS >= 300
    finally:
        await scheduler.stop()


async def test_the_window_totals_move_hourly_while_favourite_or_vip_is_on(
    app: BotUnderTest, program: Program
) -> None:
    program = dataclasses.replace(program, automations={"vip": Automation(enabled=True, hour=12)})
    scheduler = runner(app, program, SingleProcess())
    await scheduler.start()
    try:
        assert "window_totals" in scheduler.job_ids()
        job = scheduler._scheduler.get_job("window_totals")  # type: ignore[union-attr]
        fields = {field.name: str(field) for field in job.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("*", "50")  # every hour at 50 past
    finally:
        await scheduler.stop()
