"""`python -m bot check-ledger`: the product's consistency check, run as the operator runs it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tortoise.expressions import F

from bot.adapters.db.models.core import Member as MemberRow
from bot.adapters.db.models.ledger import PointLot
from bot.domain.ledger_audit import Discrepancy
from bot.services.ledger import Ledger
from tests.integration.ledger.conftest import CASHIER, Give, MakeMember
from tests.unit.test_cli import run_cli


async def check_ledger(tmp_path: Path, database_url: str) -> tuple[int, str]:
    result = await asyncio.to_thread(run_cli, tmp_path, "check-ledger", DATABASE_URL=database_url)
    return result.returncode, result.stdout + result.stderr


async def test_a_consistent_ledger_passes(
    ledger: Ledger, make_member: MakeMember, give: Give, database_url: str, tmp_path: Path
) -> None:
    anna, boris = await make_member(), await make_member()
    await give(anna, 500)
    await ledger.record_purchase(boris, 1000_00, "food", "p1", CASHIER)
    await ledger.redeem_points(anna, 100, 1000_00, "r1", CASHIER)

    code, output = await check_ledger(tmp_path, database_url)

    assert code == 0, output
    assert "checked 2 members, 3 entries, 2 lots: consistent" in output


async def test_a_tampered_balance_is_reported_and_fails(
    ledger: Ledger, make_member: MakeMember, give: Give, database_url: str, tmp_path: Path
) -> None:
    anna, boris = await make_member(), await make_member()
    await give(anna, 500)
    await give(boris, 300)
    await MemberRow.filter(id=anna).update(balance=F("balance") + 70)

    code, output = await check_ledger(tmp_path, database_url)

    assert code == 1, output
    assert "1 member(s) offending" in output
    assert f"member {anna}: balance-not-sum: expected 500, found 570" in output
    assert f"member {anna}: lots-not-balance: expected 570, found 500" in output
    assert f"member {boris}:" not in output


async def test_the_check_names_a_lot_that_disagrees_with_its_movements(
    ledger: Ledger, make_member: MakeMember, give: Give
) -> None:
    anna = await make_member()
    await give(anna, 500)
    lot = await PointLot.get(member_id=anna)
    await PointLot.filter(id=lot.id).update(remaining=400)

    report = await ledger.check_consistency()

    assert not report.consistent
    [member] = report.offending
    assert member.member_id == anna
    assert {(f.kind, f.row_id) for f in member.findings} == {
        (Discrepancy.LOT_NOT_MOVEMENTS, lot.id),
        (Discrepancy.LOTS_NOT_BALANCE, None),
    }
