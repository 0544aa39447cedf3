"""Ports: what the services need from the outside world, as Protocols. `bot/adapters`
implements them; tests use hand-written fakes or the real adapters on SQLite/PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.broadcasts import (
    BroadcastDraft,
    BroadcastStatus,
    ScheduledBroadcast,
    Segment,
)
from bot.domain.coalition import PartnerConfig, PartnerRef, ReasonTotal
from bot.domain.delivery import (
    Campaign,
    CampaignStatus,
    DeliveryKind,
    DeliveryStatus,
    MessageContent,
    OutboxMessage,
)
from bot.domain.events import NewEvent, PendingEvent
from bot.domain.imports import ImportedMember
from bot.domain.ledger import LedgerEntry
from bot.domain.ledger_audit import AuditBatch
from bot.domain.ledger_records import (
    Account,
    CertificateRecord,
    NewEntry,
    NewPurchase,
    NewRefund,
    PurchaseRecord,
    StoredOperation,
)
from bot.domain.lots import Lot, Taken
from bot.domain.members import Member, NewMember, PurchaseSummary
from bot.domain.offers import Coupon, NewCoupon
from bot.domain.pos import ApiKeyRecord
from bot.domain.referrals import ReferredFriend
from bot.domain.reports import CampaignStats, Kpis, RegularsSpend
from bot.domain.staff import (
    Actor,
    LeaderboardRow,
    NewRedemptionRequest,
    RedemptionRequestRecord,
    RedemptionStatus,
    StaffMember,
    StaffRole,
)
from bot.domain.surveys import RatingPrompt, StoredAnswer, SurveyProgress


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class MemberRepository(Protocol):
    async def by_telegram_id(self, telegram_id: int) -> Member | None: ...

    async def get(self, member_id: int) -> Member | None: ...

    async def add(self, member: NewMember, now: datetime) -> Member | None:
        """Insert; None when a member with this Telegram id already exists."""
        ...

    async def set_locale(self, member_id: int, locale: str) -> None: ...

    async def set_card_code(self, member_id: int, card_code: str) -> None: ...

    async def id_by_referral_code(self, referral_code: str) -> int | None:
        """The active member whose referral link this is."""
        ...

    async def active_staff_id_by_code(self, code: str) -> int | None: ...

    async def phone_owner(self, phone: str) -> int | None:
        """The id of the member holding this (normalized) phone."""
        ...

    async def record_consent(self, member_id: int, now: datetime) -> None:
        """Set the consent time unless it is set already."""
        ...

    async def set_phone(self, member_id: int, phone: str) -> bool:
        """False when another member took the phone first (the unique index)."""
        ...

    async def set_name(self, member_id: int, first_name: str, last_name: str | None) -> None: ...

    async def activate(self, member_id: int, birthday: date | None, now: datetime) -> bool:
        """Joining -> active with the birthday and `joined_at`; False if not joining."""
        ...

    async def set_marketing_opt_in(self, member_id: int, opt_in: bool) -> None: ...

    async def set_birthday(self, member_id: int, birthday: date) -> bool:
        """Set the birthday unless one is set already (then False, nothing changes)."""
        ...

    async def set_reachable(self, telegram_id: int, reachable: bool) -> bool:
        """Whether the bot can write to the member of this Telegram user; False if none."""
        ...

    async def forget(self, member_id: int, now: datetime) -> None:
        """Erase the personal fields (Telegram id included) and mark the member forgotten."""
        ...

    async def purchases_of(self, member_id: int) -> list[PurchaseSummary]:
        """The member's purchases, oldest first (for the data export)."""
        ...

    async def add_imported(
        self,
        member: ImportedMember,
        card_code: str,
        referral_code: str,
        tier_code: str,
        now: datetime,
    ) -> Member | None:
        """Insert an active member with no Telegram account (source `import`, unreachable);
        None when the phone or the external id is taken."""
        ...

    async def id_by_external_id(self, external_id: str) -> int | None: ...

    async def claim_imported(self, imported_id: int, visitor_id: int) -> bool:
        """Link an imported member to the Telegram user of the joining member `visitor_id`: the
        visitor's row is deleted and its Telegram id, language, username and consent move to
        the imported row. False (nothing changes) unless the imported member is active and has
        no Telegram account."""
        ...


class UpdateLog(Protocol):
    async def claim(self, update_id: int, now: datetime) -> bool:
        """Record the update as being handled; False if it was recorded before."""
        ...

    async def release(self, update_id: int) -> None:
        """Forget a claim whose handling failed, so that a re-delivery is handled again."""
        ...


class Outbox(Protocol):
    """The outbox of proactive messages, their campaigns and the uploaded photos' file ids."""

    async def create_campaign(self, name: str, holdout_share: float, now: datetime) -> Campaign: ...

    async def campaign(self, campaign_id: int) -> Campaign | None: ...

    async def set_campaign_status(self, campaign_id: int, status: CampaignStatus) -> None: ...

    async def add(
        self,
        kind: DeliveryKind,
        member_id: int,
        content: MessageContent,
        priority: int,
        now: datetime,
        *,
        not_before: datetime | None = None,
    ) -> int:
        """Queue one message, due at `not_before` (default: now). Returns its id."""
        ...

    async def add_campaign(
        self,
        campaign_id: int,
        rows: Sequence[tuple[int, DeliveryStatus]],
        content: MessageContent,
        priority: int,
        now: datetime,
    ) -> int:
        """Insert (member id, status) rows; a member the campaign already has is left alone.
        Returns how many were inserted."""
        ...

    async def claim(self, now: datetime, stale_before: datetime, limit: int) -> list[OutboxMessage]:
        """Mark up to `limit` due rows `sending` (pending ones due by `now`, and `sending` ones
        claimed before `stale_before` by a sender that died), most urgent first. Rows another
        transaction holds are skipped, not waited for."""
        ...

    async def marketing_sent_since(
        self, member_ids: Sequence[int], since: datetime
    ) -> dict[int, int]: ...

    async def renew(self, ids: Sequence[int], now: datetime) -> None:
        """Extend the lease of `sending` rows a live sender still holds."""
        ...

    async def mark_sent(self, ids: Sequence[int], now: datetime) -> None: ...

    async def finish(
        self, ids: Sequence[int], status: DeliveryStatus, error: str | None, count_attempt: bool
    ) -> None: ...

    async def reschedule(
        self, ids: Sequence[int], not_before: datetime, error: str | None, count_attempt: bool
    ) -> None: ...

    async def mark_member_unreachable(self, member_id: int) -> None: ...

    async def cancel_campaign_rows(self, campaign_id: int) -> int: ...

    async def status_counts(self, campaign_id: int | None = None) -> dict[DeliveryStatus, int]: ...

    async def campaign_activity(
        self, campaign_id: int, since: datetime
    ) -> tuple[int, datetime | None]:
        """(rows of the campaign finished since `since`, when its first row was claimed)."""
        ...

    async def photo_file_id(self, source: str) -> str | None: ...

    async def remember_photo(self, source: str, file_id: str, now: datetime) -> None: ...


# --- the ledger ---------------------------------------------------------------------------------


class KeyTaken(Exception):
    """A row with this unique key (an idempotency key, a certificate digest) exists already: a
    concurrent request with the same key committed first. The adapter raises it instead of the
    driver's integrity error; the transaction is then unusable, so the service retries once in a
    new unit of work, which finds the first request's result."""


class LedgerRepository(Protocol):
    """Members' balances and tiers, ledger entries, point lots, idempotent operations."""

    async def lock_account(self, member_id: int) -> Account | None:
        """The member's account, locked until the end of the transaction (PostgreSQL: `SELECT
        ... FOR NO KEY UPDATE`; SQLite serializes whole transactions), so that every change
        of one member's points, lots and tier happens one transaction at a time."""
        ...

    async def account(self, member_id: int) -> Account | None:
        """The account without a lock (queries)."""
        ...

    async def change_balance(self, member_id: int, delta: int, *, floor: int | None) -> int | None:
        """`balance += delta` in one guarded UPDATE, only when the new balance is at least
        `floor` (None: no floor); the new balance, or None when the guard refused."""
        ...

    async def set_tier(self, member_id: int, tier_code: str) -> None: ...

    async def add_tier_change(
        self, member_id: int, from_tier: str, to_tier: str, reason: str, now: datetime
    ) -> None: ...

    async def add_entry(self, entry: NewEntry) -> LedgerEntry:
        """Append an entry; KeyTaken when its idempotency key is used."""
        ...

    async def entries(self, member_id: int, offset: int, limit: int) -> list[LedgerEntry]:
        """Newest first."""
        ...

    async def count_entries(self, member_id: int) -> int: ...

    async def entries_of_purchase(self, purchase_id: int) -> list[LedgerEntry]:
        """The entries a purchase and its refunds wrote, oldest first."""
        ...

    async def add_lot(
        self,
        member_id: int,
        entry_id: int,
        points: int,
        earned_at: datetime,
        expires_at: datetime | None,
    ) -> Lot:
        """A new lot holding `points` (remaining = amount)."""
        ...

    async def open_lots(self, member_id: int) -> list[Lot]:
        """The member's lots with points remaining."""
        ...

    async def lots(self, lot_ids: Sequence[int]) -> list[Lot]: ...

    async def lot_of_entry(self, entry_id: int) -> Lot | None:
        """The lot a credit created."""
        ...

    async def move_points(self, entry_id: int, moves: Sequence[Taken]) -> None:
        """`remaining += points` for each (lot id, points), recorded against the entry that
        caused it (negative: taken, positive: given back)."""
        ...

    async def movements(self, entry_id: int) -> list[Taken]:
        """What an entry did to the lots, in the order it was done."""
        ...

    async def members_with_expired_lots(self, now: datetime, limit: int) -> list[int]:
        """Members holding points in lots expired at `now`."""
        ...

    async def audit_batch(self, after_member_id: int, limit: int) -> AuditBatch:
        """Up to `limit` members with ids above `after_member_id`, by id, with all their
        entries and lots (for the consistency check)."""
        ...

    async def audit_members(self, member_ids: Sequence[int]) -> AuditBatch: ...

    async def operation(self, key: str) -> StoredOperation | None: ...

    async def add_operation(self, operation: StoredOperation, now: datetime) -> None:
        """Store an operation's result under its key; KeyTaken when the key is used."""
        ...


class PurchaseRepository(Protocol):
    async def add(self, purchase: NewPurchase) -> PurchaseRecord:
        """KeyTaken when the idempotency key is used."""
        ...

    async def get(self, purchase_id: int) -> PurchaseRecord | None: ...

    async def add_refund(self, refund: NewRefund) -> int:
        """The refund's id; KeyTaken when the idempotency key is used."""
        ...

    async def record_refund(
        self, purchase_id: int, amount: int, earned_reversed: int, used_returned: int
    ) -> None:
        """Add a refund to the purchase's cumulative refunded figures."""
        ...

    async def spend_since(self, member_id: int, since: datetime) -> int:
        """Purchases since `since` (inclusive), less their refunds, in minor units."""
        ...

    async def outlet_exists(self, outlet_id: int) -> bool: ...


class CertificateRepository(Protocol):
    async def add(
        self,
        digests: Sequence[str],
        points: int,
        expires_at: datetime | None,
        created_by: int | None,
        now: datetime,
    ) -> None:
        """KeyTaken when a digest exists already."""
        ...

    async def by_digest(self, digest: str) -> CertificateRecord | None: ...

    async def claim(self, certificate_id: int, member_id: int, now: datetime) -> bool:
        """Mark the certificate used by the member in one guarded UPDATE (`WHERE used_at IS
        NULL`); False when it was used already (by a concurrent request, say)."""
        ...

    async def failed_attempts(self, member_id: int, since: datetime) -> list[datetime]:
        """When the member typed a wrong code after `since`, oldest first."""
        ...

    async def add_failed_attempt(self, member_id: int, now: datetime) -> None: ...


class StaffRepository(Protocol):
    async def active_by_telegram_id(self, telegram_id: int) -> StaffMember | None: ...

    async def list_active(self) -> list[StaffMember]: ...

    async def add_invite(
        self,
        token_digest: str,
        role: StaffRole,
        outlet_id: int | None,
        created_by: int,
        now: datetime,
        expires_at: datetime,
    ) -> None: ...

    async def use_invite(
        self, token_digest: str, now: datetime
    ) -> tuple[StaffRole, int | None, int] | None:
        """Mark an unused, unexpired invite used: (role, outlet id, invite id), else None."""
        ...

    async def add_staff(
        self,
        telegram_id: int,
        name: str,
        role: StaffRole,
        outlet_id: int | None,
        now: datetime,
        invite_id: int,
    ) -> StaffMember: ...

    async def deactivate(self, staff_id: int, now: datetime) -> StaffMember | None: ...

    async def add_scan(
        self, token_digest: str, member_id: int, staff_id: int, now: datetime
    ) -> int | None:
        """A new card scan's id; None when this token was scanned before."""
        ...

    async def claim_scan(
        self, scan_id: int, staff_id: int, operation: str, now: datetime, not_before: datetime
    ) -> int | None:
        """Use the scan's one operation: the member id, or None if it is not this staff
        member's, was used, or is older than `not_before`."""
        ...

    async def open_scan_member(
        self, scan_id: int, staff_id: int, not_before: datetime
    ) -> int | None:
        """The member of a scan this staff member may still use (unused, not older than
        `not_before`), without using it; else None."""
        ...

    async def release_scan(self, scan_id: int) -> None: ...

    async def audit(
        self,
        actor: Actor,
        action: str,
        member_id: int | None,
        details: dict[str, Any],
        now: datetime,
    ) -> None: ...

    async def count_actions(self, staff_id: int, action: str, since: datetime) -> int: ...

    async def count_purchases_by_staff(self, staff_id: int, since: datetime) -> int: ...

    async def count_purchases_of_member(self, member_id: int, since: datetime) -> int: ...

    async def add_redemption_request(self, request: NewRedemptionRequest) -> int: ...

    async def set_redemption_message(self, request_id: int, message_id: int) -> None: ...

    async def redemption_request(self, request_id: int) -> RedemptionRequestRecord | None: ...

    async def move_redemption(
        self,
        request_id: int,
        from_statuses: Sequence[RedemptionStatus],
        to_status: RedemptionStatus,
        now: datetime,
    ) -> bool:
        """Change the request's status in one guarded UPDATE (`WHERE status IN from`);
        False when another press (or the expiry job) changed it first."""
        ...

    async def overdue_redemption_requests(
        self, now: datetime, limit: int
    ) -> list[RedemptionRequestRecord]:
        """Pending requests whose `expires_at` has passed, oldest first."""
        ...

    async def leaderboard_counts(self, since: datetime, until: datetime) -> list[LeaderboardRow]:
        """Every active staff member with the members registered through their link (joined
        in (since, until]) and the purchases they recorded in it; unranked."""
        ...


class ApiKeyRepository(Protocol):
    async def outlet_by_code(self, code: str) -> int | None: ...

    async def add(self, key_id: str, digest: str, outlet_id: int, now: datetime) -> None: ...

    async def by_key_id(self, key_id: str) -> ApiKeyRecord | None: ...

    async def revoke(self, key_id: str, now: datetime) -> bool:
        """Mark the key revoked (once); False when there is no such unrevoked key."""
        ...

    async def list(self) -> list[ApiKeyRecord]: ...

    async def purchase_outlet(self, purchase_id: int) -> int | None:
        """The outlet a purchase was recorded at (None: none, or no such purchase)."""
        ...


class EventOutbox(Protocol):
    """Outbound webhook events (`bot/domain/events.py`), written in the unit of work of the
    change they report."""

    async def add(self, event: NewEvent) -> None: ...

    async def claim(self, now: datetime, lease_until: datetime, limit: int) -> list[PendingEvent]:
        """Up to `limit` undelivered, unfailed events due by `now`, oldest due first: each gets
        `attempts + 1` and `next_attempt_at = lease_until`. Rows another transaction holds are
        skipped, not waited for (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
        ...

    async def mark_delivered(self, row_id: int, now: datetime) -> None: ...

    async def mark_failed(self, row_id: int, error: str | None, now: datetime) -> None: ...

    async def reschedule(self, row_id: int, at: datetime, error: str | None) -> None: ...


class ChatNotifier(Protocol):
    """Immediate messages to staff and admin chats, outside the outbox (which addresses
    members). Best effort: a failure is logged, never raised, because what it reports is
    already committed (an audit row, a request's status)."""

    async def to_admins(self, parts: Sequence[MessageContent]) -> None:
        """One message to every admin chat: the parts rendered in the default language, one
        per line."""
        ...

    async def show(
        self, chat_id: int, message_id: int | None, locale: str, content: MessageContent
    ) -> None:
        """Replace the text of a message the bot sent (a new message when `message_id` is
        None or the edit fails)."""
        ...


class OfferRepository(Protocol):
    """Coupons, the automations' targets (cooldowns, holdout, returns) and VIP spells."""

    async def issue(self, coupons: Sequence[NewCoupon], now: datetime) -> int: ...

    async def coupon(self, coupon_id: int) -> Coupon | None: ...

    async def active_coupons(self, member_id: int, now: datetime) -> list[Coupon]: ...

    async def mark_redeemed(self, coupon_id: int, now: datetime, staff_id: int | None) -> bool: ...

    async def release_coupon(self, coupon_id: int) -> None:
        """Make a redeemed coupon active again (its purchase was refused after all)."""
        ...

    async def expire_coupons(self, now: datetime) -> int: ...

    async def record_targets(
        self, automation: str, campaign_id: int, targets: Sequence[tuple[int, bool]], now: datetime
    ) -> None: ...

    async def mark_returned(self, automation: str, since: datetime) -> int: ...

    async def target_counts(self, automation: str) -> dict[str, int]: ...

    async def sync_vip(
        self, current: Sequence[int], now: datetime
    ) -> tuple[list[int], list[int]]: ...


class Segments(Protocol):
    """Member selections computed in the database (definitions: `bot/domain/analytics.py`).
    Each returns active members not targeted by `automation` since `cooldown_since`."""

    async def lapsed(
        self, now: datetime, *, min_days: int, k: int, automation: str, cooldown_since: datetime
    ) -> list[int]: ...

    async def vip(
        self,
        now: datetime,
        *,
        since: datetime,
        share_bp: int,
        automation: str,
        cooldown_since: datetime,
    ) -> list[int]: ...

    async def favourite_categories(
        self,
        now: datetime,
        *,
        since: datetime,
        categories: Sequence[str],
        automation: str,
        cooldown_since: datetime,
    ) -> dict[int, str]: ...

    async def hourly_traffic(self, since: datetime, now: datetime) -> dict[int, int]: ...

    async def regulars_avoiding(
        self,
        now: datetime,
        *,
        since: datetime,
        min_purchases: int,
        avoided_hours: Sequence[int],
        automation: str,
        cooldown_since: datetime,
    ) -> list[int]: ...

    async def member_timezones(self) -> list[str | None]: ...

    async def birthdays(
        self,
        month_days: Sequence[str],
        *,
        timezone: str | None,
        automation: str,
        cooldown_since: datetime,
    ) -> list[int]: ...

    async def expiring_points(
        self, after: datetime, until: datetime, *, automation: str, cooldown_since: datetime
    ) -> dict[int, int]: ...

    async def window_totals_at(self, now: datetime, since: datetime) -> int | None:
        """Bring the window totals the favourite and VIP selections read to (since, now]; None
        when they cannot answer for `now` (a purchase after it)."""
        ...

    async def tier_candidates(
        self, since: datetime, ladder: Sequence[tuple[int, str]], base: str
    ) -> list[int]:
        """Members not forgotten whose tier code differs from the one their spend since
        `since` earns: the first code of `ladder` ((threshold, code), highest threshold first)
        whose threshold the spend reaches, else `base`."""
        ...


class BroadcastRepository(Protocol):
    """The owner's broadcasts and the members a segment names (selected in the database)."""

    async def audience(self, segment: Segment, now: datetime) -> list[int]:
        """The segment's members the bot may write marketing to, ascending ids."""
        ...

    async def add(
        self,
        draft: BroadcastDraft,
        campaign_id: int,
        status: BroadcastStatus,
        scheduled_for: datetime | None,
        created_by: int,
        now: datetime,
    ) -> int: ...

    async def by_campaign(self, campaign_id: int) -> ScheduledBroadcast | None: ...

    async def due(self, now: datetime) -> list[ScheduledBroadcast]:
        """Scheduled broadcasts whose moment is at or before `now`, oldest first."""
        ...

    async def mark_enqueued(self, broadcast_id: int, recipients: int, now: datetime) -> bool:
        """scheduled -> enqueued, guarded: False when it was not scheduled any more."""
        ...

    async def set_recipients(self, broadcast_id: int, recipients: int, now: datetime) -> None: ...

    async def cancel(self, campaign_id: int) -> None: ...


class SurveyRepository(Protocol):
    async def response(self, member_id: int, survey_id: str) -> SurveyProgress | None: ...

    async def start(
        self, member_id: int, survey_id: str, staff_id: int | None, now: datetime
    ) -> SurveyProgress:
        """The member's response to the survey, created unless it exists."""
        ...

    async def set_draft(self, response_id: int, position: int, draft: tuple[str, ...]) -> bool:
        """The ticked options of the multiple-choice question at `position`; False when the
        response has moved on."""
        ...

    async def record_answer(
        self,
        response_id: int,
        position: int,
        question_id: str,
        value: str,
        now: datetime,
        *,
        last: bool,
    ) -> bool:
        """Store the answer and advance, only while the response is at `position`."""
        ...

    async def answers(self, response_id: int) -> dict[str, str]: ...

    async def completed_surveys(self, member_id: int) -> set[str]: ...

    async def has_purchases(self, member_id: int) -> bool: ...

    async def audience(self, survey_id: str, tier_code: str | None, buyers: bool) -> list[int]:
        """Active members (of the tier, with a purchase) who have not completed the survey."""
        ...

    async def erase_answers(self, member_id: int, questions: set[tuple[str, str]]) -> None:
        """Blank the member's answers to these (survey id, question id) pairs."""
        ...

    async def all_answers(self, survey_id: str) -> tuple[int, int, list[tuple[str, str]]]:
        """(responses started, completed, every (question id, value))."""
        ...

    async def credit_staff(self, response_id: int, staff_id: int) -> bool:
        """Attribute an unfinished response nobody is credited with yet to a staff member;
        False (nothing changes) when someone already is, or it is completed."""
        ...

    async def purchase_parties(self, purchase_id: int) -> tuple[int, int | None] | None:
        """(member id, staff id who recorded it) of a purchase; None if there is none."""
        ...

    async def member_answers(self, member_id: int) -> list[StoredAnswer]:
        """Every answer the member gave, oldest first."""
        ...

    async def add_rating_prompt(self, member_id: int, purchase_id: int, now: datetime) -> int: ...

    async def rating_prompts_since(self, member_id: int, since: datetime) -> int: ...

    async def rating_prompt(self, prompt_id: int) -> RatingPrompt | None: ...

    async def set_rating(self, prompt_id: int, score: int, now: datetime) -> bool:
        """Store the score once: False when the prompt was rated already."""
        ...

    async def rating_counts(self) -> dict[int, int]:
        """Score -> how many purchases got it."""
        ...

    async def member_ratings(self, member_id: int) -> list[RatingPrompt]: ...


class ReferralRepository(Protocol):
    async def chain(self, member_id: int, depth: int) -> list[int]:
        """The member's referrers upwards, nearest first."""
        ...

    async def decision(self, friend_id: int) -> str | None: ...

    async def count_outcome_since(self, referrer_id: int, outcome: str, since: datetime) -> int: ...

    async def decide(
        self, friend_id: int, referrer_id: int, outcome: str, purchase_id: int, now: datetime
    ) -> str:
        """Store the decision unless one exists; returns the stored one."""
        ...

    async def friends(self, referrer_id: int) -> list[ReferredFriend]:
        """The members the referrer referred, in the order they arrived."""
        ...

    async def counts(self, referrer_id: int) -> tuple[int, int]:
        """(friends who joined, friends who made a qualifying purchase)."""
        ...


class ReportQueries(Protocol):
    """The owner's figures, aggregated in the database (`bot/domain/reports.py`)."""

    async def campaigns(self) -> list[CampaignStats]: ...

    async def kpis(self, start: datetime, end: datetime, timezone: str) -> Kpis: ...

    async def launched_at(self) -> datetime | None: ...

    async def registrations(self) -> dict[str, int]: ...

    async def redeemed_coupons(self, automation: str) -> int: ...

    async def regulars_spend(self, now: datetime) -> RegularsSpend: ...

    async def sales_by_slot(
        self, start: datetime, end: datetime, timezone: str
    ) -> dict[int, int]: ...

    async def nps_counts(
        self, start: datetime, end: datetime, questions: Sequence[tuple[str, str]]
    ) -> dict[int, int]: ...

    async def export_page(
        self, export: str, columns: Sequence[str], after_id: int, limit: int
    ) -> list[dict[str, Any]]: ...


class CoalitionRepository(Protocol):
    async def sync(self, partners: Sequence[PartnerConfig]) -> None:
        """Create or rename the partners and outlets by code (an outlet may move to another
        partner); nothing is deleted."""
        ...

    async def partners(self) -> list[PartnerRef]:
        """Every partner in the database, by id."""
        ...

    async def outlet_codes(self) -> list[str]: ...

    async def settlement_totals(self, start: datetime, end: datetime) -> list[ReasonTotal]:
        """The signed sums of the entries in [start, end) by partner and reason."""
        ...


class UnitOfWork(Protocol):
    """One database transaction. `async with uow:` commits on a clean exit and rolls back on
    an exception; repositories never commit on their own."""

    @property
    def members(self) -> MemberRepository: ...

    @property
    def updates(self) -> UpdateLog: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def ledger(self) -> LedgerRepository: ...

    @property
    def purchases(self) -> PurchaseRepository: ...

    @property
    def certificates(self) -> CertificateRepository: ...

    @property
    def staff(self) -> StaffRepository: ...

    @property
    def offers(self) -> OfferRepository: ...

    @property
    def segments(self) -> Segments: ...

    @property
    def broadcasts(self) -> BroadcastRepository: ...

    @property
    def reports(self) -> ReportQueries: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def coalition(self) -> CoalitionRepository: ...

    @property
    def events(self) -> EventOutbox: ...

    @property
    def surveys(self) -> SurveyRepository: ...

    @property
    def referrals(self) -> ReferralRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
