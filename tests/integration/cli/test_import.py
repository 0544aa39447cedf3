"""`python -m bot import`: run as the operator runs it (a separate process on the test database),
then the rows, entries and lots it wrote are read back."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import LedgerEntry, PointLot, Purchase
from bot.domain.program import Program
from tests.unit.test_cli import run_cli

CARD_SECRET = "import-test-card-secret-0123456789"


async def import_file(
    tmp_path: Path, database_url: str, content: bytes | str, *args: str, name: str = "in.csv"
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return await asyncio.to_thread(
        run_cli,
        tmp_path,
        "import",
        str(path),
        *args,
        DATABASE_URL=database_url,
        CARD_SECRET=CARD_SECRET,
    )


def report_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.strip()]


MEMBERS = """phone,name,birthday,language,joined,points,external_id
+7 999 111-22-33,Anna Petrova,01.02.1990,en,2025-01-10,150,C-1
12345,Bob,,,,,
+79991112233,Anna again,,,,,
+79991112244,Oleg,2090-01-01,,,,
+79991112255,Ivan,,xx,,,
+79991112266,Pyotr,,,,lots,
+79991112277,Maria,,,,,C-2
+79991112288,Eve,,,,,C-1
"""


async def test_members_file_imports_good_rows_and_reports_bad_ones_by_line(
    database_url: str, tmp_path: Path
) -> None:
    result = await import_file(tmp_path, database_url, MEMBERS)

    assert result.returncode == 1, result.stderr
    *bad, summary = report_lines(result)
    assert bad == [
        "line 3: phone: not a phone number (+ and 10 to 15 digits)",
        "line 4: phone: repeats line 2",
        "line 5: birthday: in the future",
        "line 6: language: unknown (known: en, ru)",
        "line 7: points: not valid",
        "line 9: external_id: repeats line 2",
    ]
    assert summary.startswith("members: 2 imported, 0 skipped as already imported, 6 bad (")
    anna = await Member.get(phone="+79991112233")
    assert (anna.first_name, anna.last_name, anna.locale) == ("Anna", "Petrova", "en")
    assert (anna.status, anna.source, anna.external_id) == ("active", "import", "C-1")
    assert anna.telegram_id is None and anna.reachable is False
    assert anna.birthday is not None and anna.birthday.isoformat() == "1990-02-01"
    assert anna.joined_at is not None
    assert (
        anna.joined_at.astimezone(ZoneInfo("Europe/Moscow"))
        .isoformat()
        .startswith("2025-01-10T00:00")
    )
    assert anna.card_code.isdigit() and anna.balance == 150
    entry = await LedgerEntry.get(member_id=anna.id)
    assert (entry.amount, entry.reason, entry.idempotency_key) == (
        150,
        "adjustment",
        f"adjustment:import%3Aopening%3A{anna.id}",
    )
    maria = await Member.get(phone="+79991112277")
    assert maria.locale == "ru" and maria.balance == 0
    assert await Member.all().count() == 2


async def test_importing_the_same_members_again_changes_nothing(
    database_url: str, tmp_path: Path
) -> None:
    first = await import_file(tmp_path, database_url, MEMBERS)
    members = [(m.id, m.balance, m.card_code) for m in await Member.all().order_by("id")]
    entries = await LedgerEntry.all().count()

    second = await import_file(tmp_path, database_url, MEMBERS)

    assert first.returncode == second.returncode == 1
    assert "members: 0 imported, 2 skipped as already imported, 6 bad" in second.stdout
    assert [(m.id, m.balance, m.card_code) for m in await Member.all().order_by("id")] == members
    assert await LedgerEntry.all().count() == entries


async def test_excel_export_with_bom_and_semicolons_is_read(
    database_url: str, tmp_path: Path
) -> None:
    content = "\ufeffPhone;Name;Points\r\n8 (999) 000-11-22;Ольга Смирнова;1 0\r\n"
    content += "+79990001123;Пётр;25\r\n"

    result = await import_file(tmp_path, database_url, content)

    assert result.returncode == 1
    assert report_lines(result)[0] == "line 2: points: not valid"
    assert "members: 1 imported, 0 skipped as already imported, 1 bad" in result.stdout
    petr = await Member.get(phone="+79990001123")
    assert (petr.first_name, petr.balance) == ("Пётр", 25)


async def test_windows_1251_file_is_refused_unless_its_encoding_is_given(
    database_url: str, tmp_path: Path
) -> None:
    content = "phone;name\n+79990001122;Ольга\n".encode("cp1251")

    refused = await import_file(tmp_path, database_url, content)
    accepted = await import_file(tmp_path, database_url, content, "--encoding", "cp1251")

    assert refused.returncode == 2
    assert "line 2: not valid utf-8 text" in refused.stderr
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert (await Member.get(phone="+79990001122")).first_name == "Ольга"


async def test_a_wrong_header_refuses_the_whole_file(database_url: str, tmp_path: Path) -> None:
    result = await import_file(tmp_path, database_url, "phon,name\n+79990001122,Olga\n")

    assert result.returncode == 2
    assert "line 1: unknown column 'phon'" in result.stderr
    assert await Member.all().count() == 0


def _local(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("Europe/Moscow")).strftime("%Y-%m-%d %H:%M")


async def test_purchases_go_through_the_ledger_once(
    database_url: str, tmp_path: Path, program: Program
) -> None:
    await import_file(
        tmp_path,
        database_url,
        "phone,points,external_id\n+79991112233,150,C-1\n+79991112277,0,C-2\n",
        name="members.csv",
    )
    now = datetime.now(ZoneInfo("Europe/Moscow")).replace(second=0, microsecond=0)
    recent, old = now - timedelta(days=10), now - timedelta(days=400)
    purchases = (
        "phone;external_id;receipt;amount;category;date\n"
        f"+79991112233;;R-1;1 000,50;coffee;{_local(recent)}\n"  # 3 % x2 of 1000.50: 60
        f"+79991112233;;R-2;500;food;{_local(old)}\n"  # 15 points, expired at old + 365 days
        f";C-2;R-3;16000;food;{_local(recent)}\n"  # 3 % of 16 000: 480; gold from then on
        f"+79990000000;;R-4;100;;{_local(recent)}\n"
        f"+79991112233;;R-5;abc;;{_local(recent)}\n"
        f"+79991112233;;R-6;100;tea;{_local(recent)}\n"
        f"+79991112233;;R-7;100;;{_local(now + timedelta(days=2))}\n"
        f"+79991112233;;R-1;100;;{_local(recent)}\n"
    )

    result = await import_file(tmp_path, database_url, purchases, name="purchases.csv")

    assert result.returncode == 1
    assert report_lines(result)[:5] == [
        "line 5: phone: no member with it (import the members first)",
        "line 6: amount: not an amount (like 450 or 450.50)",
        "line 7: category: unknown (known: coffee, food, merch)",
        "line 8: date: in the future",
        "line 9: receipt: repeats line 2",
    ]
    assert "purchases: 3 imported, 0 skipped as already imported, 5 bad" in result.stdout
    assert "15 points of historic purchases expired at once" in result.stdout
    anna = await Member.get(phone="+79991112233")
    maria = await Member.get(external_id="C-2")
    assert anna.balance == 150 + 60
    assert (maria.balance, maria.tier_code) == (480, "gold")
    r1 = await Purchase.get(receipt_no="R-1")
    assert (r1.amount, r1.category, r1.points_earned) == (100050, "coffee", 60)
    assert r1.created_at == recent
    old_lot = await PointLot.get(entry__purchase__receipt_no="R-2")
    assert old_lot.expires_at == old + timedelta(days=program.expiry.after_days)
    assert old_lot.remaining == 0

    entries = await LedgerEntry.all().count()
    again = await import_file(tmp_path, database_url, purchases, name="purchases.csv")

    assert "purchases: 0 imported, 3 skipped as already imported, 5 bad" in again.stdout
    assert await LedgerEntry.all().count() == entries
    assert (await Member.get(id=anna.id)).balance == 150 + 60

    changed = await import_file(
        tmp_path,
        database_url,
        f"phone,receipt,amount,date\n+79991112233,R-1,999,{_local(recent)}\n",
        name="changed.csv",
    )
    assert report_lines(changed)[0] == "line 2: receipt: imported before with other data"
    assert await Purchase.all().count() == 3


async def test_history_without_points_when_balances_were_imported(
    database_url: str, tmp_path: Path
) -> None:
    await import_file(tmp_path, database_url, "phone,points\n+79991112233,700\n")
    moment = _local(datetime.now(ZoneInfo("Europe/Moscow")) - timedelta(days=3))

    result = await import_file(
        tmp_path,
        database_url,
        f"phone,receipt,amount,date\n+79991112233,R-9,20000,{moment}\n",
        "--no-points",
        name="history.csv",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    member = await Member.get(phone="+79991112233")
    assert (member.balance, member.tier_code) == (700, "gold")
    assert (await Purchase.get(receipt_no="R-9")).points_earned == 0
