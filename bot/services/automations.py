"""The automations the scheduler runs: each selects its members in SQL (`uow.segments`), records
them as targets (treated or held out), issues coupons to the treated and queues one campaign
through the outbox.

Common rules of every `run_<name>(now)`:
- nothing happens unless `[automations.<name>]` is enabled in the program file;
- one campaign per run, named `<name>:<local date>`, with the automation's holdout share; a
  held-out member gets no coupon and no message but is recorded (target row and `held_out`
  outbox row), so lift can be measured;
- a member targeted (treated or held out) within `cooldown_days` is not selected again;
- messages are locale keys `automation-<name>` (locales/*/automations.ftl).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.analytics import (
    DEFAULT_FAVOURITE_DAYS,
    DEFAULT_LAPSE_FACTOR,
    DEFAULT_LAPSE_MIN_DAYS,
    DEFAULT_OFF_PEAK_WEEKS,
    DEFAULT_REGULAR_MIN_PURCHASES,
    DEFAULT_RETURN_WINDOW_DAYS,
    DEFAULT_RFM_DAYS,
    OpeningHours,
    hour_of_week,
)
from bot.domain.delivery import MessageContent, in_holdout
from bot.domain.ledger_records import LedgerActor
from bot.domain.offers import NewCoupon
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.program import Automation, Offer, Program, RewardReason
from bot.services.delivery import Delivery
from bot.services.ledger import Ledger

BIRTHDAY_COOLDOWN_DAYS = 300
"""A birthday is celebrated once a year whatever the configured cooldown."""


@dataclass(frozen=True, slots=True)
class AutomationRun:
    name: str
    campaign_id: int | None = None
    treated: int = 0
    held_out: int = 0
    coupons: int = 0


NO_AUTOMATION = "-"
"""No automation has this name: a selection made with it ignores every cooldown."""


@dataclass(frozen=True, slots=True)
class SegmentSize:
    """An automation's segment at a moment (`Automations.segment_sizes`)."""

    name: str
    enabled: bool
    size: int
    """Members the selection picks, whatever the cooldown."""
    eligible: int
    """Of them, those a run at that moment would target: not targeted by this automation within
    its cooldown (the holdout is drawn afterwards)."""
    details: dict[str, int]
    """`expiry_reminder`: `points` expiring; `favourite`: members per category; `off_peak`:
    `quiet_slots` (hours of the week)."""


@dataclass(frozen=True, slots=True)
class _Target:
    member_id: int
    content: MessageContent
    offer: Offer | None = None
    hours_of_week: tuple[int, ...] | None = None


class Automations:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        program: Program,
        delivery: Delivery,
        ledger: Ledger,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program
        self._delivery = delivery
        self._ledger = ledger
        self._tz = ZoneInfo(program.timezone)

    def _config(self, name: str) -> Automation:
        return self._program.automation(name)

    def _cooldown_since(self, config: Automation, now: datetime) -> datetime:
        return now - timedelta(days=config.cooldown_days)

    # -- points housekeeping ---------------------------------------------------------------

    async def run_points_expiry(self, now: datetime) -> int:
        """Expire due point lots (the ledger's idempotent run) and past coupons; returns the
        points expired."""
        if not self._config("points_expiry").enabled:
            return 0
        run = await self._ledger.expire_points(now)
        async with self._uow() as uow:
            await uow.offers.expire_coupons(now)
        return run.points

    async def run_tier_recalculation(self, now: datetime) -> int:
        """Recalculate every tier (downgrades happen here); returns how many moved."""
        if not self._config("tier_recalculation").enabled:
            return 0
        return len((await self._ledger.recalculate_tiers(now)).moves)

    async def run_expiry_reminder(self, now: datetime) -> AutomationRun:
        """Members with a lot expiring between `days_before` - 1 and `days_before` days from now
        (program default: `points.remind_days_before`) are told how many points will be gone
        by then."""
        name = "expiry_reminder"
        config = self._config(name)
        if not config.enabled:
            return AutomationRun(name)
        points = await self._select_expiry_reminder(now, name, self._cooldown_since(config, now))
        until = now + timedelta(days=self._expiry_days(config))
        date = until.astimezone(self._tz).date().isoformat()
        targets = [
            _Target(m, MessageContent("automation-expiry-reminder", {"points": p, "date": date}))
            for m, p in points.items()
        ]
        return await self._launch(name, config, targets, now)

    def _expiry_days(self, config: Automation) -> int:
        return config.threshold("days_before", self._program.expiry.remind_days_before)

    async def _select_expiry_reminder(
        self, now: datetime, automation: str, cooldown_since: datetime
    ) -> dict[int, int]:
        until = now + timedelta(days=self._expiry_days(self._config("expiry_reminder")))
        async with self._uow() as uow:
            return await uow.segments.expiring_points(
                until - timedelta(days=1),
                until,
                automation=automation,
                cooldown_since=cooldown_since,
            )

    # -- greetings and offers ---------------------------------------------------------------

    async def run_birthday(self, now: datetime) -> AutomationRun:
        """Members whose birthday is today in their own timezone (else the program's) get the
        greeting and `[rewards].birthday` points, once a year (ledger key
        `birthday:<member>:<year>`). Born on 29 February: celebrated on the 28th in other
        years. Run it hourly or daily: a member is picked once their local day has begun."""
        name = "birthday"
        config = self._config(name)
        if not config.enabled:
            return AutomationRun(name)
        members = await self._select_birthday(now, name, self._birthday_cooldown(config, now))
        points = self._program.reward(RewardReason.BIRTHDAY)
        content = MessageContent("automation-birthday", {"points": points})
        run = await self._launch(name, config, [_Target(m, content) for m in members], now)
        if run.campaign_id is not None and points > 0:
            year = now.astimezone(self._tz).year
            for member_id in members:
                if not self._held_out(run.campaign_id, member_id, config):
                    await self._ledger.grant_reward(
                        member_id,
                        RewardReason.BIRTHDAY,
                        f"birthday:{member_id}:{year}",
                        LedgerActor.system(),
                    )
        return run

    def _birthday_cooldown(self, config: Automation, now: datetime) -> datetime:
        return now - timedelta(days=max(config.cooldown_days, BIRTHDAY_COOLDOWN_DAYS))

    async def _select_birthday(
        self, now: datetime, automation: str, cooldown_since: datetime
    ) -> list[int]:
        members: list[int] = []
        async with self._uow() as uow:
            for zone_name in await uow.segments.member_timezones():
                local = now.astimezone(self._zone(zone_name)).date()
                days = [f"{local:%m-%d}"]
                if (local.month, local.day) == (2, 28) and not calendar.isleap(local.year):
                    days.append("02-29")
                members += await uow.segments.birthdays(
                    days, timezone=zone_name, automation=automation, cooldown_since=cooldown_since
                )
        return members

    async def run_winback(self, now: datetime) -> AutomationRun:
        """ "We miss you": members lapsed by their own rhythm (no purchase for longer than
        max(min_days, k x their median gap)) get the offer as a coupon. First, earlier
        win-back targets who bought since are recorded as returned (`return_window_days`)."""
        name = "winback"
        config = self._config(name)
        if not config.enabled:
            return AutomationRun(name)
        window = config.threshold("return_window_days", DEFAULT_RETURN_WINDOW_DAYS)
        async with self._uow() as uow:
            await uow.offers.mark_returned(name, now - timedelta(days=window))
        members = await self._select_winback(now, name, self._cooldown_since(config, now))
        return await self._offer_to(name, config, members, now)

    async def _select_winback(
        self, now: datetime, automation: str, cooldown_since: datetime
    ) -> list[int]:
        config = self._config("winback")
        async with self._uow() as uow:
            return await uow.segments.lapsed(
                now,
                min_days=config.threshold("min_days", DEFAULT_LAPSE_MIN_DAYS),
                k=config.threshold("k", DEFAULT_LAPSE_FACTOR),
                automation=automation,
                cooldown_since=cooldown_since,
            )

    async def run_vip(self, now: datetime) -> AutomationRun:
        """The top decile (`share_percent`) by RFM over `days` gets the exclusive offer;
        joining and leaving VIP are recorded as spells."""
        name = "vip"
        config = self._config(name)
        if not config.enabled:
            return AutomationRun(name)
        current = await self._select_vip(now, name, now)
        async with self._uow() as uow:
            await uow.offers.sync_vip(current, now)
        members = await self._select_vip(now, name, self._cooldown_since(config, now))
        return await self._offer_to(name, config, members, now)

    async def _select_vip(
        self, now: datetime, automation: str, cooldown_since: datetime
    ) -> list[int]:
        config = self._config("vip")
        async with self._uow() as uow:
            return await uow.segments.vip(
                now,
                since=now - timedelta(days=config.threshold("days", DEFAULT_RFM_DAYS)),
                share_bp=config.threshold("share_percent", 10) * 100,
                automation=automation,
                cooldown_since=cooldown_since,
            )

    async def move_window_totals(self, now: datetime) -> int:
        """Hourly: bring the window totals that the enabled favourite and VIP selections read
        up to `now`, so their daily runs find them there: each move takes out an hour's
        purchases that left the window rather than a day's (`Segments.window_totals_at`).
        Returns the number of window lengths kept."""
        windows = window_days(self._program, enabled_only=True)
        for days in sorted(windows):
            async with self._uow() as uow:
                await uow.segments.window_totals_at(now, now - timedelta(days=days))
        return len(windows)

    async def run_favourite(self, now: datetime) -> AutomationRun:
        """Each member's favourite category over `days` (90) gets the first offer of the
        program bound to that category."""
        name = "favourite"
        config = self._config(name)
        if not config.enabled:
            return AutomationRun(name)
        by_category = self._category_offers()
        favourites = await self._select_favourite(now, name, self._cooldown_since(config, now))
        targets = [self._offer_target(name, m, by_category[c], now) for m, c in favourites.items()]
        return await self._launch(name, config, targets, now)

    def _category_offers(self) -> dict[str, Offer]:
        by_category: dict[str, Offer] = {}
        for offer in self._program.offers:
            if offer.category is not None:
                by_category.setdefault(offer.category, offer)
        return by_category

    async def _select_favourite(
        self, now: datetime, automation: str, cooldown_since: datetime
    ) -> dict[int, str]:
        days = self._config("favourite").threshold("days", DEFAULT_FAVOURITE_DAYS)
        async with self._uow() as uow:
            return await uow.segments.favourite_categories(
                now,
                since=now - timedelta(days=days),
                categories=sorted(self._category_offers()),
                automation=automation,
                cooldown_since=cooldown_since,
            )

    async def run_off_peak(self, now: datetime) -> AutomationRun:
        """The quiet slots (bottom quartile of open hours of the week by purchases over the last
        `weeks`) are found from hourly counts; regulars (>= `min_purchases`) who never came in
        them get a coupon valid only in those slots."""
        name = "off_peak"
        config = self._config(name)
        if not config.enabled:
            return AutomationRun(name)
        members, quiet = await self._select_off_peak(now, name, self._cooldown_since(config, now))
        return await self._offer_to(name, config, members, now, tuple(quiet))

    async def _select_off_peak(
        self, now: datetime, automation: str, cooldown_since: datetime
    ) -> tuple[list[int], list[int]]:
        """(the targets, the quiet slots)."""
        config = self._config("off_peak")
        since = now - timedelta(weeks=config.threshold("weeks", DEFAULT_OFF_PEAK_WEEKS))
        hours = OpeningHours.every_day(
            config.threshold("open_hour", 8), config.threshold("close_hour", 22)
        )
        async with self._uow() as uow:
            traffic = await uow.segments.hourly_traffic(since, now)
            quiet = quiet_slots(traffic, hours, self._tz)
            avoided = utc_hours_in_slots(since, now, quiet, self._tz)
            members = await uow.segments.regulars_avoiding(
                now,
                since=since,
                min_purchases=config.threshold("min_purchases", DEFAULT_REGULAR_MIN_PURCHASES),
                avoided_hours=avoided,
                automation=automation,
                cooldown_since=cooldown_since,
            )
        return members, quiet

    async def segment_sizes(self, now: datetime) -> list[SegmentSize]:
        """Each automation's segment as of `now`, from the very selections its run makes (for
        `python -m bot report segments`); nothing is written."""
        cooldowns = {"birthday": self._birthday_cooldown}
        selections: dict[str, tuple[Callable[..., Awaitable[Any]], Callable[[Any], _Measured]]] = {
            "expiry_reminder": (self._select_expiry_reminder, _expiring),
            "birthday": (self._select_birthday, _plain),
            "winback": (self._select_winback, _plain),
            "vip": (self._select_vip, _plain),
            "favourite": (self._select_favourite, _favourites),
            "off_peak": (self._select_off_peak, _off_peak),
        }
        sizes = []
        for name, (select, measure) in selections.items():
            config = self._config(name)
            cooldown = cooldowns.get(name, self._cooldown_since)(config, now)
            size, details = measure(await select(now, NO_AUTOMATION, now))
            eligible, _ = measure(await select(now, name, cooldown))
            sizes.append(SegmentSize(name, config.enabled, size, eligible, details))
        return sizes

    async def target_counts(self, name: str) -> dict[str, int]:
        """Treated, held out and returned targets of an automation, over all its runs."""
        async with self._uow() as uow:
            return await uow.offers.target_counts(name)

    # -- the shared path ---------------------------------------------------------------------

    async def _offer_to(
        self,
        name: str,
        config: Automation,
        members: Sequence[int],
        now: datetime,
        hours_of_week: tuple[int, ...] | None = None,
    ) -> AutomationRun:
        offer = self._program.offer(config.offer)
        if offer is None:
            return AutomationRun(name)
        targets = [self._offer_target(name, m, offer, now, hours_of_week) for m in members]
        return await self._launch(name, config, targets, now)

    def _offer_target(
        self,
        name: str,
        member_id: int,
        offer: Offer,
        now: datetime,
        hours_of_week: tuple[int, ...] | None = None,
    ) -> _Target:
        until = (now + timedelta(days=offer.valid_days)).astimezone(self._tz).date()
        content = MessageContent(
            f"automation-{name.replace('_', '-')}",
            {
                "discount": offer.discount_bp // 100,
                "points": offer.bonus_points,
                "until": until.isoformat(),
            },
        )
        return _Target(member_id, content, offer, hours_of_week)

    def _held_out(self, campaign_id: int, member_id: int, config: Automation) -> bool:
        return in_holdout(campaign_id, member_id, config.holdout_bp / 10_000)

    async def _launch(
        self, name: str, config: Automation, targets: Sequence[_Target], now: datetime
    ) -> AutomationRun:
        if not targets:
            return AutomationRun(name)
        local_day = now.astimezone(self._tz).date().isoformat()
        campaign = await self._delivery.create_campaign(
            f"{name}:{local_day}", config.holdout_bp / 10_000
        )
        held = {t.member_id for t in targets if self._held_out(campaign.id, t.member_id, config)}
        coupons = [
            NewCoupon(
                member_id=t.member_id,
                offer_code=t.offer.code,
                discount_bp=t.offer.discount_bp,
                bonus_points=t.offer.bonus_points,
                category=t.offer.category,
                valid_from=now,
                valid_until=now + timedelta(days=t.offer.valid_days),
                hours_of_week=t.hours_of_week,
                campaign_id=campaign.id,
                automation=name,
                issue_key=f"{name}:{campaign.id}:{t.member_id}",
            )
            for t in targets
            if t.offer is not None and t.member_id not in held
        ]
        async with self._uow() as uow:
            await uow.offers.record_targets(
                name, campaign.id, [(t.member_id, t.member_id in held) for t in targets], now
            )
            issued = await uow.offers.issue(coupons, now)
        # One enqueue per distinct message (an expiry reminder names each member's points).
        groups: dict[tuple[object, ...], list[_Target]] = defaultdict(list)
        for target in targets:
            content = target.content
            groups[content.key, *sorted(content.variables.items())].append(target)
        for group in groups.values():
            await self._delivery.enqueue_campaign(
                campaign.id, [t.member_id for t in group], group[0].content
            )
        return AutomationRun(name, campaign.id, len(targets) - len(held), len(held), issued)

    def _zone(self, name: str | None) -> tzinfo:
        if name is None:
            return self._tz
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return self._tz


_Measured = tuple[int, dict[str, int]]
"""A selection's size and its details (`SegmentSize.details`)."""


def _plain(members: Sequence[int]) -> _Measured:
    return len(members), {}


def _expiring(points: Mapping[int, int]) -> _Measured:
    return len(points), {"points": sum(points.values())}


def _favourites(favourites: Mapping[int, str]) -> _Measured:
    counts: dict[str, int] = defaultdict(int)
    for category in favourites.values():
        counts[category] += 1
    return len(favourites), dict(sorted(counts.items()))


def _off_peak(selection: tuple[list[int], list[int]]) -> _Measured:
    members, quiet = selection
    return len(members), {"quiet_slots": len(quiet)}


def window_days(program: Program, *, enabled_only: bool = False) -> set[int]:
    """The window lengths (days) the favourite and VIP selections read their totals over."""
    lengths = set()
    for name, default in (("favourite", DEFAULT_FAVOURITE_DAYS), ("vip", DEFAULT_RFM_DAYS)):
        config = program.automation(name)
        if config.enabled or not enabled_only:
            lengths.add(config.threshold("days", default))
    return lengths


def quiet_slots(traffic: Mapping[int, int], hours: OpeningHours, tz: tzinfo) -> list[int]:
    """The off-peak slots (see `analytics.off_peak_slots`) from purchases per UTC epoch hour."""
    per_slot: dict[int, int] = defaultdict(int)
    for epoch_hour, count in traffic.items():
        per_slot[hour_of_week(datetime.fromtimestamp(epoch_hour * 3600, UTC), tz)] += count
    open_slots = hours.slots()
    quietest = sorted(open_slots, key=lambda slot: (per_slot[slot], slot))
    return sorted(quietest[: -(-len(open_slots) // 4)])


def utc_hours_in_slots(
    since: datetime, now: datetime, slots: Sequence[int], tz: tzinfo
) -> list[int]:
    """The UTC epoch hours between `since` and `now` that fall in one of the local `slots`."""
    wanted = set(slots)
    first, last = int(since.timestamp()) // 3600, int(now.timestamp()) // 3600
    return [
        h
        for h in range(first, last + 1)
        if hour_of_week(datetime.fromtimestamp(h * 3600, UTC), tz) in wanted
    ]
