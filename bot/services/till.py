"""The till's operations on a scanned card: recording a purchase and asking the customer to
redeem points, with the anti-fraud limits and the audit log around them.

The bot's till conversation and the Mini App call the same methods. docs/conversations/till.md
draws the conversations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from bot.domain.delivery import KIND_PRIORITY, Button, DeliveryKind, MessageContent
from bot.domain.errors import (
    DomainError,
    MemberNotFound,
    NotFound,
    NothingToRedeem,
    PermissionDenied,
    RateLimited,
    RedemptionClosed,
    ScanClosed,
)
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import MemberStatus
from bot.domain.offers import (
    Coupon,
    CouponNotUsable,
    category_reason,
    coupon_discount,
    unusable_reason,
)
from bot.domain.ports import ChatNotifier, Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain.program import Program
from bot.domain.rules import max_redeemable, points_value, validate_purchase_amount
from bot.domain.staff import (
    Actor,
    NewRedemptionRequest,
    RedemptionAsk,
    RedemptionOutcome,
    RedemptionRequestRecord,
    RedemptionStatus,
    Role,
    StaffMember,
    redemption_callback,
    short_name,
)
from bot.services.ledger import Ledger
from bot.services.purchases import PurchaseResult
from bot.services.receipts import receipt_message
from bot.services.staff import SCAN_VALIDITY

REDEMPTION_TTL = timedelta(minutes=2)
VELOCITY_WINDOW = timedelta(hours=1)
STAFF_VELOCITY = "staff-velocity"
MEMBER_VELOCITY = "member-velocity"
NO_POINTS = "no-points"
BELOW_MINIMUM = "below-minimum"
NOT_YOUR_REQUEST = "not-your-request"
REQUEST_NOT_FOUND = "redemption-request-not-found"
EXPIRY_BATCH = 100
SYSTEM_TELEGRAM_ID = 0
"""`actor_telegram_id` of audit rows written by the system (the expiry job)."""

# Audit actions.
PURCHASE = "purchase"
REFUSAL = "refusal"
REDEEM_REQUEST = "redeem-request"
REDEEM_OUTCOME = "redeem-outcome"


@dataclass(frozen=True, slots=True)
class TillPurchase(PurchaseResult):
    """A purchase recorded at the till; with an offer coupon, what it gave. `amount` is what
    was paid (the check less the coupon's discount) and `balance` includes the bonus."""

    coupon_id: int | None = None
    offer_code: str | None = None
    check_amount: int = 0
    discount: int = 0
    bonus_points: int = 0


class Till:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        program: Program,
        ledger: Ledger,
        notifier: ChatNotifier,
        *,
        redemption_ttl: timedelta = REDEMPTION_TTL,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program
        self._ledger = ledger
        self._notifier = notifier
        self._redemption_ttl = redemption_ttl
        self._tz = ZoneInfo(program.timezone)

    # --- purchases -------------------------------------------------------------------------

    async def record_purchase(
        self,
        actor: Actor,
        scan_id: int,
        amount: int,
        category: str | None,
        receipt_no: str | None = None,
        coupon_id: int | None = None,
    ) -> TillPurchase:
        """A purchase on a scanned card (`amount` is the check), optionally with an offer
        coupon.

        - spends the card view's one operation (ScanClosed: not this staff member's, used, or
          older than 10 minutes);
        - velocity: a staff member records at most `limits.operations_per_staff_per_hour`
          purchases in any hour, a member gets at most `limits.accruals_per_member_per_hour`;
          the one over is refused (RateLimited, reason `staff-velocity` / `member-velocity`),
          written to the audit log as a refusal, and the admin chats are alerted; the card
          view stays spent (scanning again is the cashier's deliberate act);
        - recorded by the ledger for the staff member's outlet; the receipt number, when
          given, is the idempotency key; a purchase the ledger refuses gives the operation back;
        - audited as `purchase`; the customer's receipt is queued in the same transaction
          (a replayed request queues none);
        - a coupon is re-checked in the transaction that spends the card view: the scanned
          member's (else `not-found`, like an unknown id), inside its dates and hours now
          (program timezone), for the purchase's category if it names one (`other-category`),
          and redeemed by a guarded update (a second use is `redeemed`); a refused coupon is
          CouponNotUsable and nothing changes (the card view stays open). Its discount comes
          off the check (the purchase is the money paid), its bonus points are credited by the
          ledger with the key `coupon:<id>`, and the coupon row keeps its campaign and
          automation with who redeemed it when (the conversion); the audit names both. A
          purchase the ledger refuses gives the coupon back with the card view.
        """
        now = self._clock.now()
        since = now - VELOCITY_WINDOW
        limits = self._program.limits
        refusal: RateLimited | None = None
        coupon: Coupon | None = None
        async with self._uow() as uow:
            staff = await _require_staff(uow, actor)
            member_id = await _claim_scan(uow, staff, scan_id, PURCHASE, now)
            by_staff = await uow.staff.count_purchases_by_staff(staff.id, since)
            by_member = await uow.staff.count_purchases_of_member(member_id, since)
            if _over(by_staff, limits.operations_per_staff_per_hour):
                limit = limits.operations_per_staff_per_hour
                refusal = RateLimited(STAFF_VELOCITY, reason=STAFF_VELOCITY, limit=limit)
            elif _over(by_member, limits.accruals_per_member_per_hour):
                refusal = RateLimited(
                    MEMBER_VELOCITY,
                    reason=MEMBER_VELOCITY,
                    limit=limits.accruals_per_member_per_hour,
                )
            if refusal is not None:
                details = {"operation": PURCHASE, "reason": refusal.details["reason"]}
                details |= {"amount": amount, "scan": scan_id}
                await uow.staff.audit(actor, REFUSAL, member_id, details, now)
            elif coupon_id is not None:
                coupon = await self._redeem_coupon(uow, coupon_id, member_id, category, staff, now)
        if refusal is not None:
            await self._alert(refusal, staff, member_id, by_staff, by_member)
            raise refusal

        discount = coupon_discount(coupon.discount_bp, amount) if coupon is not None else 0
        key = f"receipt:{staff.id}:{receipt_no}" if receipt_no else f"scan:{scan_id}"
        try:
            result = await self._ledger.record_purchase(
                member_id,
                amount - discount,
                category,
                key,
                LedgerActor.staff(staff.id),
                outlet_id=staff.outlet_id,
                receipt_no=receipt_no,
            )
        except DomainError:
            async with self._uow() as uow:
                await uow.staff.release_scan(scan_id)
                if coupon is not None:
                    await uow.offers.release_coupon(coupon.id)
            raise
        till = TillPurchase(**asdict(result), check_amount=amount)
        if coupon is not None:
            till = await self._apply_offer(till, coupon, discount, staff)
        async with self._uow() as uow:
            audited: dict[str, object] = {
                "purchase": result.purchase_id,
                "amount": amount,
                "scan": scan_id,
            }
            if coupon is not None:
                audited |= {
                    "coupon": coupon.id,
                    "campaign": coupon.campaign_id,
                    "automation": coupon.automation,
                    "discount": discount,
                    "bonus": till.bonus_points,
                }
            await uow.staff.audit(actor, PURCHASE, member_id, audited, now)
            if not result.replayed:
                await uow.outbox.add(
                    DeliveryKind.TRANSACTIONAL,
                    member_id,
                    receipt_message(result),
                    KIND_PRIORITY[DeliveryKind.TRANSACTIONAL],
                    now,
                )
        return till

    async def check_coupon(self, actor: Actor, scan_id: int, coupon_id: int) -> Coupon:
        """The cashier pressed "Apply offer" on a card view: the coupon, if it can be applied.

        - the card view must be this staff member's, unused and fresh (ScanClosed);
        - the coupon must be the scanned member's (else CouponNotUsable `not-found`, like an
          unknown id) and usable now: its dates and hours of the week in the program's
          timezone;
        - nothing changes: confirming the purchase redeems it (`record_purchase` checks again).
        """
        now = self._clock.now()
        async with self._uow() as uow:
            staff = await _require_staff(uow, actor)
            member_id = await uow.staff.open_scan_member(scan_id, staff.id, now - SCAN_VALIDITY)
            if member_id is None:
                raise ScanClosed("scan-closed")
            return await _usable_coupon(uow, coupon_id, member_id, now, self._tz)

    async def _redeem_coupon(
        self,
        uow: UnitOfWork,
        coupon_id: int,
        member_id: int,
        category: str | None,
        staff: StaffMember,
        now: datetime,
    ) -> Coupon:
        coupon = await _usable_coupon(uow, coupon_id, member_id, now, self._tz)
        reason = category_reason(coupon, category)
        if reason is not None:
            raise CouponNotUsable(reason=reason)
        if not await uow.offers.mark_redeemed(coupon_id, now, staff.id):
            raise CouponNotUsable(reason="redeemed")
        return coupon

    async def _apply_offer(
        self, till: TillPurchase, coupon: Coupon, discount: int, staff: StaffMember
    ) -> TillPurchase:
        balance = till.balance
        if coupon.bonus_points > 0:
            bonus = await self._ledger.grant_offer_bonus(
                till.member_id,
                coupon.bonus_points,
                f"coupon:{coupon.id}",
                LedgerActor.staff(staff.id),
            )
            balance = bonus.balance
        return replace(
            till,
            balance=balance,
            coupon_id=coupon.id,
            offer_code=coupon.offer_code,
            discount=discount,
            bonus_points=coupon.bonus_points,
        )

    async def _alert(
        self,
        refusal: RateLimited,
        staff: StaffMember,
        member_id: int,
        by_staff: int,
        by_member: int,
    ) -> None:
        reason = refusal.details["reason"]
        await self._notifier.to_admins(
            [
                MessageContent(
                    f"alert-{reason}",
                    {
                        "staff": staff.name,
                        "code": staff.code,
                        "member_id": member_id,
                        "count": by_staff if reason == STAFF_VELOCITY else by_member,
                        "limit": int(refusal.details["limit"]),
                    },
                )
            ]
        )

    # --- redemption ------------------------------------------------------------------------

    async def request_redemption(
        self,
        actor: Actor,
        scan_id: int,
        check_amount: int,
        *,
        staff_chat_id: int | None,
        staff_locale: str,
    ) -> RedemptionAsk:
        """Ask the customer to confirm spending points on a check of `check_amount`.

        - the check is a valid purchase amount (InvalidInput);
        - spends the card view's one operation, in the same transaction as the request: a
          refused request leaves it unspent;
        - the points are the most the member may spend (`rules.max_redeemable`: the balance,
          the share of the check, the minimum); none is NothingToRedeem (`no-points` when the
          balance is short of the minimum, else `below-minimum`: the check is too small),
          audited as a refusal;
        - the customer's Confirm / Cancel is queued (the outbox: it survives a restart and
          keeps to Telegram's limits) with the request; its buttons carry only the request id;
        - the request expires after 2 minutes; no point moves until the customer confirms.
        """
        validate_purchase_amount(self._program, check_amount)
        now = self._clock.now()
        async with self._uow() as uow:
            staff = await _require_staff(uow, actor)
            member_id = await _claim_scan(uow, staff, scan_id, "redeem", now)
            outcome = await self._ask(
                uow,
                actor,
                member_id,
                check_amount,
                now,
                NewRedemptionRequest(
                    member_id=member_id,
                    staff_id=staff.id,
                    points=0,
                    check_amount=check_amount,
                    created_at=now,
                    expires_at=now + self._redemption_ttl,
                    staff_chat_id=staff_chat_id,
                    staff_locale=staff_locale,
                ),
            )
            if isinstance(outcome, NothingToRedeem):
                await uow.staff.release_scan(scan_id)
        if isinstance(outcome, NothingToRedeem):
            raise outcome
        return outcome

    async def request_pos_redemption(
        self, api_key_id: int, member_id: int, check_amount: int
    ) -> RedemptionAsk:
        """A POS (through the API key `api_key_id`) asks the customer to confirm spending
        points on a check: the same request, prompt, limits and expiry as at the till, with
        no card view and no staff message; the POS polls `pos_redemption` for the outcome.

        - the check is a valid purchase amount (InvalidInput); an unknown or inactive member
          is MemberNotFound;
        - the points are the most the member may spend (NothingToRedeem when none, audited);
        - no point moves until the customer presses Confirm in Telegram (`answer_redemption`).
        """
        validate_purchase_amount(self._program, check_amount)
        now = self._clock.now()
        actor = Actor(SYSTEM_TELEGRAM_ID, Role.MEMBER)
        async with self._uow() as uow:
            outcome = await self._ask(
                uow,
                actor,
                member_id,
                check_amount,
                now,
                NewRedemptionRequest(
                    member_id=member_id,
                    staff_id=None,
                    points=0,
                    check_amount=check_amount,
                    created_at=now,
                    expires_at=now + self._redemption_ttl,
                    staff_chat_id=None,
                    staff_locale="",
                    api_key_id=api_key_id,
                ),
            )
        if isinstance(outcome, NothingToRedeem):
            raise outcome
        return outcome

    async def pos_redemption(self, api_key_id: int, request_id: int) -> RedemptionRequestRecord:
        """A redemption request asked with the key `api_key_id` (any other is NotFound, like
        an unknown id). A pending request past its `expires_at` reads as expired."""
        async with self._uow() as uow:
            request = await uow.staff.redemption_request(request_id)
        if request is None or request.api_key_id != api_key_id:
            raise NotFound(REQUEST_NOT_FOUND, reason=REQUEST_NOT_FOUND)
        if request.status is RedemptionStatus.PENDING and self._clock.now() >= request.expires_at:
            return replace(request, status=RedemptionStatus.EXPIRED)
        return request

    async def _ask(
        self,
        uow: UnitOfWork,
        actor: Actor,
        member_id: int,
        check_amount: int,
        now: datetime,
        draft: NewRedemptionRequest,
    ) -> RedemptionAsk | NothingToRedeem:
        """Store the request for the most points the member may spend, queue the customer's
        Confirm / Cancel and audit it. When there are none, the refusal is audited and
        returned (not raised, so that the audit row commits); the caller raises it."""
        member = await uow.members.get(member_id)
        if member is None or member.status is not MemberStatus.ACTIVE:
            raise MemberNotFound("member-not-found")
        points = max_redeemable(self._program, member.balance, check_amount)
        if points == 0:
            minimum = self._program.redeem.min_points
            reason = NO_POINTS if member.balance < max(minimum, 1) else BELOW_MINIMUM
            refused = {"operation": "redeem", "reason": reason, "check": check_amount}
            await uow.staff.audit(actor, REFUSAL, member_id, refused, now)
            return NothingToRedeem(
                reason, reason=reason, balance=member.balance, min_points=minimum
            )
        request_id = await uow.staff.add_redemption_request(replace(draft, points=points))
        discount = points_value(self._program, points)
        await uow.outbox.add(
            DeliveryKind.TRANSACTIONAL,
            member_id,
            _confirmation_prompt(request_id, points, discount, check_amount, self._ttl),
            KIND_PRIORITY[DeliveryKind.TRANSACTIONAL],
            now,
        )
        details: dict[str, object] = {"request": request_id, "points": points}
        details |= {"check": check_amount}
        if draft.api_key_id is not None:
            details["api_key"] = draft.api_key_id
        await uow.staff.audit(actor, REDEEM_REQUEST, member_id, details, now)
        return RedemptionAsk(
            request_id=request_id,
            member_id=member_id,
            display_name=short_name(member.first_name, member.last_name),
            points=points,
            discount=discount,
            check_amount=check_amount,
            expires_at=draft.expires_at,
        )

    @property
    def _ttl(self) -> int:
        return max(1, int(self._redemption_ttl.total_seconds()) // 60)

    async def attach_staff_message(self, request_id: int, message_id: int) -> None:
        """The staff message that shows the request; its text is replaced by the outcome.
        (It exists only once the request does, hence a second call; until then an outcome is
        sent as a new message.)"""
        async with self._uow() as uow:
            await uow.staff.set_redemption_message(request_id, message_id)

    async def answer_redemption(
        self, telegram_id: int, request_id: int, confirm: bool
    ) -> RedemptionOutcome:
        """The customer pressed Confirm or Cancel.

        - only the request's own member may answer: any other presser (a forged request id)
          is PermissionDenied (`not-your-request`), the same as for an unknown id;
        - a request past its `expires_at` is marked expired and refused (RedemptionClosed
          `expired`), whichever button; a decided one is RedemptionClosed with its status;
        - Cancel: cancelled, no points move;
        - Confirm: claimed (pending -> confirming, a guarded update, so a Cancel or a second
          press racing it loses), then `Ledger.redeem_points` as the member with the key
          `redemption-request:<id>`, then confirmed; a refusal by the ledger (the balance
          changed meanwhile) marks it failed. A crash between the steps leaves it
          `confirming`: pressing Confirm again finishes it, and the key makes the points
          move once;
        - every outcome is audited and shown on the staff message.
        """
        now = self._clock.now()
        async with self._uow() as uow:
            request = await uow.staff.redemption_request(request_id)
            if request is None or request.member_telegram_id != telegram_id:
                raise PermissionDenied("redeem", reason=NOT_YOUR_REQUEST)
            member_actor = Actor(telegram_id, Role.MEMBER, request.staff_id)
            status, moved = request.status, False
            if status is RedemptionStatus.PENDING:
                if now >= request.expires_at:
                    target = RedemptionStatus.EXPIRED
                elif confirm:
                    target = RedemptionStatus.CONFIRMING
                else:
                    target = RedemptionStatus.CANCELLED
                moved = await self._move(uow, request, target, member_actor, now)
                if moved:
                    status = target
                else:
                    # Lost a race (another press, the expiry job): go by what it became.
                    current = await uow.staff.redemption_request(request_id)
                    assert current is not None
                    status = current.status
        if moved and status in (RedemptionStatus.EXPIRED, RedemptionStatus.CANCELLED):
            await self._show(request, status)
            if status is RedemptionStatus.CANCELLED:
                return RedemptionOutcome(request.id, status, request.points, 0, None)
        if status is RedemptionStatus.CONFIRMING and confirm:
            return await self._redeem(request, member_actor, now)
        raise RedemptionClosed(status.value, reason=status.value)

    async def _redeem(
        self, request: RedemptionRequestRecord, actor: Actor, now: datetime
    ) -> RedemptionOutcome:
        try:
            result = await self._ledger.redeem_points(
                request.member_id,
                request.points,
                request.check_amount,
                f"redemption-request:{request.id}",
                LedgerActor.member(request.member_id),
                outlet_id=request.outlet_id,
            )
        except DomainError as error:
            async with self._uow() as uow:
                moved = await self._move(
                    uow, request, RedemptionStatus.FAILED, actor, now, error=error.code
                )
            if moved:
                await self._show(request, RedemptionStatus.FAILED)
            raise
        async with self._uow() as uow:
            moved = await self._move(uow, request, RedemptionStatus.CONFIRMED, actor, now)
        outcome = RedemptionOutcome(
            request.id, RedemptionStatus.CONFIRMED, result.points, result.discount, result.balance
        )
        if moved:
            await self._show(request, outcome.status, outcome)
        return outcome

    async def expire_redemption_requests(self, now: datetime) -> int:
        """Mark pending requests past their `expires_at` expired and show it on the staff
        messages (for a job; a press on an expired request does the same on its own). Safe to
        run at any time and in several processes: each request moves once. Returns how many
        it expired."""
        expired = 0
        system = Actor(SYSTEM_TELEGRAM_ID, Role.MEMBER)
        while True:
            async with self._uow() as uow:
                overdue = await uow.staff.overdue_redemption_requests(now, EXPIRY_BATCH)
                moved = [
                    request
                    for request in overdue
                    if await self._move(
                        uow,
                        request,
                        RedemptionStatus.EXPIRED,
                        Actor(system.telegram_id, system.role, request.staff_id),
                        now,
                    )
                ]
            for request in moved:
                await self._show(request, RedemptionStatus.EXPIRED)
            expired += len(moved)
            if len(overdue) < EXPIRY_BATCH:
                return expired

    async def _move(
        self,
        uow: UnitOfWork,
        request: RedemptionRequestRecord,
        target: RedemptionStatus,
        actor: Actor,
        now: datetime,
        error: str | None = None,
    ) -> bool:
        sources = {
            RedemptionStatus.CONFIRMED: [RedemptionStatus.CONFIRMING],
            RedemptionStatus.FAILED: [RedemptionStatus.CONFIRMING],
        }.get(target, [RedemptionStatus.PENDING])
        if not await uow.staff.move_redemption(request.id, sources, target, now):
            return False
        if target is not RedemptionStatus.CONFIRMING:
            details: dict[str, object] = {"request": request.id, "outcome": target.value}
            if error:
                details["error"] = error
            await uow.staff.audit(actor, REDEEM_OUTCOME, request.member_id, details, now)
        return True

    async def _show(
        self,
        request: RedemptionRequestRecord,
        status: RedemptionStatus,
        outcome: RedemptionOutcome | None = None,
    ) -> None:
        if request.staff_chat_id is None:
            return
        variables: dict[str, str | int] = {
            "points": request.points,
            "check_money": request.check_amount,
        }
        if outcome is not None:
            variables |= {"discount_money": outcome.discount, "balance": outcome.balance or 0}
        await self._notifier.show(
            request.staff_chat_id,
            request.staff_message_id,
            request.staff_locale,
            MessageContent(f"till-redeem-{status.value}", variables),
        )


def _confirmation_prompt(
    request_id: int, points: int, discount: int, check_amount: int, minutes: int
) -> MessageContent:
    confirm = redemption_callback(True, request_id)
    cancel = redemption_callback(False, request_id)
    return MessageContent(
        "redeem-ask",
        {
            "points": points,
            "discount_money": discount,
            "check_money": check_amount,
            "minutes": minutes,
        },
        buttons=(
            (
                Button("redeem-confirm-button", callback_data=confirm),
                Button("redeem-cancel-button", callback_data=cancel),
            ),
        ),
    )


def _over(count: int, limit: int) -> bool:
    """Whether one more operation would exceed `limit` (0 or less: no limit)."""
    return limit > 0 and count >= limit


async def _require_staff(uow: UnitOfWork, actor: Actor) -> StaffMember:
    staff = await uow.staff.active_by_telegram_id(actor.telegram_id)
    if staff is None:
        raise PermissionDenied("not-staff", reason="not-staff")
    return staff


async def _usable_coupon(
    uow: UnitOfWork, coupon_id: int, member_id: int, now: datetime, tz: tzinfo
) -> Coupon:
    coupon = await uow.offers.coupon(coupon_id)
    if coupon is None or coupon.member_id != member_id:
        raise CouponNotUsable(reason="not-found")
    reason = unusable_reason(coupon, now, tz)
    if reason is not None:
        raise CouponNotUsable(reason=reason)
    return coupon


async def _claim_scan(
    uow: UnitOfWork, staff: StaffMember, scan_id: int, operation: str, now: datetime
) -> int:
    """The card view's one operation (the same guarded update as `StaffService.claim_scan`,
    inside this transaction so that a refusal can give it back atomically)."""
    member_id = await uow.staff.claim_scan(scan_id, staff.id, operation, now, now - SCAN_VALIDITY)
    if member_id is None:
        raise ScanClosed("scan-closed")
    return member_id
