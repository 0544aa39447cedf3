"""Onboarding an existing customer base from a POS export: members, then their purchases.

Rows arrive parsed and validated (`bot/domain/imports.py`), a batch at a time; each batch is one
transaction, and each row inside it a savepoint (the tortoise unit of work nests), so a row the
database refuses is rolled back alone and the batch commits once.

Rules:
- a member is identified by the phone: a phone the program knows already (imported before, or a
  member who joined the bot) is skipped and nothing about that member changes; an external id
  held by a member with another phone is refused;
- an imported member is active, with no Telegram account (unreachable: nothing is sent to them)
  and the joining channel `import`; `Membership.share_phone` links them when they join the bot;
- the opening balance is one owner adjustment (key `import:opening:<member id>`, a note saying
  it was imported), credited at the import: it expires `expiry.after_days` after the import;
- a purchase goes through `Ledger.record_purchase` with the ledger's clock at the purchase's
  moment, so its points, lot expiry (moment + `expiry.after_days`) and tier upgrade are what
  they would have been then; its idempotency key is `import:[<outlet>/]<receipt>`, so a second
  run replays it (skipped) and the same receipt with other data is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.card_token import card_code_for
from bot.domain.errors import DomainError, IdempotencyConflict
from bot.domain.imports import ImportedMember, ImportedPurchase
from bot.domain.ledger import ActorType
from bot.domain.ledger_records import LedgerActor
from bot.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.domain.program import Program
from bot.services.expiry import ExpiryRun
from bot.services.ledger import Ledger
from bot.services.membership import CODE_ATTEMPTS, new_referral_code, placeholder_card_code

OPENING_NOTE = "opening balance imported from the POS"
OPERATOR = LedgerActor(ActorType.OWNER)
"""The operator at the command line: an owner with no Telegram id."""

# Reasons of a refused row (besides the `InvalidInput` reasons of the ledger).
EXTERNAL_ID_TAKEN = "external-id-taken"
UNKNOWN_MEMBER = "unknown-member"
UNKNOWN_OUTLET = "unknown-outlet"
RECEIPT_CONFLICT = "receipt-conflict"


class RowStatus(StrEnum):
    IMPORTED = "imported"
    PRESENT = "present"
    """Imported before (or the member joined the bot already): nothing changed."""
    BAD = "bad"


@dataclass(frozen=True, slots=True)
class RowOutcome:
    line: int
    status: RowStatus
    reason: str | None = None
    column: str = ""
    details: dict[str, object] = field(default_factory=dict)


class _Moment:
    """A clock stopped at one moment: the ledger records a historic purchase as of then."""

    def __init__(self, moment: datetime) -> None:
        self._moment = moment

    def now(self) -> datetime:
        return self._moment


class Imports:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, program: Program, *, card_secret: bytes
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._program = program
        self._card_secret = card_secret
        self._ledger = Ledger(uow, clock, program, card_secret=card_secret)

    async def import_members(self, rows: Sequence[tuple[int, ImportedMember]]) -> list[RowOutcome]:
        """One batch of member rows (line number, member) in one transaction."""
        async with self._uow():
            return [await self._member(line, member) for line, member in rows]

    async def import_purchases(
        self, rows: Sequence[tuple[int, ImportedPurchase]], *, earn_points: bool = True
    ) -> list[RowOutcome]:
        """One batch of purchase rows in one transaction, in the file's order (a POS export is
        chronological; a tier is evaluated on the purchases imported before the row)."""
        outlets: dict[str, int | None] = {}
        async with self._uow():
            return [
                await self._purchase(line, purchase, outlets, earn_points)
                for line, purchase in rows
            ]

    async def expire_due(self) -> ExpiryRun:
        """Expire the lots already past their expiry (historic purchases' points), as the
        scheduler's daily run would, so the balances are right at once."""
        return await self._ledger.expire_points(self._clock.now())

    async def _member(self, line: int, member: ImportedMember) -> RowOutcome:
        try:
            async with self._uow() as uow:
                if await uow.members.phone_owner(member.phone) is not None:
                    return RowOutcome(line, RowStatus.PRESENT)
                if member.external_id and await uow.members.id_by_external_id(member.external_id):
                    return RowOutcome(line, RowStatus.BAD, EXTERNAL_ID_TAKEN, "external_id")
                member_id = await self._add(uow, member)
                if member.opening_points:
                    await self._ledger.adjust(
                        OPERATOR,
                        member_id,
                        member.opening_points,
                        OPENING_NOTE,
                        f"import:opening:{member_id}",
                    )
        except DomainError as error:
            return _refused(line, error)
        return RowOutcome(line, RowStatus.IMPORTED)

    async def _add(self, uow: UnitOfWork, member: ImportedMember) -> int:
        tier = self._program.base_tier.code if self._program.tiers.levels else ""
        for _ in range(CODE_ATTEMPTS):
            created = await uow.members.add_imported(
                member, placeholder_card_code(), new_referral_code(), tier, self._clock.now()
            )
            if created is not None:
                await uow.members.set_card_code(
                    created.id, card_code_for(created.id, self._card_secret)
                )
                return created.id
            # The phone and the external id were checked free above: a random code collided.
        raise RuntimeError("could not allocate unique member codes")

    async def _purchase(
        self,
        line: int,
        purchase: ImportedPurchase,
        outlets: dict[str, int | None],
        earn_points: bool,
    ) -> RowOutcome:
        async with self._uow() as uow:
            if purchase.phone is not None:
                member_id = await uow.members.phone_owner(purchase.phone)
            else:
                assert purchase.external_id is not None
                member_id = await uow.members.id_by_external_id(purchase.external_id)
            outlet_id = None
            if purchase.outlet_code is not None:
                if purchase.outlet_code not in outlets:
                    outlets[purchase.outlet_code] = await uow.api_keys.outlet_by_code(
                        purchase.outlet_code
                    )
                outlet_id = outlets[purchase.outlet_code]
        if member_id is None:
            column = "phone" if purchase.phone is not None else "external_id"
            return RowOutcome(line, RowStatus.BAD, UNKNOWN_MEMBER, column)
        if purchase.outlet_code is not None and outlet_id is None:
            return RowOutcome(line, RowStatus.BAD, UNKNOWN_OUTLET, "outlet")
        ledger = Ledger(self._uow, _Moment(purchase.bought_at), self._program)
        try:
            result = await ledger.record_purchase(
                member_id,
                purchase.amount,
                purchase.category,
                purchase.key,
                LedgerActor.pos(),
                outlet_id=outlet_id,
                receipt_no=purchase.receipt_no,
                earn_points=earn_points,
            )
        except IdempotencyConflict:
            return RowOutcome(line, RowStatus.BAD, RECEIPT_CONFLICT, "receipt")
        except DomainError as error:
            return _refused(line, error)
        return RowOutcome(line, RowStatus.PRESENT if result.replayed else RowStatus.IMPORTED)


def _refused(line: int, error: DomainError) -> RowOutcome:
    reason = str(error.details.get("reason") or error.code)
    return RowOutcome(line, RowStatus.BAD, reason, details=dict(error.details))
