"""The window totals the favourite and VIP selections read (`member_window_totals`): built from
the purchases on first use, then kept by the purchase path and refunds and moved with the clock,
they answer exactly as the definitions do (`analytics.favourite_categories`, `vip_members`) over
the purchases themselves; a question about a past moment with purchases after it is answered
from the purchases."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.db import segments
from bot.adapters.db.models.ledger import MemberWindowBuyer, MemberWindowTotal, WindowRoll
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.analytics import PurchaseFact, favourite_categories, vip_members
from bot.domain.program import Program
from bot.services.automations import Automations
from tests.integration.scheduler.conftest import MakeMember, record_purchase, with_automation

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DAYS = 90
SHARE_BP = 3000
CATEGORIES = ["coffee", "food", "tea"]


class Shop:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.facts: dict[int, PurchaseFact] = {}

    async def buy(self, member: int, at: datetime) -> None:
        amount = self.rng.randrange(1, 40) * 1000
        category = self.rng.choice([*CATEGORIES, None])
        purchase_id = await record_purchase(member, at, amount, category)
        self.facts[purchase_id] = PurchaseFact(member, amount, at, category)

    async def refund(self, purchase_id: int, amount: int) -> None:
        async with tortoise_uow_factory() as uow:
            await uow.purchases.record_refund(purchase_id, amount, 0, 0)
        fact = self.facts[purchase_id]
        self.facts[purchase_id] = PurchaseFact(
            fact.member_id, fact.amount - amount, fact.at, fact.category
        )

    async def check(self, now: datetime) -> None:
        since = now - timedelta(days=DAYS)
        async with tortoise_uow_factory() as uow:
            favourites = await uow.segments.favourite_categories(
                now,
                since=since,
                categories=CATEGORIES,
                automation="favourite",
                cooldown_since=now,
            )
            vip = await uow.segments.vip(
                now, since=since, share_bp=SHARE_BP, automation="vip", cooldown_since=now
            )
        facts = list(self.facts.values())
        assert favourites == favourite_categories(facts, now, DAYS)
        assert set(vip) == vip_members(facts, now, DAYS, SHARE_BP)
        if await boundary() == since:  # the totals answered: they hold all after the start
            expected: Counter[tuple[int, str]] = Counter()
            counts: Counter[tuple[int, str]] = Counter()
            for fact in facts:
                if fact.at > since:  # everything after the start, later purchases too
                    expected[(fact.member_id, fact.category or "")] += fact.amount
                    counts[(fact.member_id, fact.category or "")] += 1
            rows = await MemberWindowTotal.filter(window_seconds=DAYS * 86_400)
            assert {(r.member_id, r.category): (r.spend, r.n) for r in rows} == {
                key: (expected[key], counts[key]) for key in counts
            }
            spend: Counter[int] = Counter()
            bought: Counter[int] = Counter()
            last: dict[int, int] = {}
            for fact in facts:
                if fact.at > since:  # everything after the start, later purchases too
                    spend[fact.member_id] += fact.amount
                    bought[fact.member_id] += 1
                    last[fact.member_id] = max(
                        last.get(fact.member_id, 0), int(fact.at.timestamp())
                    )
            buyers = await MemberWindowBuyer.filter(window_seconds=DAYS * 86_400)
            assert {r.member_id: (r.spend, r.n, r.last_e) for r in buyers} == {
                member: (spend[member], bought[member], last[member]) for member in bought
            }


def moment(rng: random.Random, start: datetime, days: int) -> datetime:
    return start + timedelta(seconds=rng.randrange(days * 86_400))


async def boundary() -> datetime | None:
    roll = await WindowRoll.get_or_none(window_seconds=DAYS * 86_400)
    return None if roll is None else roll.boundary


async def test_totals_follow_purchases_refunds_and_the_clock(
    make_member: MakeMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(17)
    shop = Shop(rng)
    members = [await make_member() for _ in range(25)]
    for member in members:
        for _ in range(rng.randrange(0, 9)):
            await shop.buy(member, moment(rng, T0 - timedelta(days=200), 200))
    assert await boundary() is None

    await shop.check(T0)  # built from the purchases
    assert await boundary() == T0 - timedelta(days=DAYS)

    # Kept: purchases after the build (some dated inside the window's past, as imports are, some
    # older than it), refunds of purchases inside and outside the window.
    for member in rng.sample(members, 15):
        await shop.buy(member, moment(rng, T0, 5))
        await shop.buy(member, moment(rng, T0 - timedelta(days=150), 150))
    for purchase_id in rng.sample(sorted(shop.facts), 20):
        fact = shop.facts[purchase_id]
        if fact.amount > 1000:
            await shop.refund(purchase_id, rng.randrange(1, fact.amount // 1000) * 1000)
    later = T0 + timedelta(days=7)
    await shop.check(later)  # moved forward a week: older purchases left the window
    assert await boundary() == later - timedelta(days=DAYS)

    earlier = T0 + timedelta(days=5, hours=1)  # nobody bought after it: moved back
    await shop.check(earlier)
    assert await boundary() == earlier - timedelta(days=DAYS)

    # Purchases dated after the moment (a shop that kept selling while the job started): the
    # totals still answer, the later purchases taken off again.
    past = T0 + timedelta(days=2)
    assert any(fact.at > past for fact in shop.facts.values())
    await shop.check(past)
    assert await boundary() == past - timedelta(days=DAYS)

    # Too many of them (an as-of question about the past): answered from the purchases.
    monkeypatch.setattr(segments, "LATER_PURCHASES_LIMIT", 1)
    await shop.check(T0 - timedelta(days=20))
    assert await boundary() == past - timedelta(days=DAYS)  # the totals were left alone
    monkeypatch.undo()
    await shop.check(later)


async def test_the_hourly_job_moves_the_totals_the_daily_runs_read(
    make_member: MakeMember, build: Callable[[Program], Automations], program: Program
) -> None:
    rng = random.Random(18)
    shop = Shop(rng)
    for member in [await make_member() for _ in range(10)]:
        for _ in range(4):
            await shop.buy(member, moment(rng, T0 - timedelta(days=120), 120))
    automations = build(with_automation(program, "favourite", thresholds={"days": DAYS}))
    assert await automations.move_window_totals(T0) == 1  # built
    assert await boundary() == T0 - timedelta(days=DAYS)
    for hour in range(1, 4):
        await automations.move_window_totals(T0 + timedelta(hours=hour))
        assert await boundary() == T0 + timedelta(hours=hour) - timedelta(days=DAYS)
    await shop.check(T0 + timedelta(hours=3))  # what the daily run then reads is exact
    assert await build(program).move_window_totals(T0) == 0  # favourite and VIP are off
