"""Outbound webhook events: writing them beside the change they report, and the use cases of
the sender that delivers them (bot/delivery/webhooks.py). docs/POS_API.md, "Webhooks".

`EventLog` is called inside a use case's own unit of work, so the event row commits or rolls
back with the change: an event exists exactly when its change committed. With webhooks off
(no EVENTS_URL) it writes nothing.

Payloads carry ids, amounts and points, never a name, phone, Telegram id or birthday: a
receiver that needs more asks the API with its key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.events import (
    DELIVERED,
    FAILED,
    EventPolicy,
    EventType,
    NewEvent,
    PendingEvent,
    next_attempt,
)
from bot.domain.ports import Clock, UnitOfWork, UnitOfWorkFactory


def _uuid() -> str:
    return str(uuid.uuid4())


class EventLog:
    """Adds events to the outbox in the caller's transaction; does nothing when disabled."""

    def __init__(self, enabled: bool = False, new_id: Callable[[], str] = _uuid) -> None:
        self.enabled = enabled
        self._new_id = new_id

    async def record(
        self, uow: UnitOfWork, type: EventType, data: Mapping[str, Any], now: datetime
    ) -> None:
        if self.enabled:
            await uow.events.add(NewEvent(self._new_id(), type, dict(data), now))

    async def member_joined(self, uow: UnitOfWork, member_id: int, now: datetime) -> None:
        await self.record(uow, EventType.MEMBER_JOINED, {"member_id": member_id}, now)

    async def purchase_recorded(
        self,
        uow: UnitOfWork,
        now: datetime,
        *,
        purchase_id: int,
        member_id: int,
        outlet_id: int | None,
        amount: int,
        points_used: int,
        points_earned: int,
        category: str | None,
        receipt_no: str | None,
    ) -> None:
        data = {
            "purchase_id": purchase_id,
            "member_id": member_id,
            "outlet_id": outlet_id,
            "amount": amount,
            "points_used": points_used,
            "points_earned": points_earned,
            "category": category,
            "receipt_no": receipt_no,
        }
        await self.record(uow, EventType.PURCHASE_RECORDED, data, now)

    async def points_redeemed(
        self,
        uow: UnitOfWork,
        now: datetime,
        *,
        entry_id: int,
        member_id: int,
        points: int,
        discount: int,
        check_amount: int,
    ) -> None:
        data = {
            "entry_id": entry_id,
            "member_id": member_id,
            "points": points,
            "discount": discount,
            "check_amount": check_amount,
        }
        await self.record(uow, EventType.POINTS_REDEEMED, data, now)

    async def purchase_refunded(
        self,
        uow: UnitOfWork,
        now: datetime,
        *,
        refund_id: int,
        purchase_id: int,
        member_id: int,
        amount: int,
        refunded_total: int,
        points_reversed: int,
        points_returned: int,
    ) -> None:
        if not self.enabled:
            return  # the outlet costs a query: only when the event is written
        data = {
            "refund_id": refund_id,
            "purchase_id": purchase_id,
            "member_id": member_id,
            "outlet_id": await uow.api_keys.purchase_outlet(purchase_id),
            "amount": amount,
            "refunded_total": refunded_total,
            "points_reversed": points_reversed,
            "points_returned": points_returned,
        }
        await self.record(uow, EventType.PURCHASE_REFUNDED, data, now)


@dataclass(frozen=True, slots=True)
class EventOutcome:
    """What became of one try: `verdict` is DELIVERED, RETRY or FAILED (`bot.domain.events`)."""

    id: int
    attempts: int
    verdict: str
    error: str | None = None


class EventDelivery:
    """The sender's use cases: claim due events, record what the receiver answered."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, policy: EventPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy

    async def claim(self, limit: int) -> list[PendingEvent]:
        """Up to `limit` due events, oldest due first. Each claimed one counts a try and is not
        due again for the lease (so a sender that dies mid-request only delays it); rows
        another sender is claiming are skipped, not waited for."""
        now = self._clock.now()
        async with self._uow() as uow:
            return await uow.events.claim(now, now + self.policy.lease, limit)

    async def record(self, outcomes: Sequence[EventOutcome]) -> None:
        """Delivered: done. Failed: done, with the reason. Retry: due again after an
        exponential backoff, or failed once `max_attempts` tries are used."""
        now = self._clock.now()
        async with self._uow() as uow:
            for outcome in outcomes:
                if outcome.verdict == DELIVERED:
                    await uow.events.mark_delivered(outcome.id, now)
                    continue
                retry_at = (
                    None
                    if outcome.verdict == FAILED
                    else next_attempt(self.policy, outcome.attempts, now)
                )
                if retry_at is None:
                    await uow.events.mark_failed(outcome.id, outcome.error, now)
                else:
                    await uow.events.reschedule(outcome.id, retry_at, outcome.error)
