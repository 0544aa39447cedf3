"""The automations on planted data with a fixed clock: the right members are targeted and no
others, held-out members get nothing and are counted, cooldowns hold, birthdays come once a
year, expiry reminders 7 days ahead; the SQL selections agree with the pure definitions."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.models.offers import AutomationTarget, Coupon
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.analytics import (
    OpeningHours,
    PurchaseFact,
    favourite_categories,
    lapsed_members,
    off_peak_slots,
    off_peak_targets,
    vip_members,
)
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program
from tests.integration.scheduler.conftest import Buy, MakeMember, with_automation
from tests.kit.clock import FixedClock

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def winback(program: Program, **settings: object) -> Program:
    return with_automation(
        program,
        "winback",
        **{"offer": "comeback", "holdout_bp": 0, "cooldown_days": 30, **settings},
    )


async def test_winback_targets_members_lapsed_by_their_own_rhythm(
    build, program: Program, clock: FixedClock, make_member: MakeMember, buy: Buy
) -> None:
    clock.current = NOW
    weekly, monthly, regular = await make_member(), await make_member(), await make_member()
    for i in range(6):
        await buy(weekly, NOW - timedelta(days=20 + 7 * i))  # weekly, silent 20 days
        await buy(monthly, NOW - timedelta(days=40 + 30 * i))  # monthly, silent 40 days
        await buy(regular, NOW - timedelta(days=2 + 7 * i))
    automations = build(winback(program, thresholds={"min_days": 14, "k": 2}))

    run = await automations.run_winback(NOW)

    assert run.treated == 1
    coupons = await Coupon.all()
    assert [(c.member_id, c.offer_code, c.campaign_id) for c in coupons] == [
        (weekly, "comeback", run.campaign_id)
    ]
    rows = await OutboxMessage.filter(campaign_id=run.campaign_id)
    assert [(r.member_id, r.content_key, r.status) for r in rows] == [
        (weekly, "automation-winback", "pending")
    ]


async def test_lapsed_selection_in_sql_matches_the_definition(
    build, program: Program, make_member: MakeMember, buy: Buy
) -> None:
    rng = random.Random(8)
    facts: list[PurchaseFact] = []
    for _ in range(30):
        member = await make_member()
        rhythm = rng.choice([1, 3, 7, 14, 30])
        at = NOW - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 23))
        for _ in range(rng.randint(1, 6)):
            facts.append(await buy(member, at, amount=rng.randint(1, 9) * 1000))
            if rng.random() < 0.2:  # a second receipt at the same visit
                facts.append(await buy(member, at - timedelta(minutes=10)))
            at -= timedelta(days=rhythm * rng.uniform(0.5, 1.5))
    async with tortoise_uow_factory() as uow:
        lapsed = await uow.segments.lapsed(
            NOW, min_days=10, k=3, automation="winback", cooldown_since=NOW
        )
        vip = await uow.segments.vip(
            NOW,
            since=NOW - timedelta(days=90),
            share_bp=1000,
            automation="vip",
            cooldown_since=NOW,
        )
    assert set(lapsed) == lapsed_members(facts, NOW, min_days=10, k=3)
    assert set(vip) == vip_members(facts, NOW, days=90, share_bp=1000)


async def test_held_out_members_get_nothing_and_are_counted(
    build, program: Program, clock: FixedClock, make_member: MakeMember, buy: Buy
) -> None:
    clock.current = NOW
    members = [await make_member() for _ in range(40)]
    for member in members:
        await buy(member, NOW - timedelta(days=60))
    automations = build(winback(program, holdout_bp=5000))

    run = await automations.run_winback(NOW)

    held = {t.member_id for t in await AutomationTarget.filter(held_out=True)}
    assert run.held_out == len(held) > 0 and run.treated == 40 - len(held) > 0
    coupon_owners = {c.member_id for c in await Coupon.all()}
    assert coupon_owners == set(members) - held
    rows = await OutboxMessage.filter(campaign_id=run.campaign_id)
    assert {r.member_id for r in rows if r.status == "held_out"} == held
    assert {r.member_id for r in rows if r.status == "pending"} == set(members) - held
    counts = await automations.target_counts("winback")
    assert counts["held_out"] == len(held) and counts["treated"] == 40 - len(held)


async def test_cooldown_holds_until_it_ends_and_a_return_is_recorded(
    build, program: Program, clock: FixedClock, make_member: MakeMember, buy: Buy
) -> None:
    clock.current = NOW
    member = await make_member()
    await buy(member, NOW - timedelta(days=60))
    automations = build(winback(program, cooldown_days=30))

    assert (await automations.run_winback(NOW)).treated == 1
    assert (await automations.run_winback(NOW + timedelta(days=1))).treated == 0
    assert (await automations.run_winback(NOW + timedelta(days=29))).treated == 0
    assert (await automations.run_winback(NOW + timedelta(days=31))).treated == 1

    await buy(member, NOW + timedelta(days=33))
    await automations.run_winback(NOW + timedelta(days=34))
    assert (await automations.target_counts("winback"))["returned"] == 1


async def test_birthday_on_the_members_own_day_once_a_year(
    build, program: Program, clock: FixedClock, make_member: MakeMember
) -> None:
    clock.current = NOW  # 12:00 in Moscow; 23:00 on 2 March at UTC+14
    today = await make_member(birthday=date(1990, 3, 2))
    tomorrow_far_east = await make_member(birthday=date(1985, 3, 3), timezone="Pacific/Kiritimati")
    other = await make_member(birthday=date(1990, 7, 1))
    automations = build(with_automation(program, "birthday"))

    first = await automations.run_birthday(NOW)
    clock.current = NOW + timedelta(hours=1)  # 00:00 on 3 March at UTC+14
    second = await automations.run_birthday(clock.current)
    again = await automations.run_birthday(clock.current + timedelta(hours=1))

    assert (first.treated, second.treated, again.treated) == (1, 1, 0)
    rewards = await LedgerEntry.filter(reason="birthday").order_by("id")
    assert [e.member_id for e in rewards] == [today, tomorrow_far_east]
    assert other not in {r.member_id for r in await OutboxMessage.all()}

    next_year = NOW.replace(year=2027)
    assert (await automations.run_birthday(next_year)).treated == 1
    assert await LedgerEntry.filter(reason="birthday", member_id=today).count() == 2


async def test_expiry_reminder_comes_seven_days_before_a_lot_expires(
    build, program: Program, clock: FixedClock, make_member: MakeMember
) -> None:
    clock.current = NOW
    member = await make_member()
    automations = build(with_automation(program, "expiry_reminder", cooldown_days=1))
    await automations._ledger.adjust(LedgerActor.owner(1), member, 120, "test", "give-1")
    expires = NOW + timedelta(days=program.expiry.after_days or 0)

    assert (await automations.run_expiry_reminder(expires - timedelta(days=8))).treated == 0
    run = await automations.run_expiry_reminder(expires - timedelta(days=7))
    assert run.treated == 1
    row = await OutboxMessage.get(campaign_id=run.campaign_id)
    assert (row.member_id, row.content_key, row.content_vars["points"]) == (
        member,
        "automation-expiry-reminder",
        120,
    )
    assert (
        await automations.run_expiry_reminder(expires - timedelta(days=6, hours=12))
    ).treated == 0


async def test_favourite_category_gets_its_offer(
    build, program: Program, make_member: MakeMember, buy: Buy
) -> None:
    coffee, food, none = await make_member(), await make_member(), await make_member()
    facts = [
        await buy(coffee, NOW - timedelta(days=3), 50_000, "coffee"),
        await buy(coffee, NOW - timedelta(days=5), 10_000, "food"),
        await buy(food, NOW - timedelta(days=3), 20_000, "food"),
        await buy(none, NOW - timedelta(days=3), 20_000, "merch"),
        await buy(none, NOW - timedelta(days=100), 90_000, "coffee"),
    ]
    automations = build(with_automation(program, "favourite"))

    run = await automations.run_favourite(NOW)

    assert favourite_categories(facts, NOW) == {coffee: "coffee", food: "food", none: "merch"}
    assert run.treated == 2
    assert {(c.member_id, c.offer_code) for c in await Coupon.all()} == {
        (coffee, "coffee20"),
        (food, "food15"),
    }


async def test_off_peak_finds_the_planted_quiet_slots_and_their_avoiders(
    build, program: Program, make_member: MakeMember, buy: Buy
) -> None:
    # Open 10:00-11:00 Moscow (07 UTC) every day: 7 slots, the 2 quietest are off-peak.
    # Planted: many purchases on every day but Tuesday and Thursday.
    busy, avoider, quiet_goer = await make_member(), await make_member(), await make_member()
    facts: list[PurchaseFact] = []
    for day in range(1, 50):
        at = (NOW - timedelta(days=day)).replace(hour=7, minute=30)
        if at.weekday() in (1, 3):
            if day < 10:
                facts.append(await buy(quiet_goer, at))
            continue
        facts.append(await buy(busy, at))
        facts.append(await buy(busy, at + timedelta(minutes=5)))
        if day % 7 == 0:
            facts.append(await buy(avoider, at))
            facts.append(await buy(quiet_goer, at))
    thresholds = {"weeks": 8, "min_purchases": 3, "open_hour": 10, "close_hour": 11}
    automations = build(
        with_automation(program, "off_peak", offer="quiet10", thresholds=thresholds)
    )

    run = await automations.run_off_peak(NOW)

    from zoneinfo import ZoneInfo

    tz = ZoneInfo(program.timezone)
    slots = off_peak_slots(facts, NOW, OpeningHours.every_day(10, 11), tz)
    assert slots == [1 * 24 + 10, 3 * 24 + 10]
    assert off_peak_targets(facts, slots, NOW, tz) == {busy, avoider}
    coupons = await Coupon.all()
    assert {c.member_id for c in coupons} == {busy, avoider} and run.treated == 2
    assert all(sorted(c.hours_of_week) == slots for c in coupons)
