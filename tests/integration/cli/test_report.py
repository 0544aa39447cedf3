"""`python -m bot report kpi|review|segments --json --at DATE`: run as the operator runs it, on
planted data whose figures are computed here by hand."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import Campaign
from bot.adapters.db.models.ledger import LedgerEntry, PointLot
from bot.adapters.db.models.offers import AutomationTarget
from tests.kit.purchases import plant_purchase
from tests.unit.test_cli import run_cli

AT = datetime(2026, 3, 2, tzinfo=ZoneInfo("Europe/Moscow"))
"""`--at 2026-03-02`: midnight in the program's time zone."""


async def report(tmp_path: Path, database_url: str, *args: str) -> dict[str, Any]:
    result = await asyncio.to_thread(
        run_cli, tmp_path, "report", *args, "--json", DATABASE_URL=database_url
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


async def member(number: int, joined: datetime, source: str, **fields: Any) -> Member:
    return await Member.create(
        telegram_id=7000 + number,
        status=fields.pop("status", "active"),
        card_code=f"30000000{number:02d}",
        referral_code=f"k{number}",
        source=source,
        joined_at=joined,
        **fields,
    )


async def purchase(
    who: Member, days_before: float, amount: int, category: str, **more: Any
) -> None:
    await plant_purchase(
        member_id=who.id,
        amount=amount,
        category=category,
        idempotency_key=f"p:{who.id}:{days_before}",
        request_hash="-",
        created_at=AT - timedelta(days=days_before),
        **more,
    )


async def entry(who: Member, days_before: float, points: int, reason: str) -> LedgerEntry:
    entry: LedgerEntry = await LedgerEntry.create(
        member_id=who.id,
        amount=points,
        reason=reason,
        actor_type="system",
        idempotency_key=f"e:{who.id}:{days_before}:{reason}",
        balance_after=0,
        created_at=AT - timedelta(days=days_before),
    )
    return entry


async def target(who: Member, automation: str, days_before: int, returned: bool) -> None:
    campaign = await Campaign.create(name=f"{automation}:x", created_at=AT - timedelta(days=9))
    await AutomationTarget.create(
        automation=automation,
        member_id=who.id,
        campaign_id=campaign.id,
        targeted_at=AT - timedelta(days=days_before),
        returned_at=AT - timedelta(days=days_before - 1) if returned else None,
    )


async def plant() -> None:
    """anna (joined long ago, birthday today, two coffees), boris (new by staff, one food with a
    part refunded, a lot expiring in 6.5 days), vera (new by referral, one food 40 days ago:
    lapsed), gleb (joins after --at), dina (never finished joining)."""
    anna = await member(1, datetime(2026, 1, 10, tzinfo=AT.tzinfo), "direct", balance=100)
    await Member.filter(id=anna.id).update(birthday=date(1990, 3, 2))
    boris = await member(2, AT - timedelta(days=15), "staff", balance=50)
    vera = await member(3, AT - timedelta(days=10), "referral")
    gleb = await member(4, AT + timedelta(days=3), "direct", balance=0)
    await member(5, AT - timedelta(days=1), "direct", status="joining")

    await purchase(anna, 2, 100_000, "coffee")
    await purchase(anna, 10, 50_000, "coffee")
    await purchase(anna, -1, 99_900, "coffee")  # after --at: counts nowhere
    await purchase(boris, 5, 200_000, "food", refunded_amount=50_000)
    await purchase(vera, 40, 30_000, "food")
    await purchase(gleb, -4, 10_000, "food")

    await entry(anna, 2, 30, "purchase")
    await entry(anna, 2, -20, "redemption")
    await entry(anna, -1, 100, "purchase")
    earned = await entry(boris, 5, 45, "purchase")
    await entry(boris, 3, 5, "refund_used")
    await entry(vera, 40, 9, "purchase")
    await PointLot.create(
        member_id=boris.id,
        entry_id=earned.id,
        amount=45,
        remaining=40,
        earned_at=earned.created_at,
        expires_at=AT + timedelta(days=6, hours=12),
    )
    await target(vera, "winback", days_before=5, returned=False)
    await target(boris, "winback", days_before=20, returned=True)


async def test_kpi_json_as_of_a_date_matches_the_hand_computed_figures(
    database_url: str, tmp_path: Path
) -> None:
    await plant()

    kpi = await report(tmp_path, database_url, "kpi", "--at", "2026-03-02", "--days", "30")

    assert (kpi["report"], kpi["days"]) == ("kpi", 30)
    assert kpi["at"] == kpi["end"] == "2026-03-01T21:00:00+00:00"
    assert kpi["start"] == "2026-01-30T21:00:00+00:00"
    expected = {
        "members_total": 3,  # anna, boris, vera; not gleb (later), not dina (joining)
        "new_by_channel": {"referral": 1, "staff": 1},
        "new_members": 2,
        "active": 2,  # anna, boris bought in the last 30 days
        "buyers": 2,
        "repeat_buyers": 1,
        "purchases": 3,
        "spend": 100_000 + 50_000 + 150_000,
        "average_check": 100_000,
        "repeat_rate": 0.5,
        "visit_frequency": 1.5,
        "points_issued": 30 + 45,  # not the refund's give-back, not vera's (before the period)
        "points_redeemed": 20,
        "redemption_rate": 0.2667,
        "points_outstanding": 150,
        # RFM over 90 days of 3 buyers: anna scores 4 + 4 + 2, boris 2 + 1 + 2, vera 1 + 1 + 1;
        # the top 10 % rounded up is one member.
        "vip_count": 1,
        "vip_spend": 150_000,
        "vip_share": 0.5,
        "lapsed": 1,  # vera: 40 days > max(14, no rhythm)
        "returned": 1,  # boris came back 19 days ago
    }
    assert {key: kpi[key] for key in expected} == expected
    assert sum(kpi["heatmap"].values()) == 3
    assert isinstance(kpi["growth"], list)


async def test_segments_json_sizes_each_automation_as_of_a_date(
    database_url: str, tmp_path: Path
) -> None:
    await plant()

    data = await report(tmp_path, database_url, "segments", "--at", "2026-03-02")

    segments = {s["name"]: s for s in data["segments"]}
    assert list(segments) == [
        "expiry_reminder",
        "birthday",
        "winback",
        "vip",
        "favourite",
        "off_peak",
    ]
    sizes = {name: (s["size"], s["eligible"], s["details"]) for name, s in segments.items()}
    assert sizes["expiry_reminder"] == (1, 1, {"points": 40})
    assert sizes["birthday"] == (1, 1, {})
    assert sizes["winback"] == (1, 0, {})  # vera, targeted 5 days ago: in the cooldown
    assert sizes["vip"] == (1, 1, {})
    assert sizes["favourite"] == (3, 3, {"coffee": 1, "food": 2})
    assert sizes["off_peak"][:2] == (0, 0)  # nobody has three purchases in 8 weeks
    assert segments["winback"]["enabled"] is False and segments["birthday"]["enabled"] is True


async def test_review_text_and_a_bad_date(database_url: str, tmp_path: Path) -> None:
    await plant()

    text = await asyncio.to_thread(
        run_cli, tmp_path, "report", "review", "--at", "2026-03-02", DATABASE_URL=database_url
    )
    bad = await asyncio.to_thread(
        run_cli, tmp_path, "report", "kpi", "--at", "yesterday", DATABASE_URL=database_url
    )

    assert text.returncode == 0, text.stderr
    assert "registrations:\n  direct: 2\n  referral: 1\n  staff: 1" in text.stdout
    assert bad.returncode == 2
    assert "--at 'yesterday': not YYYY-MM-DD" in bad.stderr
