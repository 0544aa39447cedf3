"""Membership use cases: opening the bot, joining, the card, settings, export and erasure.

Every method takes the Telegram id of the sender, resolved at the edge from the update itself:
callback data and payloads never name the member acted on.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.card_token import card_code_for, issue_card_token
from bot.domain.errors import InvalidInput, JoinRequired, MemberNotFound, PhoneTaken, RateLimited
from bot.domain.joining import (
    JoinStep,
    check_own_contact,
    join_step,
    normalize_phone,
    parse_birthday,
    parse_name,
)
from bot.domain.ledger import ActorType, LedgerEntry
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import Member, MemberStatus, NewMember, PurchaseSummary
from bot.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain.program import Program, RewardReason
from bot.domain.staff import STAFF_REF_PREFIX
from bot.domain.surveys import QuestionKind
from bot.services.certificates import CertificateRedemption
from bot.services.events import EventLog
from bot.services.ledger import BalanceView, Ledger
from bot.services.social_export import social_data

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERRAL_PREFIX = "ref_"
SOURCE_PREFIX = "src_"
REFERRAL_SOURCE = "referral"
STAFF_SOURCE = "staff"
NOT_NOW = "not-now"
"""`InvalidInput` reason: a joining answer arrived at another step (a stale button, a lost
conversation state)."""
LOCALE_UNKNOWN = "locale-unknown"
BIRTHDAY_ALREADY_SET = "birthday-already-set"
CARD_REFRESH = "card-refresh"
"""`RateLimited` reason: a card asked for again within CARD_INTERVAL."""
CODE_ATTEMPTS = 3
HISTORY_PAGE_SIZE = 10
CARD_INTERVAL = timedelta(seconds=10)
"""At most one card (QR token) per member in this interval: each one is a PNG rendered and
uploaded, and a tapping loop on Refresh should not turn into a flood of photos."""
CARD_MEMORY = 10_000
"""How many members' last card times a process remembers (oldest forgotten first)."""


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who opened the bot, as Telegram reports it."""

    telegram_id: int
    first_name: str | None
    last_name: str | None
    username: str | None
    locale: str


@dataclass(frozen=True, slots=True)
class Progress:
    member: Member
    step: JoinStep
    matched: bool = False
    """The shared phone matched an imported customer: the user is now that member (joined,
    with their history and balance)."""


@dataclass(frozen=True, slots=True)
class Joined:
    member: Member
    welcome_points: int
    """Credited by this call; 0 when the program gives none or it was credited before."""


@dataclass(frozen=True, slots=True)
class Card:
    token: str
    """For the QR deep link `c_<token>`; verified by the staff side within the TTL."""
    code: str
    """The 10-digit code typed at the till when the camera fails."""
    valid_for: timedelta
    display_name: str
    tier_code: str
    balance: int


@dataclass(frozen=True, slots=True)
class History:
    entries: tuple[LedgerEntry, ...]
    """Newest first."""
    page: int
    pages: int


def parse_source(payload: str | None, program: Program) -> str:
    """`src_<code>` -> the code when the program lists it, `other` when it does not,
    `direct` without a source payload. Payloads never grant anything."""
    if not payload or not payload.startswith(SOURCE_PREFIX):
        return "direct"
    code = payload.removeprefix(SOURCE_PREFIX)
    return code if code in program.sources else "other"


class Membership:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        program: Program,
        *,
        card_secret: bytes,
        card_ttl: timedelta,
        ledger: Ledger,
        locales: tuple[str, ...] = ("ru", "en"),
        events: EventLog | None = None,
    ) -> None:
        self._uow = uow
        self._events = events or EventLog()
        self._ledger = ledger
        self._clock = clock
        self._program = program
        self._card_secret = card_secret
        self._card_ttl = card_ttl
        self._locales = locales
        # Card issue times per member, for CARD_INTERVAL. Kept in the process: with several
        # workers a member gets at most one card per interval per worker, still a bound.
        self._last_cards: dict[int, datetime] = {}

    # --- opening and joining ----------------------------------------------------------------

    async def open(self, visitor: Visitor, payload: str | None = None) -> Progress:
        """The member behind a Telegram user, created on their first visit, and their step.

        - a second visit never creates a second member (Telegram id is unique);
        - the first visit's payload only: `src_<code>` the channel, `ref_<code>` the referring
          member (an active one; never the visitor), `st_<code>` the staff member registering
          them (an active one); anything else is a plain start. Payloads grant nothing;
        - the card code is derived from the member id (`card_code_for`), so staff can type it
          and the service decodes it without a lookup table.
        """
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(visitor.telegram_id)
            if member is not None:
                return Progress(member, join_step(member))
            source, referred_by, registered_by = await self._attribution(uow, payload)
            for _ in range(CODE_ATTEMPTS):
                created = await uow.members.add(
                    self._new_member(visitor, source, referred_by, registered_by),
                    self._clock.now(),
                )
                if created is not None:
                    code = card_code_for(created.id, self._card_secret)
                    await uow.members.set_card_code(created.id, code)
                    member = await _known(uow, visitor.telegram_id)
                    return Progress(member, join_step(member))
                # Another update of the same user created the member first; otherwise a random
                # code collided (one in 31**8): try new codes.
                existing = await uow.members.by_telegram_id(visitor.telegram_id)
                if existing is not None:
                    return Progress(existing, join_step(existing))
        raise RuntimeError("could not allocate unique member codes")

    def _new_member(
        self, visitor: Visitor, source: str, referred_by: int | None, registered_by: int | None
    ) -> NewMember:
        return NewMember(
            telegram_id=visitor.telegram_id,
            locale=visitor.locale,
            first_name=visitor.first_name,
            last_name=visitor.last_name,
            username=visitor.username,
            source=source,
            card_code=placeholder_card_code(),
            referral_code=new_referral_code(),
            tier_code=self._program.base_tier.code if self._program.tiers.levels else "",
            referred_by_id=referred_by,
            registered_by_id=registered_by,
        )

    async def _attribution(
        self, uow: UnitOfWork, payload: str | None
    ) -> tuple[str, int | None, int | None]:
        if payload and payload.startswith(REFERRAL_PREFIX):
            # The visitor has no member yet, so the referrer is never the visitor.
            referrer = await uow.members.id_by_referral_code(payload.removeprefix(REFERRAL_PREFIX))
            if referrer is not None:
                return REFERRAL_SOURCE, referrer, None
        if payload and payload.startswith(STAFF_REF_PREFIX):
            staff = await uow.members.active_staff_id_by_code(
                payload.removeprefix(STAFF_REF_PREFIX)
            )
            if staff is not None:
                return STAFF_SOURCE, None, staff
        return parse_source(payload, self._program), None, None

    async def progress(self, telegram_id: int) -> Progress | None:
        """Where the user is; None for a stranger (never opened the bot, or forgotten)."""
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
        return Progress(member, join_step(member)) if member else None

    async def accept_terms(self, telegram_id: int) -> Progress:
        """Consent to the program rules and the privacy notice; recorded once, with its time."""
        async with self._uow() as uow:
            member = await _known(uow, telegram_id)
            if member.consented_at is None:
                await uow.members.record_consent(member.id, self._clock.now())
                member = await _known(uow, telegram_id)
            return Progress(member, join_step(member))

    async def share_phone(
        self, telegram_id: int, contact_user_id: int | None, phone: str
    ) -> Progress:
        """The phone from a shared contact.

        - only at the phone step (after consent; a member with a phone keeps it);
        - only the sender's own contact;
        - normalized to `+` and digits; a phone another member holds is refused (`PhoneTaken`);
        - unless that member was imported from a POS and has no Telegram account yet: the user
          becomes that member (`claim_imported`: the joining row is dropped, its consent and
          language move over) and is done joining, with the imported history and balance, and
          the welcome bonus once (`welcome:<member id>`) like any member finishing joining.
          Telegram verified the contact's phone, so only its owner can claim it.
        """
        check_own_contact(telegram_id, contact_user_id)
        normalized = normalize_phone(phone)
        async with self._uow() as uow:
            member = await _known(uow, telegram_id)
            step = join_step(member)
            if step is JoinStep.CONSENT:
                raise InvalidInput("consent first", reason=NOT_NOW)
            if step is not JoinStep.PHONE:
                return Progress(member, step)
            owner = await uow.members.phone_owner(normalized)
            if owner is not None and owner != member.id:
                if not await uow.members.claim_imported(owner, member.id):
                    raise PhoneTaken("phone taken")
                # For a receiver of events the customer joins now, under the imported id.
                await self._events.member_joined(uow, owner, self._clock.now())
                claimed = await _known(uow, telegram_id)
            else:
                if not await uow.members.set_phone(member.id, normalized):
                    raise PhoneTaken("phone taken")
                member = await _known(uow, telegram_id)
                return Progress(member, join_step(member))
        await self._ledger.grant_reward(
            claimed.id,
            RewardReason.WELCOME,
            f"{RewardReason.WELCOME.value}:{claimed.id}",
            LedgerActor(ActorType.MEMBER, claimed.id),
        )
        async with self._uow() as uow:
            claimed = await _known(uow, telegram_id)
        return Progress(claimed, join_step(claimed), matched=True)

    async def confirm_name(self, telegram_id: int, typed: str | None) -> Member:
        """The name to call the member by: `None` keeps the one from Telegram; a typed one is
        validated (`parse_name`) and split into first name and the rest."""
        async with self._uow() as uow:
            member = await _known(uow, telegram_id)
            if join_step(member) is not JoinStep.DETAILS:
                raise InvalidInput("name", reason=NOT_NOW)
            if typed is None:
                return member
            first, rest = parse_name(typed)
            await uow.members.set_name(member.id, first, rest)
            return await _known(uow, telegram_id)

    async def finish_join(self, telegram_id: int, birthday_text: str | None) -> Joined:
        """The last step: the optional birthday, then the member is active.

        - the birthday is DD.MM.YYYY or YYYY-MM-DD, a real date, not in the future (in the
          program's time zone), 1900 or later; `None` skips it;
        - status active and `joined_at` now, once;
        - the welcome bonus is credited once (its idempotency key is `welcome:<member id>`); an
          already active member answering again gets no second bonus (`welcome_points` 0).
        """
        birthday = None
        if birthday_text is not None:
            birthday = parse_birthday(birthday_text, self._today())
        async with self._uow() as uow:
            member = await _known(uow, telegram_id)
            step = join_step(member)
            if step is JoinStep.DETAILS:
                now = self._clock.now()
                if await uow.members.activate(member.id, birthday, now):
                    await self._events.member_joined(uow, member.id, now)
                member = await _known(uow, telegram_id)
            elif step is not JoinStep.DONE:
                raise InvalidInput("birthday", reason=NOT_NOW)
        # The activation is committed before the credit (the ledger needs an active member).
        # If the credit failed, the member answers the birthday question again (the update is
        # released for redelivery, the conversation state is kept): an active member lands
        # here once more and the keyed credit completes, or replays, with nothing paid twice.
        reward = await self._ledger.grant_reward(
            member.id,
            RewardReason.WELCOME,
            f"{RewardReason.WELCOME.value}:{member.id}",
            LedgerActor(ActorType.MEMBER, member.id),
        )
        return Joined(member, 0 if reward.replayed else reward.points)

    # --- the member's own data ---------------------------------------------------------------

    async def locale_of(self, telegram_id: int) -> str | None:
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            return member.locale if member else None

    async def choose_language(self, telegram_id: int, locale: str) -> Progress | None:
        """The member's language, one of the supported locales. A stranger (no member yet)
        gets None and nothing is stored: the caller keeps the choice for their `open`."""
        if locale not in self._locales:
            raise InvalidInput("locale", reason=LOCALE_UNKNOWN)
        async with self._uow() as uow:
            member = await uow.members.by_telegram_id(telegram_id)
            if member is None:
                return None
            await uow.members.set_locale(member.id, locale)
            member = await _known(uow, telegram_id)
            return Progress(member, join_step(member))

    async def card(self, telegram_id: int) -> Card:
        """A fresh QR token (valid for the card TTL), the card code, name, tier and balance of
        an active member.

        - at most one card per CARD_INTERVAL per member (`RateLimited`, reason
          `card-refresh`, with `seconds` to wait); a refused request issues nothing.
        """
        async with self._uow() as uow:
            member = await _active(uow, telegram_id)
        now = self._clock.now()
        last = self._last_cards.get(member.id)
        if last is not None and now - last < CARD_INTERVAL:
            wait = CARD_INTERVAL - (now - last)
            seconds = math.ceil(wait.total_seconds())
            raise RateLimited("card", reason=CARD_REFRESH, seconds=seconds)
        self._last_cards.pop(member.id, None)
        self._last_cards[member.id] = now
        if len(self._last_cards) > CARD_MEMORY:
            del self._last_cards[next(iter(self._last_cards))]
        token = issue_card_token(member.id, now, self._card_secret)
        return Card(
            token,
            member.card_code,
            self._card_ttl,
            member.display_name,
            member.tier_code,
            member.balance,
        )

    async def balance(self, telegram_id: int) -> BalanceView:
        """The active member's balance, tier, progress and points expiring soon (the ledger's
        view)."""
        member = await self.member(telegram_id)
        return await self._ledger.balance(member.id)

    async def history(self, telegram_id: int, page: int) -> History:
        """A page of the active member's ledger entries, newest first, HISTORY_PAGE_SIZE a
        page. The page number comes from a button: a negative one is the first page, one past
        the end is the last."""
        member = await self.member(telegram_id)
        page = max(page, 0)
        found = await self._ledger.history(member.id, page * HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE)
        pages = max(1, -(-found.total // HISTORY_PAGE_SIZE))
        if page >= pages:
            page = pages - 1
            found = await self._ledger.history(
                member.id, page * HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE
            )
        return History(found.entries, page, pages)

    async def redeem_certificate(self, telegram_id: int, code_text: str) -> CertificateRedemption:
        """The active member types a gift certificate's code: the ledger's
        `redeem_certificate` (wrong, used and expired codes, the rate limit)."""
        member = await self.member(telegram_id)
        return await self._ledger.redeem_certificate(member.id, code_text)

    async def set_marketing(self, telegram_id: int, opt_in: bool) -> Member:
        """Offers and campaigns on or off; service messages (receipts, confirmations) are sent
        either way."""
        async with self._uow() as uow:
            member = await _active(uow, telegram_id)
            await uow.members.set_marketing_opt_in(member.id, opt_in)
            return await _known(uow, telegram_id)

    async def set_reachable(self, telegram_id: int, reachable: bool) -> bool:
        """The user blocked the bot (False) or unblocked it (True): the outbox skips an
        unreachable member. False when the user is no member (a stranger or forgotten); a
        forgotten member stays unreachable because their Telegram id is erased."""
        async with self._uow() as uow:
            return await uow.members.set_reachable(telegram_id, reachable)

    async def set_birthday(self, telegram_id: int, text: str) -> Member:
        """The birthday from the settings, for an active member who skipped it when joining.

        - validated like the joining answer (`parse_birthday`);
        - only once: a set birthday is not changed by the member (birthday gifts would
          otherwise be collected more than once a year), `InvalidInput` `birthday-already-set`.
        """
        birthday = parse_birthday(text, self._today())
        async with self._uow() as uow:
            member = await _active(uow, telegram_id)
            if not await uow.members.set_birthday(member.id, birthday):
                raise InvalidInput("birthday", reason=BIRTHDAY_ALREADY_SET)
            return await _known(uow, telegram_id)

    async def member(self, telegram_id: int) -> Member:
        """An active member (for settings and the menu)."""
        async with self._uow() as uow:
            return await _active(uow, telegram_id)

    async def export(self, telegram_id: int) -> dict[str, Any]:
        """Everything the program keeps about the member, as a JSON-ready document: the profile,
        the ledger entries and the purchases, oldest first; money in minor units; their survey
        answers, referrals and purchase ratings (`social_export.social_data`)."""
        async with self._uow() as uow:
            member = await _known(uow, telegram_id)
            count = await uow.ledger.count_entries(member.id)
            entries = await uow.ledger.entries(member.id, 0, count) if count else []
            purchases = await uow.members.purchases_of(member.id)
            social = await social_data(uow, self._program, member, entries)
        return {
            "profile": _profile(member),
            "entries": [_entry(entry) for entry in reversed(entries)],
            "purchases": [_purchase(purchase) for purchase in purchases],
            **social,
        }

    async def forget(self, telegram_id: int) -> None:
        """Erase the member's personal data (docs/PRIVACY.md).

        - name, username, phone, birthday, time zone and the Telegram id are erased; the user
          becomes a stranger to the bot and may join again as a new member;
        - status `forgotten`, marketing off, unreachable;
        - the ledger, purchases and the member id stay for the business's accounting, no longer
          linked to a person;
        - free-text survey answers are blanked (they may name or describe the person); the
          choices and scores stay, anonymous, in the survey results.
        """
        texts = {
            (survey.id, question.id)
            for survey in self._program.surveys
            for question in survey.questions
            if question.kind is QuestionKind.TEXT
        }
        async with self._uow() as uow:
            member = await _known(uow, telegram_id)
            await uow.members.forget(member.id, self._clock.now())
            if texts:
                await uow.surveys.erase_answers(member.id, texts)

    def _today(self) -> date:
        return self._clock.now().astimezone(ZoneInfo(self._program.timezone)).date()


async def _known(uow: UnitOfWork, telegram_id: int) -> Member:
    member = await uow.members.by_telegram_id(telegram_id)
    if member is None:
        raise MemberNotFound("no member for this Telegram user")
    return member


async def _active(uow: UnitOfWork, telegram_id: int) -> Member:
    member = await uow.members.by_telegram_id(telegram_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise JoinRequired("not a member yet")
    return member


def _profile(member: Member) -> dict[str, Any]:
    return {
        "member_id": member.id,
        "status": member.status.value,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "phone": member.phone,
        "birthday": member.birthday.isoformat() if member.birthday else None,
        "locale": member.locale,
        "card_code": member.card_code,
        "referral_code": member.referral_code,
        "source": member.source,
        "tier": member.tier_code,
        "balance": member.balance,
        "marketing_opt_in": member.marketing_opt_in,
        "consented_at": _iso(member.consented_at),
        "joined_at": _iso(member.joined_at),
    }


def _entry(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "created_at": entry.created_at.isoformat(),
        "points": entry.amount,
        "reason": entry.reason.value,
        "balance_after": entry.balance_after,
    }


def _purchase(purchase: PurchaseSummary) -> dict[str, Any]:
    return {
        "created_at": purchase.created_at.isoformat(),
        "amount": purchase.amount,
        "points_used": purchase.points_used,
        "points_earned": purchase.points_earned,
        "category": purchase.category,
        "receipt_no": purchase.receipt_no,
        "refunded_amount": purchase.refunded_amount,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def placeholder_card_code() -> str:
    """A unique placeholder for a new member's card code, never a valid code (not all digits):
    the real one is derived from the member id (`card_code_for`) once the row exists."""
    return "~" + "".join(secrets.choice("0123456789") for _ in range(10))


def new_referral_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
