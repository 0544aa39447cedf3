"""/stats and /campaigns: the KPI statements checked against the definitions of
bot/domain/analytics.py on planted data, the charts are PNGs, the role is checked."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from aiogram.types import BufferedInputFile

from bot.adapters import charts
from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import Campaign, OutboxMessage
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.models.offers import AutomationTarget, Coupon
from bot.adapters.db.models.surveys import SurveyAnswer, SurveyResponse
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain import analytics
from bot.domain.analytics import PurchaseFact
from bot.domain.program import Program
from bot.domain.reports import NetPromoterScore
from bot.domain.staff import Actor, Role
from bot.services.reports import Reports
from tests.conftest import OWNER_ID, BotUnderTest
from tests.integration.membership.helpers import last
from tests.integration.staff.test_till import CASHIER, OWNER, hire, in_admin_chat
from tests.kit.png import png_size, png_text
from tests.kit.purchases import plant_purchase

PNG = b"\x89PNG\r\n\x1a\n"


async def plant(app: BotUnderTest) -> list[PurchaseFact]:
    """20 members joined over 60 days through three channels, with purchases over 120 days
    (some refunded in part) and their ledger entries."""
    now = app.container.clock.now()
    rng = random.Random(7)
    facts: list[PurchaseFact] = []
    for number in range(1, 21):
        member = await Member.create(
            telegram_id=8000 + number,
            status="active",
            card_code=f"2000000{number:02d}",
            referral_code=f"r{number}",
            source=("direct", "staff", "referral")[number % 3],
            joined_at=now - timedelta(days=3 * number, hours=1),
            balance=number * 10,
        )
        rhythm = rng.choice([3, 7, 20])
        at = now - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 12))
        for visit in range(rng.randint(1, 8)):
            amount = rng.randint(100, 5000) * 100
            refunded = amount // 2 if visit == 2 else 0
            purchase = await plant_purchase(
                member_id=member.id,
                amount=amount,
                refunded_amount=refunded,
                category=rng.choice(["coffee", "food", None]),
                idempotency_key=f"p:{number}:{visit}",
                request_hash="-",
                created_at=at,
            )
            facts.append(PurchaseFact(member.id, amount - refunded, at, purchase.category))
            for reason, points in (("purchase", amount // 1000), ("redemption", -visit * 10)):
                if points:
                    await LedgerEntry.create(
                        member_id=member.id,
                        amount=points,
                        reason=reason,
                        actor_type="system",
                        idempotency_key=f"l:{number}:{visit}:{reason}",
                        balance_after=0,
                        created_at=at,
                    )
            at -= timedelta(days=rhythm, hours=rng.randint(0, 5))
    return facts


async def test_kpis_follow_the_analytics_definitions(app: BotUnderTest) -> None:
    facts = await plant(app)
    now = app.container.clock.now()
    start = now - timedelta(days=30)
    kpis = await app.container.services.reports.kpis(Actor(OWNER_ID, Role.OWNER), 30)
    in_period = [f for f in facts if start <= f.at < now]

    assert kpis.members_total == 20
    assert kpis.new_by_channel == {"direct": 3, "referral": 3, "staff": 3}  # joined 3..27 days ago
    assert kpis.active == len(analytics.active_members(facts, now))
    assert kpis.repeat_rate == analytics.repeat_purchase_rate(facts, start, now)
    assert kpis.purchases == len(in_period)
    assert kpis.spend == sum(f.amount for f in in_period)
    assert kpis.average_check == kpis.spend // len(in_period)
    assert kpis.visit_frequency == Fraction(len(in_period), len({f.member_id for f in in_period}))
    vip = analytics.vip_members(facts, now)
    assert kpis.vip_count == len(vip) == 2  # the top decile of 20 buyers in 90 days
    assert kpis.vip_spend == sum(f.amount for f in in_period if f.member_id in vip)
    assert kpis.lapsed == len(analytics.lapsed_members(facts, now))
    assert kpis.points_outstanding == sum(n * 10 for n in range(1, 21))
    issued = await LedgerEntry.filter(amount__gt=0, created_at__gte=start).values_list(
        "amount", flat=True
    )
    assert kpis.points_issued == sum(issued)
    # members 10..20 joined 30+ days ago; 1..9 within the period, one every three days
    counts = [count for _, count in kpis.growth]
    assert len(counts) == 31  # every UTC day from the period's first to today
    assert counts[0] == 11 and counts[-1] == 20 and counts == sorted(counts)
    assert sum(kpis.heatmap.values()) == len(in_period)


async def test_stats_answers_with_text_and_three_png_charts(app: BotUnderTest) -> None:
    await plant(app)
    await in_admin_chat(app, OWNER, "/stats 30")
    text = last(app).text
    assert "Участников: 20" in text
    photos = app.session.sent("SendPhoto")
    assert [p.photo.filename for p in photos] == ["growth.png", "heatmap.png", "funnel.png"]
    titles = []
    for photo in photos:
        assert isinstance(photo.photo, BufferedInputFile)
        assert png_size(photo.photo.data) >= (400, 200)  # a whole, valid PNG of a real size
        titles.append(png_text(photo.photo.data)["Title"])
    assert titles == [
        "Участники",
        "Покупки по часам недели",
        "Кампании: доставлено и использовано",
    ]


async def test_a_cashier_gets_no_figures(app: BotUnderTest) -> None:
    await hire(app, CASHIER)
    for command in ("/stats", "/campaigns"):
        await in_admin_chat(app, CASHIER, command)
        assert "not allowed" in last(app).text
    assert app.session.sent("SendPhoto") == []


async def test_campaigns_show_conversion_and_lift_over_the_holdout(app: BotUnderTest) -> None:
    now = app.container.clock.now()
    campaign = await Campaign.create(name="winback:2026-02-20", holdout_share=0.2, created_at=now)
    for number in range(1, 11):
        member = await Member.create(
            telegram_id=9100 + number,
            status="active",
            card_code=f"3000000{number:02d}",
            referral_code=f"c{number}",
        )
        status = "held_out" if number <= 2 else "sent"
        await OutboxMessage.create(
            kind="marketing",
            member_id=member.id,
            campaign_id=campaign.id,
            content_key="automation-winback",
            status=status,
            next_attempt_at=now,
            created_at=now,
        )
        if status == "sent":
            await Coupon.create(
                member_id=member.id,
                campaign_id=campaign.id,
                offer_code="comeback",
                valid_from=now,
                valid_until=now + timedelta(days=14),
                status="redeemed" if number <= 6 else "active",
                issue_key=f"k{number}",
                issued_at=now,
            )
        if number == 1:  # a held-out member who bought anyway, within the window
            await plant_purchase(
                member_id=member.id,
                amount=100,
                idempotency_key="hold",
                request_hash="-",
                created_at=now + timedelta(days=2),
            )
    await in_admin_chat(app, OWNER, "/campaigns")
    # 8 delivered, 4 redeemed (50 %); holdout 1 of 2 (50 %): lift 0.
    assert "winback: 8 → 4 (50.0 %)" in last(app).text
    assert "+0.0 %" in last(app).text


def test_every_chart_is_a_valid_png_carrying_its_title() -> None:
    day = datetime(2026, 3, 1, tzinfo=UTC)
    made = {
        "Growth": charts.member_growth([(day, 1), (day + timedelta(days=1), 3)], "Growth"),
        "Heatmap": charts.sales_heatmap({0: 3, 30: 1}, "Heatmap"),
        "Funnel": charts.campaign_funnel([("a", 3, 1)], "Funnel", ("d", "r")),
        "Рост": charts.bars([("a", 1.5)], "Рост"),
    }
    for title, png in made.items():
        assert png.startswith(PNG) and png_text(png)["Title"] == title


async def _campaign(name: str, sent: list[int], redeemed: list[int], held: list[int]) -> None:
    now = datetime(2026, 2, 1, tzinfo=UTC)
    campaign = await Campaign.create(name=name, holdout_share=0.1, created_at=now)
    automation = name.split(":")[0]
    for member_id in [*sent, *held]:
        await OutboxMessage.create(
            kind="marketing",
            member_id=member_id,
            campaign_id=campaign.id,
            content_key="k",
            status="sent" if member_id in sent else "held_out",
            next_attempt_at=now,
            created_at=now,
        )
        if member_id in sent:
            await Coupon.create(
                member_id=member_id,
                campaign_id=campaign.id,
                automation=automation,
                offer_code="x",
                valid_from=now,
                valid_until=now + timedelta(days=14),
                status="redeemed" if member_id in redeemed else "active",
                issue_key=f"{name}:{member_id}",
                issued_at=now,
            )
        else:
            await AutomationTarget.create(
                automation=automation,
                member_id=member_id,
                campaign_id=campaign.id,
                held_out=True,
                targeted_at=now,
            )
    if automation == "winback":
        for member_id in sent:
            await AutomationTarget.create(
                automation=automation,
                member_id=member_id,
                campaign_id=campaign.id,
                targeted_at=now,
                returned_at=now + timedelta(days=3) if member_id in redeemed else None,
            )


async def test_the_launch_review_answers_its_questions(app: BotUnderTest) -> None:
    now = app.container.clock.now()  # 2026-03-02 09:00 UTC
    ids = []
    for number in range(1, 9):
        member = await Member.create(
            telegram_id=9300 + number,
            status="active",
            card_code=f"4000000{number:02d}",
            referral_code=f"v{number}",
            source="staff" if number <= 3 else "direct",
            joined_at=now - timedelta(days=100 - number),
        )
        ids.append(member.id)
    # Two regulars (3 purchases in 8 weeks, joined 60+ days ago): 1 000 each in their first
    # 30 days; now 3 x 1 000 (member 1) and 3 x 500 (member 2) in the last 30 days.
    for index, (member_id, recent) in enumerate([(ids[0], 100_000), (ids[1], 50_000)]):
        joined = now - timedelta(days=99 - index)
        at_times = [joined + timedelta(days=5), *(now - timedelta(days=d) for d in (2, 9, 16))]
        for visit, at in enumerate(at_times):
            await plant_purchase(
                member_id=member_id,
                amount=100_000 if visit == 0 else recent,
                idempotency_key=f"r:{member_id}:{visit}",
                request_hash="-",
                created_at=at,
            )
    await _campaign("vip:2026-02-01", sent=ids[:4], redeemed=ids[:1], held=ids[4:5])
    await _campaign("off_peak:2026-02-01", sent=ids[:4], redeemed=ids[:3], held=[])
    await _campaign("winback:2026-02-01", sent=ids[4:8], redeemed=ids[4:6], held=[])
    await hire(app, CASHIER)

    review = await app.container.services.reports.review(Actor(OWNER_ID, Role.OWNER))
    assert review.vip is not None and (review.vip.delivered, review.vip.redeemed) == (4, 1)
    assert review.vip.lift == Fraction(1, 4)  # 25 % against a holdout that did not buy
    assert review.off_peak_sales == 3
    assert (review.winback_treated, review.winback_returned) == (4, 2)
    assert review.best is not None and review.best.name == "off_peak"  # 3 of 4
    assert review.regulars.regulars == 2
    assert (review.regulars.first_spend, review.regulars.recent_spend) == (200_000, 450_000)
    assert review.regulars.growth == Fraction(5, 4)
    assert review.registrations == {"direct": 5, "staff": 3}
    assert [s.name for s in review.leaderboard] == ["Carol"]

    app.session.clear()
    await in_admin_chat(app, OWNER, "/review")
    text = last(app).text
    assert "off_peak: 4 → 3 (75.0 %)" in text and "+125.0 %" in text
    photos = app.session.sent("SendPhoto")
    assert [p.photo.filename for p in photos] == [
        "registrations.png",
        "promotions.png",
        "regulars.png",
    ]
    assert [png_text(p.photo.data)["Title"] for p in photos] == [
        "Регистрации по каналам",
        "Конверсия акций, %",
        "Траты постоянных клиентов",
    ]


MSK = ZoneInfo("Europe/Moscow")


def _msk(day: int, hour: int, month: int = 2) -> datetime:
    return datetime(2026, month, day, hour, 30, tzinfo=MSK)


async def _buy(member_id: int, at: datetime, key: str) -> None:
    await plant_purchase(
        member_id=member_id, amount=10_000, idempotency_key=key, request_hash="-", created_at=at
    )


async def test_off_peak_uplift_compares_the_quiet_slots_with_the_previous_period(
    app: BotUnderTest, program: Program
) -> None:
    # Open 08:00-12:00 every day: 28 slots, the quietest quarter is 7 of them.
    hours = {"open_hour": 8, "close_hour": 12, "weeks": 8}
    off_peak = dataclasses.replace(program.automation("off_peak"), thresholds=hours)
    program = dataclasses.replace(
        program, automations={**program.automations, "off_peak": off_peak}
    )
    reports = Reports(tortoise_uow_factory, app.container.clock, program)
    member = await Member.create(
        telegram_id=8500, status="active", card_code="500000001", referral_code="op"
    )
    # The baseline (the 8 weeks before the period): two purchases in every open hour of the
    # week of 2 February but Wednesday's four and Thursday 08-10, which stay at zero.
    quiet = {(2, 8), (2, 9), (2, 10), (2, 11), (3, 8), (3, 9), (3, 10)}  # (weekday, hour)
    for weekday in range(7):
        for hour in range(8, 12):
            if (weekday, hour) not in quiet:
                for n in range(2):
                    await _buy(member.id, _msk(2 + weekday, hour), f"b:{weekday}:{hour}:{n}")
    # The period is the 7 days to Monday 2 March 12:00 MSK; the previous one the 7 before.
    await _buy(member.id, _msk(18, 9), "prev:wed9")  # quiet
    await _buy(member.id, _msk(19, 10), "prev:thu10")  # quiet
    await _buy(member.id, _msk(17, 8), "prev:tue8")  # busy
    await _buy(member.id, _msk(25, 8), "now:wed8")  # quiet
    await _buy(member.id, _msk(25, 11), "now:wed11")  # quiet
    await _buy(member.id, _msk(26, 9), "now:thu9")  # quiet
    await _buy(member.id, _msk(27, 8), "now:fri8")  # busy
    await _buy(member.id, _msk(25, 15), "now:wed15")  # closed hours: no slot

    kpis = await reports.kpis(Actor(OWNER_ID, Role.OWNER), 7)

    assert kpis.off_peak is not None
    assert kpis.off_peak.slots == (56, 57, 58, 59, 80, 81, 82)  # Wed 08-11, Thu 08-10
    assert (kpis.off_peak.current, kpis.off_peak.previous) == (3, 2)
    assert kpis.off_peak.uplift == Fraction(1, 2)  # +50 %


async def _answer(member_id: int, question: str, value: int, at: datetime) -> None:
    response, _ = await SurveyResponse.get_or_create(
        member_id=member_id, survey_id="visit", defaults={"started_at": at}
    )
    await SurveyAnswer.create(
        response_id=response.id, question_id=question, value=str(value), answered_at=at
    )


async def test_nps_counts_the_answers_to_nps_questions_in_the_period(app: BotUnderTest) -> None:
    now = app.container.clock.now()
    scores = [10, 10, 9, 9, 9, 8, 7, 6, 2, 0]  # 5 promoters, 2 passives, 3 detractors
    for number, score in enumerate(scores, start=1):
        member = await Member.create(
            telegram_id=8600 + number,
            status="active",
            card_code=f"60000000{number:02d}",
            referral_code=f"n{number}",
        )
        await _answer(member.id, "nps", score, now - timedelta(days=number))
        await _answer(member.id, "taste", 1, now - timedelta(days=number))  # a rating: not NPS
    late = await Member.create(telegram_id=8700, status="active", card_code="7", referral_code="l")
    await _answer(late.id, "nps", 0, now - timedelta(days=40))  # before the period

    kpis = await app.container.services.reports.kpis(Actor(OWNER_ID, Role.OWNER), 30)
    assert (kpis.nps.answers, kpis.nps.promoters, kpis.nps.detractors) == (10, 5, 3)
    assert kpis.nps.score == 20  # 50 % - 30 %

    await in_admin_chat(app, OWNER, "/stats 30")
    text = app.session.texts()[-1]
    assert "NPS: 20 (ответов: 10)" in text
    assert "Продажи в тихие часы: 0 против 0 за прошлый период (—)" in text  # no sales yet


def test_nps_truncates_toward_zero_and_is_undefined_without_answers() -> None:
    assert NetPromoterScore.of({}).score is None
    assert NetPromoterScore.of({10: 1, 0: 2}).score == -33  # -33.3 %
    assert NetPromoterScore.of({9: 2, 7: 1}).score == 66  # 66.7 %
