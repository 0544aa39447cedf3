"""The daily digest: yesterday (midnight to midnight in the program's time zone) computed on
planted data, checked against hand-counted figures, posted to the admin chat by its job; the
job is planned at `[digest].hour` and not at all when the digest is off."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.models.surveys import SurveyAnswer, SurveyResponse
from bot.domain.program import Digest, Program
from bot.scheduler import jobs
from bot.scheduler.election import SingleProcess
from bot.scheduler.runner import SchedulerRunner
from tests.conftest import ADMIN_CHAT_ID, BotUnderTest
from tests.integration.membership.helpers import last
from tests.kit.purchases import plant_purchase

# The clock: Monday 2 March 2026 09:00 UTC = 12:00 in Moscow. Yesterday is Sunday 1 March in
# Moscow: from 28 February 21:00 UTC to 1 March 21:00 UTC.
BEFORE = datetime(2026, 2, 28, 20, 30, tzinfo=UTC)  # 23:30 on 28 February in Moscow
YESTERDAY = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
LATE_YESTERDAY = datetime(2026, 3, 1, 20, 59, tzinfo=UTC)  # 23:59 in Moscow
TODAY = datetime(2026, 3, 1, 21, 0, tzinfo=UTC)  # 00:00 on 2 March in Moscow


async def member(number: int, joined_at: datetime, source: str = "direct", balance: int = 0) -> int:
    row = await Member.create(
        telegram_id=8900 + number,
        status="active",
        card_code=f"89000000{number}",
        referral_code=f"d{number}",
        source=source,
        joined_at=joined_at,
        balance=balance,
    )
    return row.id


async def buy(member_id: int, amount: int, at: datetime, refunded: int = 0) -> None:
    await plant_purchase(
        member_id=member_id,
        amount=amount,
        refunded_amount=refunded,
        idempotency_key=f"p:{member_id}:{at.isoformat()}:{amount}",
        request_hash="-",
        created_at=at,
    )


async def entry(member_id: int, amount: int, reason: str, at: datetime) -> None:
    await LedgerEntry.create(
        member_id=member_id,
        amount=amount,
        reason=reason,
        actor_type="system",
        idempotency_key=f"l:{member_id}:{reason}:{at.isoformat()}:{amount}",
        balance_after=0,
        created_at=at,
    )


async def plant() -> None:
    old = await member(1, BEFORE, balance=500)  # joined the day before yesterday
    anna = await member(2, YESTERDAY, balance=100)
    boris = await member(3, LATE_YESTERDAY, source="staff", balance=20)
    await member(4, TODAY)  # joined today: not yesterday's
    await buy(old, 300_00, BEFORE)  # the day before: not counted
    await buy(anna, 500_00, YESTERDAY)
    await buy(anna, 200_00, YESTERDAY, refunded=50_00)
    await buy(boris, 300_00, LATE_YESTERDAY)
    await buy(boris, 900_00, TODAY)  # today: not counted
    await entry(anna, 100, "welcome", YESTERDAY)
    await entry(anna, 30, "purchase", YESTERDAY)
    await entry(boris, 20, "purchase", LATE_YESTERDAY)
    await entry(anna, -40, "redemption", LATE_YESTERDAY)
    await entry(boris, 500, "purchase", TODAY)  # today: not counted
    response = await SurveyResponse.create(member_id=anna, survey_id="visit", started_at=YESTERDAY)
    await SurveyAnswer.create(
        response_id=response.id, question_id="nps", value="10", answered_at=YESTERDAY
    )


async def test_the_digest_posts_yesterdays_figures_to_the_admin_chat(app: BotUnderTest) -> None:
    await plant()
    now = app.container.clock.now()
    kpis = await jobs.post_daily_digest(app.container.services.digests, now)
    assert kpis.new_by_channel == {"direct": 1, "staff": 1}  # Anna and Boris
    assert (kpis.purchases, kpis.buyers) == (3, 2)
    assert kpis.spend == 500_00 + 150_00 + 300_00
    assert (kpis.points_issued, kpis.points_redeemed) == (150, 40)
    assert kpis.members_total == 3  # who had joined by the end of yesterday
    assert kpis.active == 3  # bought in the 30 days up to the end of yesterday
    assert kpis.nps.score == 100

    message = last(app)
    assert message.chat_id == ADMIN_CHAT_ID
    text = message.text.replace("\xa0", " ")
    for line in (
        "Вчера, 2026-03-01",
        "Новых участников: 2 (всего 3)",
        "Покупок: 3 от 2 участников, выручка 950 ₽",
        "Баллов начислено: 150, списано: 40, на счетах: 620",
        "Активных (30 дней): 3",
        "NPS: 100",
    ):
        assert line in text, line


def runner(app: BotUnderTest, program: Program) -> SchedulerRunner:
    services = app.container.services
    return SchedulerRunner(
        SingleProcess(),
        program,
        app.container.clock,
        services.automations,
        services.till,
        services.leaderboards,
        digests=services.digests,
    )


async def test_the_digest_job_runs_at_the_configured_hour_or_not_at_all(
    app: BotUnderTest, program: Program
) -> None:
    scheduler = runner(app, dataclasses.replace(program, digest=Digest(enabled=True, hour=8)))
    await scheduler.start()
    try:
        job = scheduler._scheduler.get_job("daily_digest")  # type: ignore[union-attr]
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("8", "0")
        assert str(job.trigger.timezone) == "Europe/Moscow"
        assert job.args[0] is jobs.post_daily_digest
    finally:
        await scheduler.stop()
    scheduler = runner(app, dataclasses.replace(program, digest=Digest(enabled=False)))
    await scheduler.start()
    try:
        assert "daily_digest" not in scheduler.job_ids()
    finally:
        await scheduler.stop()
