"""Command line: `python -m bot run | migrate | check | check-ledger | sandbox | api-key | import |
report`.

Configuration problems end the process with exit code 2 and one line naming what is wrong;
`check-ledger` exits with 1 when the ledger is inconsistent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable
from datetime import date

from pydantic import ValidationError

from bot.adapters.program_file import ProgramFileError, load_program
from bot.config import Settings, card_secret, describe_settings_error
from bot.domain.coalition import Settlement, parse_period
from bot.domain.errors import DomainError
from bot.domain.ledger_audit import ConsistencyReport
from bot.domain.program import Program

CONFIG_ERROR = 2
LEDGER_INCONSISTENT = 1


class ConfigError(Exception):
    pass


def load_settings(require_token: bool = True) -> Settings:
    try:
        settings = Settings()
    except ValidationError as exc:
        raise ConfigError(describe_settings_error(exc)) from None
    if require_token and settings.bot_token is None:
        raise ConfigError(
            "BOT_TOKEN: not set (get one from @BotFather, or run `python -m bot sandbox`)"
        )
    return settings


def check_program(settings: Settings) -> Program:
    """The program file, validated; a bad file is a configuration error (exit code 2)."""
    try:
        return load_program(settings.program_file)
    except ProgramFileError as exc:
        raise ConfigError(f"program file {exc}") from None


def cmd_run(args: argparse.Namespace) -> None:
    from bot.bootstrap import run

    settings = load_settings()
    check_program(settings)
    asyncio.run(run(settings))


def cmd_migrate(args: argparse.Namespace) -> None:
    """Apply the migrations, then bring the program file's partners and outlets into the
    database (so `api-key create --outlet` works before the bot first starts)."""
    from bot.adapters.clock import SystemClock
    from bot.adapters.db import close_database, migrate_database, open_database
    from bot.adapters.db.uow import tortoise_uow_factory
    from bot.services.coalition import Coalition

    settings = load_settings(require_token=False)
    program = check_program(settings)

    async def migrate() -> None:
        await migrate_database(settings.database_url)
        await open_database(settings.database_url)
        try:
            await Coalition(tortoise_uow_factory, SystemClock(), program).sync()
        finally:
            await close_database()

    asyncio.run(migrate())
    print("database is up to date")
    outlets = sum(len(p.outlets) for p in program.partners)
    print(f"partners: {len(program.partners)}, outlets: {outlets} (from {settings.program_file})")


def cmd_check(args: argparse.Namespace) -> None:
    settings = load_settings()
    check_program(settings)
    print(f"configuration and {settings.program_file} are valid")


def cmd_check_ledger(args: argparse.Namespace) -> int:
    from bot.adapters.clock import SystemClock
    from bot.adapters.db import close_database, open_database
    from bot.adapters.db.uow import tortoise_uow_factory
    from bot.services.ledger import Ledger

    settings = load_settings(require_token=False)
    program = check_program(settings)

    async def check() -> ConsistencyReport:
        await open_database(settings.database_url)
        try:
            return await Ledger(tortoise_uow_factory, SystemClock(), program).check_consistency()
        finally:
            await close_database()

    report = asyncio.run(check())
    print(
        f"checked {report.members} members, {report.entries} entries, {report.lots} lots: "
        + ("consistent" if report.consistent else f"{len(report.offending)} member(s) offending")
    )
    for member in report.offending:
        for finding in member.findings:
            row = ""
            if finding.row_id is not None:
                table = "lot" if finding.kind.value.startswith("lot-") else "entry"
                row = f" ({table} {finding.row_id})"
            print(
                f"member {member.member_id}: {finding.kind.value}{row}: "
                f"expected {finding.expected}, found {finding.actual}"
            )
    return 0 if report.consistent else LEDGER_INCONSISTENT


def cmd_api_key(args: argparse.Namespace) -> int:
    """`api-key create --outlet <code>` prints a new POS API key once; `api-key revoke <key id>`;
    `api-key list`."""
    from bot.adapters.clock import SystemClock
    from bot.adapters.db import close_database, open_database
    from bot.adapters.db.uow import tortoise_uow_factory
    from bot.domain.errors import NotFound
    from bot.domain.staff import SHELL_OPERATOR
    from bot.services.api_keys import ApiKeys

    settings = load_settings(require_token=False)

    async def act() -> int:
        await open_database(settings.database_url)
        keys = ApiKeys(tortoise_uow_factory, SystemClock())
        try:
            if args.action == "create":
                issued = await keys.create(SHELL_OPERATOR, args.outlet)
                print(f"key id: {issued.key_id} (outlet {issued.outlet_code})")
                print(f"key: {issued.secret}")
                print("store it now: it is not shown again")
            elif args.action == "revoke":
                await keys.revoke(SHELL_OPERATOR, args.key_id)
                print(f"revoked {args.key_id}")
            else:
                for key in await keys.list_keys(SHELL_OPERATOR):
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    print(f"{key.key_id}  outlet {key.outlet_code}  {state}")
        except NotFound as error:
            print(f"error: {error.details.get('reason', error.code)}", file=sys.stderr)
            return 1
        finally:
            await close_database()
        return 0

    return asyncio.run(act())


def report_settlement(args: argparse.Namespace) -> int:
    """`report settlement [--period YYYY-MM | YYYY-MM-DD..YYYY-MM-DD] [--json]`: points issued
    and redeemed per partner and the transfers that settle them (docs/COALITION.md); the
    previous calendar month by default. A bad period exits with 2 and says why."""
    from bot.adapters.clock import SystemClock
    from bot.adapters.db import close_database, open_database
    from bot.adapters.db.uow import tortoise_uow_factory
    from bot.domain.staff import SHELL_OPERATOR
    from bot.services.coalition import Coalition

    settings = load_settings(require_token=False)
    program = check_program(settings)
    try:
        parse_period(args.period, date.today())  # a bad period is refused before any I/O
    except DomainError as error:
        raise _settlement_error(error) from None

    async def compute() -> Settlement:
        await open_database(settings.database_url)
        try:
            coalition = Coalition(tortoise_uow_factory, SystemClock(), program)
            return await coalition.settlement(SHELL_OPERATOR, args.period)
        finally:
            await close_database()

    try:
        settlement = asyncio.run(compute())
    except DomainError as error:
        raise _settlement_error(error) from None
    if args.json:
        print(json.dumps(settlement.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(settlement_text(settlement, program.currency))
    return 0


SETTLEMENT_ERRORS = {
    "settlement-period": "give --period as YYYY-MM or YYYY-MM-DD..YYYY-MM-DD (at most 366 days)",
    "coalition-not-configured": "no home partner: add [[partners]] to the program file and run "
    "`python -m bot migrate`",
}


def _settlement_error(error: DomainError) -> ConfigError:
    reason = str(error.details.get("reason", error.code))
    return ConfigError(f"{reason}: {SETTLEMENT_ERRORS.get(reason, reason)}")


def settlement_text(settlement: Settlement, currency: str) -> str:
    """The settlement for a terminal: one row per partner, money in minor units."""
    period = settlement.period
    lines = [
        f"settlement {period.start}..{period.last}, "
        f"1 point = {settlement.point_value} minor units of {currency}",
        f"{'partner':<16}{'issued':>10}{'redeemed':>10}{'position':>12}{'balance':>12}",
    ]
    lines += [
        f"{p.code:<16}{p.issued:>10}{p.redeemed:>10}{p.position:>12}"
        f"{settlement.balance(p.code):>12}"
        for p in settlement.partners
    ]
    lines += [
        f"pool kept by {settlement.home}: {settlement.pool}",
        f"program rewards and adjustments: {settlement.rewards} points",
        f"expired: {settlement.expired} points",
        "transfers:",
        *(f"  {t.payer} pays {t.payee} {t.amount}" for t in settlement.transfers),
    ]
    if not settlement.transfers:
        lines.append("  none")
    return "\n".join(lines)


def report_figures(args: argparse.Namespace) -> int:
    """`report kpi|review|segments [--json] [--at DATE] [--days N]`: the admin chat's figures
    as of a moment (bot/cli/reports.py, docs/ADMIN.md)."""
    from bot.adapters.clock import SystemClock
    from bot.adapters.db import close_database, open_database
    from bot.adapters.db.uow import tortoise_uow_factory
    from bot.cli.reports import FIGURES, ReportContext, StoppedClock, parse_at
    from bot.domain.errors import InvalidInput

    settings = load_settings(require_token=False)
    program = check_program(settings)
    try:
        at = parse_at(args.at, SystemClock().now(), program.timezone)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    kind = FIGURES[args.kind]
    context = ReportContext(tortoise_uow_factory, StoppedClock(at), program, args.days)

    async def build() -> dict[str, object]:
        await open_database(settings.database_url)
        try:
            return await kind.build(context)
        finally:
            await close_database()

    try:
        data = asyncio.run(build())
    except InvalidInput as error:
        raise ConfigError(f"--days {args.days}: {error}") from None
    print(json.dumps(data, sort_keys=True, indent=2) if args.json else kind.render(data))
    return 0


REPORTS: dict[str, Callable[[argparse.Namespace], int]] = {
    "settlement": report_settlement,
    "kpi": report_figures,
    "review": report_figures,
    "segments": report_figures,
}
"""`python -m bot report <kind>`."""


def cmd_report(args: argparse.Namespace) -> int:
    return REPORTS[args.kind](args)


def cmd_import(args: argparse.Namespace) -> int:
    """`import FILE`: members or purchases from a POS export (docs/ADMIN.md)."""
    from pathlib import Path

    from bot.adapters.clock import SystemClock
    from bot.adapters.db import close_database, open_database
    from bot.adapters.db.uow import tortoise_uow_factory
    from bot.adapters.i18n import I18n
    from bot.cli.imports import FILE_REFUSED, FileRefused, ImportOptions, import_file
    from bot.domain.imports import ImportKind
    from bot.services.imports import Imports

    settings = load_settings(require_token=False)
    if settings.card_secret is None and settings.bot_token is None:
        raise ConfigError("CARD_SECRET or BOT_TOKEN: needed for the imported members' card codes")
    program = check_program(settings)
    options = ImportOptions(
        kind=ImportKind(args.kind) if args.kind else None,
        encoding=args.encoding,
        earn_points=not args.no_points,
    )
    clock = SystemClock()

    async def run() -> int:
        await open_database(settings.database_url)
        imports = Imports(tortoise_uow_factory, clock, program, card_secret=card_secret(settings))
        try:
            summary = await import_file(
                Path(args.file),
                imports,
                program,
                clock.now(),
                I18n(settings.default_locale).locales,
                settings.default_locale,
                options,
            )
        except FileRefused as error:
            print(f"error: {args.file}: {error}", file=sys.stderr)
            return FILE_REFUSED
        finally:
            await close_database()
        for line in summary.lines():
            print(line)
        return summary.exit_code

    return asyncio.run(run())


def cmd_sandbox(args: argparse.Namespace) -> None:
    from bot.demo import run_demo

    settings = load_settings(require_token=False)
    asyncio.run(run_demo(settings, host=args.host, port=args.port))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    handlers: dict[str, Callable[[argparse.Namespace], int | None]] = {
        "run": cmd_run,
        "migrate": cmd_migrate,
        "check": cmd_check,
        "check-ledger": cmd_check_ledger,
        "sandbox": cmd_sandbox,
        "api-key": cmd_api_key,
        "import": cmd_import,
        "report": cmd_report,
    }
    commands.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")
    commands.add_parser(
        "migrate", help="apply database migrations and sync the program file's partners"
    )
    commands.add_parser("check", help="validate the configuration and the program file")
    commands.add_parser(
        "check-ledger",
        help="verify that every member's entries sum to the balance and the lots match it",
    )
    api_key = commands.add_parser("api-key", help="manage POS API keys (docs/POS_API.md)")
    key_actions = api_key.add_subparsers(dest="action", required=True)
    key_actions.add_parser("create", help="a new key for an outlet, shown once").add_argument(
        "--outlet", required=True, help="the outlet's code"
    )
    key_actions.add_parser("revoke", help="revoke a key at once").add_argument("key_id")
    key_actions.add_parser("list", help="every key, with its outlet and state")
    importing = commands.add_parser(
        "import",
        help="import members or purchases from a POS export (CSV)",
        description="Import a members file (phone, name, birthday, language, joined, points, "
        "external_id) or a purchases file (phone or external_id, receipt, amount, category, "
        "date, outlet); the kind comes from the header unless --kind names it. Bad rows are "
        "reported by line number and the rest imported; a second run skips what is imported. "
        "Exit code: 0 every row imported or already imported, 1 some rows were bad, 2 the file "
        "or the configuration was refused. See docs/ADMIN.md.",
    )
    importing.add_argument("file", help="a CSV file, `,` or `;` separated, UTF-8 (a BOM is fine)")
    importing.add_argument("--kind", choices=["members", "purchases"], help="skip the detection")
    importing.add_argument(
        "--encoding", default="utf-8-sig", help="the file's encoding, e.g. cp1251 (default UTF-8)"
    )
    importing.add_argument(
        "--no-points",
        action="store_true",
        help="purchases only: record the history without earning points (when the members "
        "file carried the POS balances as opening points)",
    )
    report = commands.add_parser(
        "report",
        help="print a report: settlement (docs/COALITION.md); kpi, review, segments "
        "(docs/ADMIN.md)",
    )
    report.add_argument("kind", choices=sorted(REPORTS))
    report.add_argument(
        "--period",
        help="settlement: YYYY-MM or YYYY-MM-DD..YYYY-MM-DD (default: the previous month)",
    )
    report.add_argument("--json", action="store_true", help="JSON instead of a table")
    report.add_argument(
        "--at",
        help="kpi, review, segments: as of this moment, YYYY-MM-DD (its midnight) or "
        "YYYY-MM-DDTHH:MM, in the program's time zone unless an offset is given (default: now)",
    )
    report.add_argument(
        "--days", type=int, default=30, help="kpi: the period, the last N days (1..366)"
    )
    sandbox = commands.add_parser("sandbox", help="run the bot against a local Telegram emulator")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        code = handlers[args.command](args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return CONFIG_ERROR
    except KeyboardInterrupt:
        return 0
    return code or 0


if __name__ == "__main__":
    sys.exit(main())
