"""The daily digest: yesterday's key figures posted to the admin chats by the scheduler.

Rules:
- "yesterday" is midnight to midnight in the program's time zone, before the moment given;
- the figures are the KPIs of that day (`Reports.figures`, the same definitions as `/stats`);
- it goes to every admin chat through the chat notifier (not the outbox: it addresses the
  owners' group, not members).
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.delivery import MessageContent
from bot.domain.ports import ChatNotifier
from bot.domain.reports import Kpis
from bot.services.reports import Reports


class Digests:
    def __init__(self, reports: Reports, notifier: ChatNotifier) -> None:
        self._reports = reports
        self._notifier = notifier

    async def post_daily(self, now: datetime) -> Kpis:
        start, end = self._reports.yesterday(now)
        kpis = await self._reports.figures(start, end)
        await self._notifier.to_admins([digest_message(kpis, start)])
        return kpis


def digest_message(kpis: Kpis, day: datetime) -> MessageContent:
    nps = kpis.nps.score
    return MessageContent(
        "digest-text",
        {
            "date": day.date().isoformat(),
            "members": kpis.members_total,
            "new": kpis.new_members,
            "purchases": kpis.purchases,
            "revenue_money": kpis.spend,
            "buyers": kpis.buyers,
            "issued": kpis.points_issued,
            "redeemed": kpis.points_redeemed,
            "outstanding": kpis.points_outstanding,
            "active": kpis.active,
            "nps": "—" if nps is None else str(nps),
        },
    )
