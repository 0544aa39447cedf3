"""Command line: `python -m bot run | migrate | check | check-ledger | sandbox`.

Configuration problems end the process with exit code 2 and one line naming what is wrong;
`check-ledger` exits with 1 when the ledger is inconsistent.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable

from pydantic import ValidationError

from bot.adapters.program_file import ProgramFileError, load_program
from bot.config import Settings, describe_settings_error
from bot.domain.ledger_audit import ConsistencyReport

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


def check_program(settings: Settings) -> None:
    try:
        load_program(settings.program_file)
    except ProgramFileError as exc:
        raise ConfigError(f"program file {exc}") from None


def cmd_run(args: argparse.Namespace) -> None:
    from bot.bootstrap import run

    settings = load_settings()
    check_program(settings)
    asyncio.run(run(settings))


def cmd_migrate(args: argparse.Namespace) -> None:
    from bot.adapters.db import migrate_database

    settings = load_settings(require_token=False)
    asyncio.run(migrate_database(settings.database_url))
    print("database is up to date")


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
    try:
        program = load_program(settings.program_file)
    except ProgramFileError as exc:
        raise ConfigError(f"program file {exc}") from None

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
    from bot.services.api_keys import ApiKeys

    settings = load_settings(require_token=False)

    async def act() -> int:
        await open_database(settings.database_url)
        keys = ApiKeys(tortoise_uow_factory, SystemClock())
        try:
            if args.action == "create":
                issued = await keys.create(args.outlet)
                print(f"key id: {issued.key_id} (outlet {issued.outlet_code})")
                print(f"key: {issued.secret}")
                print("store it now: it is not shown again")
            elif args.action == "revoke":
                await keys.revoke(args.key_id)
                print(f"revoked {args.key_id}")
            else:
                for key in await keys.list_keys():
                    state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
                    print(f"{key.key_id}  outlet {key.outlet_code}  {state}")
        except NotFound as error:
            print(f"error: {error.code}", file=sys.stderr)
            return 1
        finally:
            await close_database()
        return 0

    return asyncio.run(act())


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
    }
    commands.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")
    commands.add_parser("migrate", help="apply database migrations")
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
