"""Scheduler jobs: thin wrappers, the moment in, one service call. The scheduler (its process
election, triggers and the container it resolves services from) is set up in `runner.py`."""

from __future__ import annotations

from datetime import datetime

from bot.domain.reports import Kpis
from bot.services.automations import AutomationRun, Automations
from bot.services.broadcasts import Broadcasts
from bot.services.digest import Digests
from bot.services.leaderboard import Leaderboards
from bot.services.till import Till


async def expire_redemption_requests(till: Till, now: datetime) -> int:
    """Every minute or so: mark unanswered redemption requests expired on the staff messages
    (a late press is refused without it; this only makes the outcome visible sooner)."""
    return await till.expire_redemption_requests(now)


async def post_weekly_leaderboard(leaderboards: Leaderboards, now: datetime) -> None:
    """Weekly: the staff leaderboard of the past 7 days to the admin chats."""
    await leaderboards.weekly_leaderboard(now)


async def birthday(automations: Automations, now: datetime) -> AutomationRun:
    return await automations.run_birthday(now)


async def expiry_reminder(automations: Automations, now: datetime) -> AutomationRun:
    return await automations.run_expiry_reminder(now)


async def points_expiry(automations: Automations, now: datetime) -> int:
    return await automations.run_points_expiry(now)


async def tier_recalculation(automations: Automations, now: datetime) -> int:
    return await automations.run_tier_recalculation(now)


async def winback(automations: Automations, now: datetime) -> AutomationRun:
    return await automations.run_winback(now)


async def vip(automations: Automations, now: datetime) -> AutomationRun:
    return await automations.run_vip(now)


async def favourite(automations: Automations, now: datetime) -> AutomationRun:
    return await automations.run_favourite(now)


async def off_peak(automations: Automations, now: datetime) -> AutomationRun:
    return await automations.run_off_peak(now)


async def move_window_totals(automations: Automations, now: datetime) -> int:
    """Hourly: the favourite and VIP window totals moved up to now."""
    return await automations.move_window_totals(now)


AUTOMATION_JOBS = {
    "birthday": birthday,
    "expiry_reminder": expiry_reminder,
    "points_expiry": points_expiry,
    "tier_recalculation": tier_recalculation,
    "winback": winback,
    "vip": vip,
    "favourite": favourite,
    "off_peak": off_peak,
}


async def enqueue_scheduled_broadcasts(broadcasts: Broadcasts, now: datetime) -> list[int]:
    """Every 30 s: queue the owner's scheduled broadcasts whose moment has come."""
    return await broadcasts.enqueue_due(now)


async def post_daily_digest(digests: Digests, now: datetime) -> Kpis:
    """Daily at `[digest].hour`: yesterday's key figures to the admin chats."""
    return await digests.post_daily(now)
