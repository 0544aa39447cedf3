"""Delivery use cases: put proactive messages into the outbox, hand due ones to a sender, record
what Telegram answered. The sender (bot/delivery/sender.py) is the only caller of `claim` and
`record`; everyone else enqueues."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.delivery import (
    KIND_PRIORITY,
    RATE_WINDOW,
    WEEK,
    Campaign,
    CampaignProgress,
    CampaignStatus,
    DeliveryKind,
    DeliveryPolicy,
    DeliveryStatus,
    Dispatch,
    Failed,
    MessageContent,
    OutboxMessage,
    Outcome,
    Postpone,
    Retry,
    Sent,
    Unreachable,
    after_quiet_hours,
    backoff,
    campaign_progress,
    frequency_cap_reached,
    in_holdout,
    zone,
)
from bot.domain.errors import CampaignNotFound, InvalidInput
from bot.domain.ports import Clock, UnitOfWorkFactory

# Why a claimed row was not sent (stored as its last_error).
SKIP_OPTED_OUT = "opted-out"
SKIP_UNREACHABLE = "unreachable"
SKIP_FREQUENCY_CAP = "frequency-cap"
SKIP_NO_CHAT = "no-telegram-account"
QUIET_HOURS = "quiet-hours"


@dataclass(frozen=True, slots=True)
class CampaignQueued:
    queued: int
    held_out: int
    already_queued: int


class Delivery:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, policy: DeliveryPolicy | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy or DeliveryPolicy()

    async def enqueue_transactional(
        self, member_id: int, content: MessageContent, *, priority: int | None = None
    ) -> int:
        """A message caused by the member's own action. Sent before any marketing; no opt-out,
        cap or quiet hours apply. Returns the outbox id."""
        priority = KIND_PRIORITY[DeliveryKind.TRANSACTIONAL] if priority is None else priority
        async with self._uow() as uow:
            return await uow.outbox.add(
                DeliveryKind.TRANSACTIONAL, member_id, content, priority, self._clock.now()
            )

    async def create_campaign(self, name: str, holdout_share: float = 0.0) -> Campaign:
        if not 0 <= holdout_share < 1 or not name.strip():
            raise InvalidInput("a campaign needs a name and a holdout share in [0, 1)")
        async with self._uow() as uow:
            return await uow.outbox.create_campaign(name.strip(), holdout_share, self._clock.now())

    async def enqueue_campaign(
        self,
        campaign_id: int,
        member_ids: Iterable[int],
        content: MessageContent,
        *,
        priority: int | None = None,
    ) -> CampaignQueued:
        """Queue the campaign's message for each member.

        - a member in the campaign's holdout (a deterministic hash of campaign and member) gets
          a `held_out` row and is never sent to;
        - a member the campaign already has is left as is (UNIQUE campaign, member);
        - opt-out, reachability, the frequency cap and quiet hours are checked at send time,
          against the member as they are then."""
        priority = KIND_PRIORITY[DeliveryKind.MARKETING] if priority is None else priority
        ids = list(dict.fromkeys(member_ids))
        async with self._uow() as uow:
            campaign = await uow.outbox.campaign(campaign_id)
            if campaign is None:
                raise CampaignNotFound(campaign_id=campaign_id)
            rows = [
                (
                    member_id,
                    DeliveryStatus.HELD_OUT
                    if in_holdout(campaign_id, member_id, campaign.holdout_share)
                    else DeliveryStatus.PENDING,
                )
                for member_id in ids
            ]
            inserted = await uow.outbox.add_campaign(
                campaign_id, rows, content, priority, self._clock.now()
            )
        held_out = sum(1 for _, status in rows if status is DeliveryStatus.HELD_OUT)
        return CampaignQueued(
            queued=inserted, held_out=held_out, already_queued=len(rows) - inserted
        )

    async def cancel_campaign(self, campaign_id: int) -> int:
        """Stop a campaign: its pending rows become `cancelled`; rows a sender holds are
        dropped when it next claims them. Returns how many rows were cancelled."""
        async with self._uow() as uow:
            if await uow.outbox.campaign(campaign_id) is None:
                raise CampaignNotFound(campaign_id=campaign_id)
            await uow.outbox.set_campaign_status(campaign_id, CampaignStatus.CANCELLED)
            return await uow.outbox.cancel_campaign_rows(campaign_id)

    async def status_counts(self, campaign_id: int | None = None) -> dict[DeliveryStatus, int]:
        """Rows per status, of one campaign or of the whole outbox."""
        async with self._uow() as uow:
            return await uow.outbox.status_counts(campaign_id)

    async def progress(
        self, campaign_id: int, *, rate_window: timedelta = RATE_WINDOW
    ) -> CampaignProgress:
        """Where a campaign stands, for the admin chat's live progress message: its rows by
        outcome, the rate over the last `rate_window` and when, at that rate, it will be done."""
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.outbox.campaign(campaign_id) is None:
                raise CampaignNotFound(campaign_id=campaign_id)
            counts = await uow.outbox.status_counts(campaign_id)
            done_recently, started = await uow.outbox.campaign_activity(
                campaign_id, now - rate_window
            )
        return campaign_progress(counts, done_recently, started, now, rate_window)

    async def claim(self, limit: int) -> list[Dispatch]:
        """Take up to `limit` due messages for sending.

        Rules, in order, for each claimed row:
        - a cancelled campaign's row is cancelled;
        - a row past the maximum attempts (its senders kept dying) fails;
        - a member with no Telegram account (data erased) is skipped;
        - marketing only: opted-out or unreachable members are skipped; a member who already got
          `frequency_cap_per_week` marketing messages in the last 7 days is skipped; in the
          member's quiet hours the row goes back to the queue until they end (delayed, never
          dropped).
        Everything else is returned, most urgent first, for the sender to send."""
        policy = self.policy
        now = self._clock.now()
        async with self._uow() as uow:
            claimed = await uow.outbox.claim(now, now - policy.lease, limit)
            if not claimed:
                return []
            marketing = [m.member_id for m in claimed if m.kind is DeliveryKind.MARKETING]
            sent_this_week: Counter[int] = Counter()
            if policy.frequency_cap_per_week > 0 and marketing:
                sent_this_week.update(await uow.outbox.marketing_sent_since(marketing, now - WEEK))
            finished: dict[tuple[DeliveryStatus, str], list[int]] = defaultdict(list)
            quiet: dict[datetime, list[int]] = defaultdict(list)
            dispatches: list[Dispatch] = []
            for message in claimed:
                verdict = self._verdict(message, sent_this_week)
                if verdict is not None:
                    finished[verdict].append(message.id)
                    continue
                tz = zone(message.recipient.timezone, policy.default_timezone)
                wake = (
                    after_quiet_hours(now, tz, policy.quiet_start, policy.quiet_end)
                    if message.kind is DeliveryKind.MARKETING
                    else now
                )
                if wake > now:
                    quiet[wake].append(message.id)
                    continue
                if message.kind is DeliveryKind.MARKETING:
                    sent_this_week[message.member_id] += 1  # the cap holds within a batch too
                assert message.recipient.telegram_id is not None
                dispatches.append(
                    Dispatch(
                        id=message.id,
                        kind=message.kind,
                        member_id=message.member_id,
                        chat_id=message.recipient.telegram_id,
                        locale=message.recipient.locale,
                        content=message.content,
                        priority=message.priority,
                        attempts=message.attempts,
                    )
                )
            for (status, reason), ids in finished.items():
                await uow.outbox.finish(ids, status, reason, count_attempt=False)
            for wake, ids in quiet.items():
                await uow.outbox.reschedule(ids, wake, QUIET_HOURS, count_attempt=False)
        return dispatches

    def _verdict(
        self, message: OutboxMessage, sent_this_week: Counter[int]
    ) -> tuple[DeliveryStatus, str] | None:
        """Why the row must not be sent now (final status and reason), or None."""
        recipient = message.recipient
        if message.campaign_status is CampaignStatus.CANCELLED:
            return DeliveryStatus.CANCELLED, "campaign-cancelled"
        if message.attempts >= self.policy.max_attempts:
            return DeliveryStatus.FAILED, "too many attempts (lease expired)"
        if recipient.telegram_id is None:
            return DeliveryStatus.SKIPPED, SKIP_NO_CHAT
        if message.kind is not DeliveryKind.MARKETING:
            return None
        if not recipient.marketing_opt_in:
            return DeliveryStatus.SKIPPED, SKIP_OPTED_OUT
        if not recipient.reachable:
            return DeliveryStatus.SKIPPED, SKIP_UNREACHABLE
        cap = self.policy.frequency_cap_per_week
        if frequency_cap_reached(sent_this_week[message.member_id], cap):
            return DeliveryStatus.SKIPPED, SKIP_FREQUENCY_CAP
        return None

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """What Telegram answered, for a batch of dispatches, in one transaction.

        - sent: done;
        - unreachable (403): the row is `unreachable` and the member is marked unreachable, so
          marketing skips them until they come back; never retried;
        - failed (400): `failed` with Telegram's reason; never retried;
        - retry (5xx, network, timeout): back to the queue after an exponential backoff, or
          `failed` once the maximum attempts are used;
        - postpone (429, shutdown): back to the queue, no attempt counted.
        Rows with the same result are written by one statement, so a batch costs a handful of
        statements however large it is."""
        if not outcomes:
            return
        policy = self.policy
        now = self._clock.now()
        finished: dict[tuple[DeliveryStatus, str], list[int]] = defaultdict(list)
        later: dict[tuple[datetime, str, bool], list[int]] = defaultdict(list)
        unreachable: list[int] = []
        for outcome in outcomes:
            if isinstance(outcome, Unreachable):
                finished[DeliveryStatus.UNREACHABLE, outcome.error].append(outcome.id)
                unreachable.append(outcome.member_id)
            elif isinstance(outcome, Failed):
                finished[DeliveryStatus.FAILED, outcome.error].append(outcome.id)
            elif isinstance(outcome, Retry):
                if outcome.attempt >= policy.max_attempts:
                    finished[DeliveryStatus.FAILED, outcome.error].append(outcome.id)
                else:
                    wait = backoff(outcome.attempt, policy.backoff_base, policy.backoff_cap)
                    later[now + wait, outcome.error, True].append(outcome.id)
            elif isinstance(outcome, Postpone):
                later[outcome.not_before, outcome.error, False].append(outcome.id)
        async with self._uow() as uow:
            await uow.outbox.mark_sent([o.id for o in outcomes if isinstance(o, Sent)], now)
            for (status, error), ids in finished.items():
                await uow.outbox.finish(ids, status, error, count_attempt=True)
            for (not_before, error, count_attempt), ids in later.items():
                await uow.outbox.reschedule(ids, not_before, error, count_attempt=count_attempt)
            for member_id in sorted(set(unreachable)):
                await uow.outbox.mark_member_unreachable(member_id)

    async def renew_lease(self, ids: Sequence[int]) -> None:
        """The sender still holds these rows (queued or being sent): keep them from looking
        abandoned, however long a 429 pause or a slow queue keeps them."""
        async with self._uow() as uow:
            await uow.outbox.renew(ids, self._clock.now())

    async def photo_file_id(self, source: str) -> str | None:
        async with self._uow() as uow:
            return await uow.outbox.photo_file_id(source)

    async def remember_photo(self, source: str, file_id: str) -> None:
        async with self._uow() as uow:
            await uow.outbox.remember_photo(source, file_id, self._clock.now())
