"""The staff leaderboard: who brought members in and who worked the till, over the last week."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.delivery import MessageContent
from bot.domain.errors import PermissionDenied
from bot.domain.ports import ChatNotifier, Clock, UnitOfWorkFactory
from bot.domain.staff import Actor, Leaderboard, rank_leaderboard

LEADERBOARD_WINDOW = timedelta(days=7)
TOP = 10


class Leaderboards:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, notifier: ChatNotifier) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier

    async def board(self, actor: Actor) -> Leaderboard:
        """The last 7 days' leaderboard, for staff and owners (`/top`; the caller's rank is
        `rank_of(actor.staff_id)`).

        - counted per active staff member: members who joined through their `st_` link
          (`members.registered_by`, by `joined_at`) and purchases they recorded
          (`purchases.staff_id`), and surveys completed that credit them (an `sv_` link of
          theirs or their "ask the customer" button: `survey_responses.staff_id`);
        - ranked by members registered, then purchases, then seniority.
        """
        if not actor.is_staff:
            raise PermissionDenied("not-staff", reason="not-staff")
        return await self._compute(self._clock.now())

    async def weekly_leaderboard(self, now: datetime) -> Leaderboard:
        """Post the week up to `now` to the admin chats (the top 10) and return it; for the
        weekly scheduler job."""
        board = await self._compute(now)
        parts = [MessageContent("leaderboard-weekly-title", {"days": LEADERBOARD_WINDOW.days})]
        shown = [row for row in board.rows[:TOP] if row.registered or row.purchases or row.surveys]
        parts += [
            MessageContent(
                "leaderboard-line",
                {
                    "rank": rank,
                    "name": row.name,
                    "registered": row.registered,
                    "purchases": row.purchases,
                    "surveys": row.surveys,
                },
            )
            for rank, row in enumerate(shown, 1)
        ]
        if not shown:
            parts.append(MessageContent("leaderboard-empty"))
        await self._notifier.to_admins(parts)
        return board

    async def _compute(self, now: datetime) -> Leaderboard:
        since = now - LEADERBOARD_WINDOW
        async with self._uow() as uow:
            rows = await uow.staff.leaderboard_counts(since, now)
        return Leaderboard(since, now, rank_leaderboard(rows))
