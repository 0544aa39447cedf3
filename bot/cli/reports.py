"""`python -m bot report <kind> [--json] [--at DATE] [--days N]`: the admin chat's figures for
scripts, computed by the same services (`Reports`, `Automations.segment_sizes`) with the clock
stopped at DATE.

A report kind is one entry of `FIGURES`: a coroutine building a JSON-ready dict from a
`ReportContext` (the services' clock stopped at `--at`), and a function rendering that dict as
text. To add a kind, write the two, add the entry here and the name to `REPORTS` in
`bot/__main__.py` (mapped to `report_figures`, which handles --at, --days and --json).

JSON: keys are stable and sorted; money is in integer minor units, points are integers; a rate
(a `Fraction` in the services) is a number rounded to 4 decimals, or null when undefined; times
are ISO 8601 in UTC. Dataclass results are converted field by field, their derived figures
(properties such as `repeat_rate`) included, so a figure added to a service's result appears
here too.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.program import Program
from bot.domain.staff import Actor, Role
from bot.services.automations import Automations
from bot.services.delivery import Delivery
from bot.services.ledger import Ledger
from bot.services.reports import Reports

OPERATOR = Actor(telegram_id=0, role=Role.OWNER)
"""Whoever runs the command on the server is the owner (they hold the database already)."""
RATE_DIGITS = 4
SERIES = frozenset({"growth", "heatmap"})
"""Chart data: in the JSON, left out of the text."""


class StoppedClock:
    """The clock every report service gets: stopped at `--at`."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment


@dataclass(frozen=True, slots=True)
class ReportContext:
    uow: UnitOfWorkFactory
    clock: Clock
    program: Program
    days: int
    """The period of period-based reports (`kpi`): the last `days` before the clock."""

    @property
    def at(self) -> datetime:
        return self.clock.now()


@dataclass(frozen=True, slots=True)
class ReportKind:
    help: str
    build: Callable[[ReportContext], Awaitable[dict[str, Any]]]
    render: Callable[[dict[str, Any]], str]


def jsonable(value: Any) -> Any:
    """Plain JSON values from the services' results (see the module's docstring)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name, member in inspect.getmembers(type(value)):
            if isinstance(member, property) and not name.startswith("_"):
                data[name] = jsonable(getattr(value, name))
        return data
    if isinstance(value, bool | int | str) or value is None:
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Fraction):
        return round(float(value), RATE_DIGITS)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    raise TypeError(f"no JSON form for {type(value).__name__}")


def parse_at(text: str | None, now: datetime, timezone: str) -> datetime:
    """`--at`: a date (its midnight, the program's time zone: the figures before that day) or
    a date and time (the program's time zone unless it carries an offset); default now."""
    if text is None:
        return now
    tz = ZoneInfo(timezone)
    try:
        if len(text) == len("YYYY-MM-DD"):
            moment = datetime.combine(date.fromisoformat(text), time(), tz)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--at {text!r}: not YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)


# --- the kinds ------------------------------------------------------------------------------


async def kpi_report(context: ReportContext) -> dict[str, Any]:
    reports = Reports(context.uow, context.clock, context.program)
    kpis = await reports.kpis(OPERATOR, context.days)
    return {"report": "kpi", "at": jsonable(context.at), "days": context.days, **jsonable(kpis)}


async def review_report(context: ReportContext) -> dict[str, Any]:
    review = await Reports(context.uow, context.clock, context.program).review(OPERATOR)
    return {"report": "review", "at": jsonable(context.at), **jsonable(review)}


async def segments_report(context: ReportContext) -> dict[str, Any]:
    automations = Automations(
        context.uow,
        context.clock,
        context.program,
        Delivery(context.uow, context.clock),
        Ledger(context.uow, context.clock, context.program),
    )
    sizes = await automations.segment_sizes(context.at)
    return {"report": "segments", "at": jsonable(context.at), "segments": jsonable(sizes)}


def render_fields(data: Mapping[str, Any], indent: str = "") -> str:
    """`key: value` lines, nested mappings indented, chart series left out."""
    lines = []
    for key, value in data.items():
        if key in SERIES:
            continue
        if isinstance(value, Mapping):
            inner = render_fields(value, indent + "  ")
            lines.append(f"{indent}{key}:" + (f"\n{inner}" if inner else " —"))
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            lines.append(f"{indent}{key}:")
            lines += [render_fields(item, indent + "  - ") for item in value]
        else:
            lines.append(f"{indent}{key}: {'—' if value is None else value}")
    return "\n".join(lines)


def render_segments(data: Mapping[str, Any]) -> str:
    lines = [f"segments at {data['at']}", "automation        enabled   size  eligible  details"]
    for segment in data["segments"]:
        details = ", ".join(f"{k} {v}" for k, v in segment["details"].items()) or "—"
        enabled = "yes" if segment["enabled"] else "no"
        lines.append(
            f"{segment['name']:<17} {enabled:<7} {segment['size']:>6} {segment['eligible']:>9}"
            f"  {details}"
        )
    return "\n".join(lines)


FIGURES: dict[str, ReportKind] = {
    "kpi": ReportKind("the KPIs of /stats over the last --days", kpi_report, render_fields),
    "review": ReportKind("the launch review of /review", review_report, render_fields),
    "segments": ReportKind(
        "each automation's segment size (and how many a run would target)",
        segments_report,
        render_segments,
    ),
}
