"""The synthetic data generator (`bench/gen_data.py`) at small scale, through the real tables:
what it plants by construction is exactly what the selections of the automations find (and what
the pure definitions of `bot/domain/analytics.py` say about the same rows), so the data the
segments benchmark times is data on which the selections mean something."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bench.gen_data import NOW, Planted, Spec, generate
from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import LedgerEntry, Purchase
from bot.adapters.db.models.offers import Coupon
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
from bot.domain.program import Program
from tests.integration.scheduler.conftest import with_automation
from tests.kit.clock import FixedClock

SPEC = Spec(members=400, purchases=8_000, seed=8, birthday_today=0.03)
WINDOW_DAYS = 90


async def purchase_facts() -> list[PurchaseFact]:
    rows = await Purchase.all().values_list("member_id", "amount", "created_at", "category")
    return [PurchaseFact(m, amount, at, category) for m, amount, at, category in rows]


async def members_rewarded_for(reason: str) -> set[int]:
    return set(await LedgerEntry.filter(reason=reason).values_list("member_id", flat=True))


async def active_members() -> set[int]:
    return set(await MemberRow.filter(status="active").values_list("id", flat=True))


async def test_planted_lapsed_favourite_and_vip_members_are_the_ones_selected(
    database_url: str, program: Program
) -> None:
    planted = await generate(database_url, SPEC, program)
    facts, active = await purchase_facts(), await active_members()
    async with tortoise_uow_factory() as uow:
        lapsed = await uow.segments.lapsed(
            NOW, min_days=14, k=2, automation="winback", cooldown_since=NOW
        )
        favourites = await uow.segments.favourite_categories(
            NOW,
            since=NOW - timedelta(days=WINDOW_DAYS),
            categories=["coffee", "food"],
            automation="favourite",
            cooldown_since=NOW,
        )
        vip = await uow.segments.vip(
            NOW,
            since=NOW - timedelta(days=90),
            share_bp=1000,
            automation="vip",
            cooldown_since=NOW,
        )

    assert len(planted.lapsed) > 20 and set(lapsed) == planted.lapsed
    assert planted.lapsed == lapsed_members(facts, NOW, min_days=14, k=2) & active
    recent = {f.member_id for f in facts if f.at > NOW - timedelta(days=WINDOW_DAYS)}
    expected = {
        m: c for m, c in planted.favourite.items() if m in recent and c in ("coffee", "food")
    }
    assert len(expected) > 100 and favourites == expected
    assert expected == {
        m: c
        for m, c in favourite_categories(facts, NOW, days=WINDOW_DAYS).items()
        if m in active and c in ("coffee", "food")
    }
    # Whales are in the top decile; the rest of it is whatever the definition ranks there.
    assert planted.whales and planted.whales <= set(vip)
    assert set(vip) == vip_members(facts, NOW, days=90, share_bp=1000) & active


async def test_the_off_peak_run_finds_the_planted_quiet_slots_and_spares_their_visitors(
    database_url: str, program: Program, build, clock: FixedClock
) -> None:
    planted = await generate(database_url, SPEC, program)
    facts, active = await purchase_facts(), await active_members()
    clock.current = NOW
    config = program.automation("off_peak")
    automations = build(with_automation(program, "off_peak", holdout_bp=0))

    run = await automations.run_off_peak(NOW)

    tz = ZoneInfo(program.timezone)
    hours = OpeningHours.every_day(
        config.threshold("open_hour", 8), config.threshold("close_hour", 22)
    )
    assert off_peak_slots(facts, NOW, hours, tz) == planted.quiet_slots
    coupons = await Coupon.filter(campaign_id=run.campaign_id)
    assert coupons and all(c.hours_of_week == planted.quiet_slots for c in coupons)
    targets = {c.member_id for c in coupons}
    assert targets == off_peak_targets(facts, planted.quiet_slots, NOW, tz) & active
    since = NOW - timedelta(weeks=8)
    in_window = [f for f in facts if f.at > since]
    came_in_quiet = {
        f.member_id
        for f in in_window
        if (f.at.astimezone(tz).weekday() * 24 + f.at.astimezone(tz).hour) in planted.quiet_slots
    }
    assert came_in_quiet and came_in_quiet <= planted.quiet_goers
    assert not targets & came_in_quiet
    counts: dict[int, int] = {}
    for f in in_window:
        counts[f.member_id] = counts.get(f.member_id, 0) + 1
    regulars = {m for m, n in counts.items() if n >= 3} & active
    assert regulars - planted.quiet_goers <= targets


async def test_planted_birthdays_expiring_lots_and_tier_moves_are_what_the_runs_act_on(
    database_url: str, program: Program, build, clock: FixedClock
) -> None:
    planted = await generate(database_url, SPEC, program)
    clock.current = NOW
    automations = build(
        with_automation(
            with_automation(program, "birthday", holdout_bp=0), "expiry_reminder", holdout_bp=0
        )
    )
    async with tortoise_uow_factory() as uow:
        reminded = await uow.segments.expiring_points(
            NOW + timedelta(days=6),
            NOW + timedelta(days=7),
            automation="expiry_reminder",
            cooldown_since=NOW,
        )
    assert planted.expiring and reminded == planted.expiring

    birthdays = await automations.run_birthday(NOW)
    assert planted.birthday_today and birthdays.treated == len(planted.birthday_today)
    greeted = await members_rewarded_for("birthday")
    assert greeted == planted.birthday_today

    tiers = await automations._ledger.recalculate_tiers(NOW)
    assert planted.tier_moves
    assert {m.member_id: m.to_tier for m in tiers.moves} == planted.tier_moves

    expired = await automations._ledger.expire_points(NOW)
    assert planted.expired_due and expired.members == len(planted.expired_due)


async def test_the_generator_is_deterministic_and_adds_after_existing_rows(
    database_url: str, program: Program
) -> None:
    first = await generate(database_url, SPEC, program)
    second = await generate(database_url, SPEC, program)

    offset = SPEC.members
    assert (second.members, second.purchases, second.lots) == (
        first.members,
        first.purchases,
        first.lots,
    )
    assert shifted(first, offset) == shifted(second, 0)
    assert await MemberRow.all().count() == 2 * SPEC.members
    assert await Purchase.all().count() == first.purchases + second.purchases


def shifted(planted: Planted, offset: int) -> tuple[object, ...]:
    return (
        planted.counts,
        planted.quiet_slots,
        {m + offset for m in planted.lapsed},
        {m + offset for m in planted.birthday_today},
        {m + offset: c for m, c in planted.favourite.items()},
    )
