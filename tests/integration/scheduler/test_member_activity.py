"""`member_activity`, the buyers' rhythm that "we miss you" reads: a full rebuild (what the
migration does over existing purchases) and the purchase path's update agree with the
definition (`analytics.lapsed_members`)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from tortoise import connections

from bot.adapters.db.models.ledger import MemberActivity, Purchase
from bot.adapters.db.segments import SqlSegments
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.analytics import PurchaseFact, lapsed_members
from tests.integration.scheduler.conftest import Buy, MakeMember

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


async def lapsed_now(min_days: int = 14, k: int = 2) -> set[int]:
    async with tortoise_uow_factory() as uow:
        found = await uow.segments.lapsed(
            NOW, min_days=min_days, k=k, automation="winback", cooldown_since=NOW
        )
    return set(found)


async def raw_purchase(member: int, key: str, at: datetime) -> PurchaseFact:
    """Written behind the purchase path's back: only a rebuild sees it."""
    await Purchase.create(
        member_id=member, amount=1000, idempotency_key=key, request_hash="-", created_at=at
    )
    return PurchaseFact(member, 1000, at)


async def test_a_rebuild_from_purchases_and_the_purchase_path_match_the_definition(
    make_member: MakeMember, buy: Buy
) -> None:
    rng = random.Random(15)
    facts: list[PurchaseFact] = []
    members = [await make_member() for _ in range(40)]
    for n, member in enumerate(members):
        rhythm = rng.choice([1, 3, 7, 30])
        silence = rng.randrange(0, 90)
        at = NOW - timedelta(days=silence, seconds=rng.randrange(0, 3600))
        for visit in range(rng.randrange(1, 7)):
            facts.append(await raw_purchase(member, f"raw-{n}-{visit}", at))
            if rng.random() < 0.3:  # a second purchase within the hour: the same visit
                again = at + timedelta(minutes=rng.randrange(1, 59))
                facts.append(await raw_purchase(member, f"raw-{n}-{visit}-again", again))
            at -= timedelta(days=rhythm, seconds=rng.randrange(0, 20_000))
    assert await MemberActivity.all().count() == 0

    await SqlSegments(connections.get("default")).rebuild_activity()

    expected = lapsed_members(facts, NOW, min_days=14, k=2)
    assert 5 < len(expected) < 35  # both kinds are present
    assert await lapsed_now() == expected

    # A purchase through the purchase path updates its member at once.
    back = sorted(expected)[0]
    await buy(back, NOW - timedelta(days=1))
    facts.append(PurchaseFact(back, 30_000, NOW - timedelta(days=1)))
    assert back not in await lapsed_now()
    assert await lapsed_now() == lapsed_members(facts, NOW, min_days=14, k=2)
