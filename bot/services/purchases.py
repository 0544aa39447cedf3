"""Recording a purchase: points used, points earned, the tier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import InvalidInput
from bot.domain.ledger import ActorType, EntryReason
from bot.domain.ledger_records import Account, LedgerActor, NewPurchase
from bot.domain.ports import UnitOfWork
from bot.domain.rules import (
    points_for_purchase,
    points_value,
    validate_purchase_amount,
    validate_redemption,
)
from bot.services.ledger_core import Operation, require_active, require_not_member
from bot.services.rating_prompts import prompt_rating
from bot.services.referral_rewards import ReferralRewards

CATEGORY_INVALID = "category-invalid"
RECEIPT_INVALID = "receipt-invalid"
OUTLET_UNKNOWN = "outlet-unknown"
POINTS_NEGATIVE = "points-negative"


@dataclass(frozen=True, slots=True)
class PurchaseResult:
    purchase_id: int
    member_id: int
    amount: int
    """The check, in minor units, before points."""
    points_used: int
    points_earned: int
    balance: int
    tier_code: str
    """The member's tier after this purchase."""
    upgraded_from: str | None
    """The tier before, when this purchase lifted the member to a higher one (tell them)."""
    next_tier_code: str | None
    money_to_next_tier: int | None
    """Spend (minor units) the next tier still needs; None at the top tier."""
    replayed: bool = False
    """True when this is the stored answer to an earlier request with the same key."""

    @property
    def tier_upgraded(self) -> bool:
        return self.upgraded_from is not None


class Purchases(ReferralRewards):
    async def record_purchase(
        self,
        member_id: int,
        amount: int,
        category: str | None,
        idempotency_key: str,
        actor: LedgerActor,
        outlet_id: int | None = None,
        points_to_use: int = 0,
        receipt_no: str | None = None,
        earn_points: bool = True,
    ) -> PurchaseResult:
        """A purchase of `amount` (minor units) by an active member.

        - recorded by staff, an owner, a POS or the system, never by a member
          (PermissionDenied);
        - the amount is positive and at most `limits.max_purchase_amount` (InvalidInput);
        - `points_to_use` pay part of the check: the redemption rules apply
          (`rules.validate_redemption`: not while the balance is negative, at least
          `redeem.min_points`, at most `redeem.max_share` of the check) and they are taken
          from the lots that expire first;
        - points are earned (unless `earn_points` is False: an imported history whose points
          the opening balances already carry) on the part paid in money (amount - value of
          the points used), at the member's tier before this purchase and the category's
          multiplier (`rules.points_for_purchase`: minimum purchase, cap, rounding down); they
          expire `expiry.after_days` after today;
        - the tier follows at once when the spend over the tier window (this purchase
          included, refunds excluded) reaches a higher threshold (TierChange "purchase");
        - once per idempotency key: the same request again returns the first result
          (`replayed=True`); other data under the same key is IdempotencyConflict;
        - with `[post_purchase_rating]` on, the rating prompt is queued in the same
          transaction (`rating_prompts.prompt_rating`: once a day per member, delayed);
        - a referred friend's qualifying purchase then settles the referral reward
          (`ReferralRewards._settle_referral`), in its own transactions.
        """
        require_not_member(actor, "record-purchase")
        validate_purchase_amount(self._program, amount)
        if points_to_use < 0:
            raise InvalidInput(POINTS_NEGATIVE, reason=POINTS_NEGATIVE)
        category = category or None
        if category is not None and len(category) > 32:
            raise InvalidInput(CATEGORY_INVALID, reason=CATEGORY_INVALID)
        receipt_no = receipt_no.strip() if receipt_no else None
        if receipt_no is not None and len(receipt_no) > 64:
            raise InvalidInput(RECEIPT_INVALID, reason=RECEIPT_INVALID)
        request: dict[str, object] = {
            "member_id": member_id,
            "amount": amount,
            "category": category,
            "outlet_id": outlet_id,
            "points_to_use": points_to_use,
            "receipt_no": receipt_no,
        }
        if not earn_points:
            request["earn_points"] = False

        referrer: list[int | None] = [None]

        async def run(
            uow: UnitOfWork, account: Account, operation: Operation, now: datetime
        ) -> PurchaseResult:
            require_active(account)
            if amount >= self._program.referrals.min_purchase:
                # Read with the account's row lock: no extra query, and no extra transaction
                # for the members nobody referred.
                referrer[0] = account.referred_by
            if outlet_id is not None and not await uow.purchases.outlet_exists(outlet_id):
                raise InvalidInput(OUTLET_UNKNOWN, reason=OUTLET_UNKNOWN)
            if points_to_use:
                validate_redemption(self._program, account.balance, amount, points_to_use)
            paid_in_money = amount - points_value(self._program, points_to_use)
            earned = (
                points_for_purchase(self._program, account.tier_code, paid_in_money, category or "")
                if earn_points
                else 0
            )
            purchase = await uow.purchases.add(
                NewPurchase(
                    member_id=member_id,
                    amount=amount,
                    points_used=points_to_use,
                    points_earned=earned,
                    category=category,
                    receipt_no=receipt_no,
                    outlet_id=outlet_id,
                    staff_id=actor.id if actor.type is ActorType.STAFF else None,
                    channel="pos" if actor.type is ActorType.POS else "bot",
                    idempotency_key=operation.key,
                    request_hash=operation.request_hash,
                    created_at=now,
                )
            )
            await prompt_rating(uow, self._program, member_id, purchase.id, now)
            balance = account.balance
            if points_to_use:
                entry = await self._debit(
                    uow,
                    member_id,
                    points_to_use,
                    EntryReason.REDEMPTION,
                    operation.entry_key("use"),
                    actor,
                    now,
                    purchase_id=purchase.id,
                )
                balance = entry.balance_after
            if earned:
                entry = await self._credit(
                    uow,
                    member_id,
                    earned,
                    EntryReason.PURCHASE,
                    operation.entry_key("earn"),
                    actor,
                    now,
                    purchase_id=purchase.id,
                )
                balance = entry.balance_after
            tier, spend = await self._retier(uow, account, now, allow_downgrade=False)
            await self._events.purchase_recorded(
                uow,
                now,
                purchase_id=purchase.id,
                member_id=member_id,
                outlet_id=outlet_id,
                amount=amount,
                points_used=points_to_use,
                points_earned=earned,
                category=category,
                receipt_no=receipt_no,
            )
            next_code, to_next = self._progress(tier, spend)
            return PurchaseResult(
                purchase_id=purchase.id,
                member_id=member_id,
                amount=amount,
                points_used=points_to_use,
                points_earned=earned,
                balance=balance,
                tier_code=tier,
                upgraded_from=(
                    account.tier_code if self._is_upgrade(account.tier_code, tier) else None
                ),
                next_tier_code=next_code,
                money_to_next_tier=to_next,
            )

        result = await self._once(
            "purchase", idempotency_key, request, member_id, run, PurchaseResult
        )
        if not result.replayed and referrer[0] is not None:
            await self._settle_referral(member_id, referrer[0], result.purchase_id)
        return result
