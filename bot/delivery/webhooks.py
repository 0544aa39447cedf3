"""WebhookSender: delivers the webhook event outbox to the partner's server, surviving crashes.

A loop claims a batch of due events (`EventDelivery.claim`: SKIP LOCKED, each claim a counted
try with a lease), POSTs them at once, each signed afresh (`bot.domain.events.signed_headers`:
HMAC-SHA256 over `<timestamp>.<body>`), and records the outcomes in one transaction. 2xx is
delivered; 5xx, 408, 429, timeouts and connection errors are tried again with exponential
backoff until `max_attempts`; any other answer fails the event at once. Redirects are not
followed (the signed body goes only where EVENTS_URL says). docs/POS_API.md, "Webhooks".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass

import aiohttp

from bot.domain.events import DELIVERED, RETRY, PendingEvent, envelope, signed_headers, verdict
from bot.domain.ports import Clock
from bot.services.events import EventDelivery, EventOutcome

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret: bytes
    timeout: float = 10.0
    batch_size: int = 20
    """Events in flight at once (one batch is claimed, sent concurrently, recorded)."""
    idle_interval: float = 1.0
    """How often to look for due events when there were none."""


class WebhookSender:
    def __init__(
        self,
        events: EventDelivery,
        clock: Clock,
        config: WebhookConfig,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if config.timeout >= events.policy.lease.total_seconds():
            raise ValueError("the request timeout must be shorter than the claim's lease")
        self.events = events
        self.clock = clock
        self.config = config
        self._session = session
        self._own_session = session is None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self.delivered = 0
        self.failed = 0
        self.retried = 0

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name="webhook-sender")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        """Stop once the batch in flight is recorded (its requests end within the timeout).
        A batch cut short anyway is tried again after the lease: a duplicate, never a loss."""
        if self._task is not None:
            self._stopping = True
            self._wake.set()
            _, late = await asyncio.wait({self._task}, timeout=self.config.timeout + 5)
            for task in late:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            self._task = None
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivering webhook events failed")
                sent = 0
            if sent or self._stopping:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.idle_interval)

    async def deliver_due(self) -> int:
        """Claim one batch of due events, send it, record the outcomes; how many were tried."""
        batch = await self.events.claim(self.config.batch_size)
        if not batch:
            return 0
        outcomes = await asyncio.gather(*(self._post(event) for event in batch))
        await self.events.record(outcomes)
        for outcome in outcomes:
            if outcome.verdict == DELIVERED:
                self.delivered += 1
            elif outcome.verdict == RETRY:
                self.retried += 1
            else:
                self.failed += 1
        return len(batch)

    async def _post(self, event: PendingEvent) -> EventOutcome:
        body = envelope(event)
        timestamp = math.floor(self.clock.now().timestamp())
        headers = signed_headers(self.config.secret, event.event_id, timestamp, body)
        try:
            async with self._client().post(
                self.config.url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.config.timeout),
            ) as response:
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            return EventOutcome(event.id, event.attempts, RETRY, f"{type(error).__name__}")
        outcome = verdict(status)
        if outcome == DELIVERED:
            return EventOutcome(event.id, event.attempts, outcome)
        log.warning("webhook %s (%s) answered %s", event.event_id, event.type, status)
        return EventOutcome(event.id, event.attempts, outcome, f"HTTP {status}")

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session
