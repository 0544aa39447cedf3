"""The POS / web-shop API's use cases: one method per endpoint, on the same services as the
bot (the ledger, the till's redemption requests, the offers). docs/POS_API.md describes the API.

Who acts is an `ApiClient` resolved from a verified API key; it names the outlet, and every
ledger operation is recorded as `LedgerActor.pos(<partner id>)` at that outlet, with the client's
idempotency key scoped by the key id (`pos:<key id>:<Idempotency-Key>`), so two outlets never
collide and one outlet's retries are replays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.card_token import member_id_from_card_code, parse_card_code, verify_card_token
from bot.domain.errors import InvalidInput, MemberNotFound, NotFound
from bot.domain.joining import normalize_phone
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import Member, MemberStatus
from bot.domain.offers import Coupon
from bot.domain.ports import Clock, UnitOfWorkFactory
from bot.domain.pos import ApiClient
from bot.domain.program import Program
from bot.domain.rules import max_redeemable, points_for_purchase, points_value
from bot.domain.staff import RedemptionAsk, RedemptionRequestRecord, short_name
from bot.services.ledger import BalanceView, Ledger
from bot.services.offers import Offers
from bot.services.purchases import PurchaseResult
from bot.services.refunds import PURCHASE_NOT_FOUND, RefundResult
from bot.services.till import Till

LOOKUP_INVALID = "lookup-invalid"
NOTHING_TO_REFUND = "nothing-to-refund"


@dataclass(frozen=True, slots=True)
class FoundMember:
    member_id: int
    display_name: str
    tier_code: str
    balance: int


@dataclass(frozen=True, slots=True)
class QuoteLine:
    amount: int
    category: str | None
    points: int


@dataclass(frozen=True, slots=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    total: int
    points_to_earn: int
    """Earned per line, each line rounded down on its own (an estimate: a purchase committed
    as one check earns on its total)."""
    max_redeemable: int
    """The most points the member may spend on this basket now (0 without a member)."""
    max_discount: int


def pos_key(client: ApiClient, idempotency_key: str) -> str:
    return f"pos:{client.key_id}:{idempotency_key}"


class PointOfSale:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        program: Program,
        ledger: Ledger,
        till: Till,
        offers: Offers,
        *,
        card_secret: bytes,
        card_ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program
        self._ledger = ledger
        self._till = till
        self._offers = offers
        self._card_secret = card_secret
        self._card_ttl = card_ttl

    async def find_member(
        self,
        phone: str | None = None,
        card_code: str | None = None,
        card_token: str | None = None,
    ) -> FoundMember:
        """An active member by exactly one of: phone (normalised), the numeric card code, or
        the token of the QR card (verified: forged CardTokenInvalid, old CardTokenExpired).
        None or several given is InvalidInput; no active member is MemberNotFound."""
        given = [v for v in (phone, card_code, card_token) if v is not None]
        if len(given) != 1:
            raise InvalidInput(LOOKUP_INVALID, reason=LOOKUP_INVALID)
        async with self._uow() as uow:
            member: Member | None = None
            if card_token is not None:
                verified = verify_card_token(
                    card_token, self._clock.now(), self._card_secret, self._card_ttl
                )
                member = await uow.members.get(verified)
            elif card_code is not None:
                code = parse_card_code(card_code)
                decoded = member_id_from_card_code(code, self._card_secret) if code else None
                member = await uow.members.get(decoded) if decoded else None
            else:
                assert phone is not None
                owner = await uow.members.phone_owner(normalize_phone(phone))
                member = await uow.members.get(owner) if owner else None
        if member is None or member.status is not MemberStatus.ACTIVE:
            raise MemberNotFound("member-not-found")
        return FoundMember(
            member.id,
            short_name(member.first_name, member.last_name),
            member.tier_code,
            member.balance,
        )

    async def quote(self, member_id: int | None, lines: list[tuple[int, str | None]]) -> Quote:
        """Points a basket would earn per line (at the member's tier, else the base tier) and
        the most points the member could spend on it; nothing is recorded."""
        tier_code = ""
        balance = 0
        if member_id is not None:
            view = await self._ledger.balance(member_id)
            tier_code, balance = view.tier_code, view.balance
        quoted = tuple(
            QuoteLine(
                amount,
                category,
                points_for_purchase(self._program, tier_code, amount, category or ""),
            )
            for amount, category in lines
        )
        total = sum(line.amount for line in quoted)
        most = max_redeemable(self._program, balance, total) if member_id is not None else 0
        return Quote(
            lines=quoted,
            total=total,
            points_to_earn=sum(line.points for line in quoted),
            max_redeemable=most,
            max_discount=points_value(self._program, most),
        )

    async def commit_purchase(
        self,
        client: ApiClient,
        idempotency_key: str,
        member_id: int,
        amount: int,
        category: str | None,
        points_to_use: int = 0,
        receipt_no: str | None = None,
    ) -> PurchaseResult:
        """`Ledger.record_purchase` at the key's outlet; a replay of the key returns the first
        result, the key with other data is IdempotencyConflict."""
        return await self._ledger.record_purchase(
            member_id,
            amount,
            category,
            pos_key(client, idempotency_key),
            LedgerActor.pos(client.partner_id),
            outlet_id=client.outlet_id,
            points_to_use=points_to_use,
            receipt_no=receipt_no,
        )

    async def refund(
        self, client: ApiClient, idempotency_key: str, purchase_id: int, amount: int | None
    ) -> RefundResult:
        """Refund `amount` of a purchase made at the key's outlet (None: all that is left).
        A purchase of another outlet is NotFound, like an unknown one."""
        async with self._uow() as uow:
            outlet_id = await uow.api_keys.purchase_outlet(purchase_id)
            purchase = await uow.purchases.get(purchase_id)
        if purchase is None or outlet_id != client.outlet_id:
            raise NotFound(PURCHASE_NOT_FOUND, reason=PURCHASE_NOT_FOUND)
        if amount is None:
            amount = purchase.amount - purchase.refunded_amount
            if amount <= 0:
                raise InvalidInput(NOTHING_TO_REFUND, reason=NOTHING_TO_REFUND)
        return await self._ledger.refund_purchase(
            purchase_id,
            amount,
            pos_key(client, idempotency_key),
            LedgerActor.pos(client.partner_id),
        )

    async def request_redemption(
        self, client: ApiClient, member_id: int, check_amount: int
    ) -> RedemptionAsk:
        return await self._till.request_pos_redemption(client.key_pk, member_id, check_amount)

    async def redemption(self, client: ApiClient, request_id: int) -> RedemptionRequestRecord:
        return await self._till.pos_redemption(client.key_pk, request_id)

    async def balance(self, member_id: int) -> BalanceView:
        return await self._ledger.balance(member_id)

    async def active_offers(self, member_id: int) -> list[Coupon]:
        """The member's active coupons; MemberNotFound for an unknown or inactive member."""
        async with self._uow() as uow:
            member = await uow.members.get(member_id)
        if member is None or member.status is not MemberStatus.ACTIVE:
            raise MemberNotFound("member-not-found")
        return await self._offers.active_coupons(member_id)
