"""OutboxSender: sends what the outbox holds, inside Telegram's limits, surviving crashes.

Three kinds of task share the work:
- the feeder claims due rows (`Delivery.claim`) into a priority queue, keeping it short so that
  few rows sit claimed in memory (they are what a crash can duplicate);
- a pool of workers sends: per chat at most one message per `per_chat_interval`, globally one
  slot of the rate limiter per message (an exact schedule: see `SendSchedule`). Enough workers
  run that the round trip to Telegram never caps the rate (`rate × expected_latency × 1.5`:
  30 msg/s at a 100 ms round trip needs 3 in flight; 1000/s needs 100);
- the recorder writes outcomes in small batches (one transaction per batch, not per message).
A message is rendered and serialized once per language and content, and posted to each chat as
bytes (`bot.delivery.transport`): at 1000 msg/s the CPU per message is what limits the rate.

Telegram's answers: 429 pauses everyone for retry_after and the message is tried again; 403
marks the member unreachable; 400 fails the row with Telegram's reason; 5xx, network errors and
timeouts retry with exponential backoff. See docs/DELIVERY.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, SendMessage, SendPhoto
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.adapters.i18n import I18n, Translator
from bot.delivery.chat_spacing import ChatSpacing, LocalChatSpacing
from bot.delivery.limiter import LocalRateLimiter, RateLimiter
from bot.delivery.transport import Prepared, Transport
from bot.domain.delivery import (
    Dispatch,
    Failed,
    MessageContent,
    Outcome,
    Postpone,
    Retry,
    SendSchedule,
    Sent,
    Unreachable,
)
from bot.domain.ports import Clock
from bot.services.delivery import Delivery

log = logging.getLogger(__name__)

TELEGRAM_FREE_RATE = 30.0  # messages per second across all chats (Bot FAQ, broadcasting)
TELEGRAM_PAID_RATE = 1000.0  # with allow_paid_broadcast, 0.1 Star per message over the free rate
# "Avoid sending more than one message per second" to one chat; the margin absorbs jitter
# between our clock and the moment the request arrives.
PER_CHAT_INTERVAL = 1.1
MAX_WORKERS = 1000
PREPARED_CACHE_SIZE = 1000  # renderings kept (a campaign needs one per language)
CLAIM_SECONDS = 0.25  # rows per claim, in seconds of sending
IN_FLIGHT_FACTOR = 1.5  # workers per request the rate keeps in flight: room for slow answers
# Jitter allowed between a request leaving and Telegram counting it (seconds; `margin / 1 s` of
# the rate is paid for it). At 30/s 20 ms is plenty; at 1 000/s a 20 ms hiccup anywhere on the
# way bunches 20 sends into the next window, and every 429 pauses all sending for a whole
# second, so paid mode keeps 50 ms (bench/broadcast.py: 84-91 % with 429s at 20 ms, 93.4 % with
# none at 50 ms once the process's heap is settled, docs/DELIVERY.md).
FREE_MARGIN = 0.02
PAID_MARGIN = 0.05


def default_margin(paid_broadcast: bool) -> float:
    return PAID_MARGIN if paid_broadcast else FREE_MARGIN


@dataclass(slots=True)
class SenderStats:
    sent: int = 0
    rate_limited: int = 0  # 429 answers received
    retried: int = 0
    failed: int = 0
    unreachable: int = 0
    uploads: int = 0
    latencies: list[float] = field(default_factory=list)  # request round trips, seconds


@dataclass(frozen=True, slots=True)
class SenderConfig:
    rate: float = TELEGRAM_FREE_RATE
    paid_broadcast: bool = False
    per_chat_interval: float = PER_CHAT_INTERVAL
    # Jitter (seconds) allowed between a request leaving and Telegram counting it: the schedule
    # keeps every window of `1 s + margin` within the limit (`default_margin`: 20 ms free, 50 ms
    # paid).
    margin: float = FREE_MARGIN
    # The round trip to Telegram the pool is sized for: `rate × expected_latency` requests are
    # in flight at the limit (30/s at 200 ms: 6; 1000/s at 100 ms: 100), times 1.5 for slow ones.
    expected_latency: float = 0.2
    workers: int | None = None  # None: from rate × expected_latency
    batch_size: int | None = None  # rows claimed ahead; None: about two seconds' worth
    idle_interval: float = 1.0  # how often to look for due rows when there were none
    flush_interval: float = 0.05  # how long an outcome may wait to be recorded
    request_timeout: float = 15.0
    rate_limit_retries: int = 5  # 429s for one message before it goes back to the queue
    currency: str = "RUB"  # the program's: `*_money` variables are formatted in it
    # The program's tier names by code: `*_tier` variables are shown as the tier's name.
    tier_names: Mapping[str, dict[str, str]] = field(default_factory=dict)

    def schedule(self) -> SendSchedule:
        return SendSchedule.for_rate(self.rate, margin=self.margin)

    @property
    def paced_rate(self) -> float:
        """The rate actually sent at: the limit less the jitter margin (29.4/s for 30/s)."""
        return self.schedule().rate

    def worker_count(self) -> int:
        if self.workers is not None:
            return self.workers
        in_flight = self.rate * self.expected_latency * IN_FLIGHT_FACTOR
        return max(4, min(MAX_WORKERS, math.ceil(in_flight)))

    def claim_size(self) -> int:
        if self.batch_size is not None:
            return self.batch_size
        return max(self.worker_count(), math.ceil(self.rate * 2))

    def claim_chunk(self) -> int:
        """Rows per claim: a quarter of a second's worth (at most half of `claim_size`). Small
        claims start a broadcast at once (the first sends do not wait for two seconds' worth of
        rows) and top the queue up long before it runs dry, however slow one claim is (on a busy
        SQLite a claim of 1 000 rows can take a second)."""
        half = math.ceil(self.claim_size() / 2)
        return max(1, min(half, math.ceil(self.rate * CLAIM_SECONDS)))


_STOP = object()

# aiogram validates every answer as `Response[Message]`; pydantic keeps parametrized generics in a
# weak cache, so once the garbage collector drops that class the next answer rebuilds it: several
# milliseconds of event-loop time (the whole Message schema) every few dozen sends at 1000/s.
# A strong reference keeps it built.
_RESPONSE_TYPES = (Response[Message],)


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        delivery: Delivery,
        i18n: I18n,
        clock: Clock,
        config: SenderConfig | None = None,
        limiter: RateLimiter | None = None,
        chat_spacing: ChatSpacing | None = None,
    ) -> None:
        self.bot = bot
        self.delivery = delivery
        self.i18n = i18n
        self.clock = clock
        self._config = config = config or SenderConfig()
        self._transport = Transport(bot)
        self._prepared_cache: dict[tuple[Any, ...], Prepared] = {}
        self.limiter = limiter or LocalRateLimiter(config.rate, margin=config.margin)
        self.chat_spacing = chat_spacing or LocalChatSpacing(config.per_chat_interval)
        self.stats = SenderStats()
        self._queue: asyncio.PriorityQueue[tuple[int, int, Any]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self._outcomes: list[Outcome] = []
        self._outcome_ready = asyncio.Event()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._workers: list[asyncio.Task[None]] = []
        self._held: set[int] = set()  # ids claimed, outcome not yet recorded
        self._idle = asyncio.Event()
        self._room = asyncio.Event()  # the queue has room for another claim
        # The feeder claims once the queue has room for a chunk.
        self._low_water = config.claim_size() - config.claim_chunk() + 1
        self._stopping = False
        self._closing = False
        self._paused_until = 0.0
        self._latency_floor: deque[float] = deque(maxlen=200)  # the last answers' round trips
        self._file_ids: dict[str, str] = {}
        self._photo_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    @property
    def config(self) -> SenderConfig:
        return self._config

    @config.setter
    def config(self, config: SenderConfig) -> None:
        """A new program (currency, tier names) renders messages anew."""
        self._config = config
        self._prepared_cache.clear()

    # lifecycle

    async def start(self) -> None:
        if self._tasks:
            return
        self._fit_connection_pool()
        self._stopping = self._closing = False
        self._workers = [
            asyncio.create_task(self._work(), name=f"outbox-worker-{n}")
            for n in range(self.config.worker_count())
        ]
        self._tasks = [
            asyncio.create_task(self._feed(), name="outbox-feeder"),
            asyncio.create_task(self._record(), name="outbox-recorder"),
            asyncio.create_task(self._renew_leases(), name="outbox-lease"),
            *self._workers,
        ]

    def _fit_connection_pool(self) -> None:
        """aiohttp holds at most `limit` connections (aiogram's default: 100); a request beyond
        waits for one, so more workers than connections would not raise the rate. Widen the pool
        if the bot's HTTP session is not open yet."""
        session = self.bot.session
        workers = self.config.worker_count()
        connector = getattr(session, "_connector_init", None)
        if not isinstance(session, AiohttpSession) or not isinstance(connector, dict):
            return
        limit = int(connector.get("limit") or 0)
        if limit == 0 or limit >= workers + 4:
            return
        if session._session is None:
            connector["limit"] = workers + 4  # and a few for polling and handlers' replies
        else:
            log.warning(
                "%s delivery workers share %s HTTP connections: create the bot's session with "
                "AiohttpSession(limit=...) to reach the rate",
                workers,
                limit,
            )

    def wake(self) -> None:
        """Look for due rows now (something was just enqueued)."""
        self._wake.set()

    async def wait_idle(self) -> None:
        """Until nothing is due and nothing is in flight (tests and benchmarks)."""
        self._idle.clear()
        self.wake()
        await self._idle.wait()

    async def stop(self, grace: float = 10.0) -> None:
        """Stop claiming; messages already being sent finish and are recorded, queued ones go
        back to the outbox at once (not after the lease)."""
        if not self._tasks:
            return
        self._stopping = True
        feeder, recorder, renewer = self._tasks[0], self._tasks[1], self._tasks[2]
        for task in (feeder, renewer):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        now = self.clock.now()
        while not self._queue.empty():
            _, _, item = self._queue.get_nowait()
            if item is not _STOP:
                self._push(Postpone(item.id, now, "sender stopped"))
        for _ in self._workers:
            self._queue.put_nowait((math.inf, next(self._order), _STOP))  # type: ignore[arg-type]
        _, late = await asyncio.wait(self._workers, timeout=grace)
        for task in late:  # their rows stay `sending` and are re-claimed after the lease
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        # The recorder is never cancelled mid-transaction: told to close, it flushes and ends.
        self._closing = True
        self._outcome_ready.set()
        await recorder
        self._tasks = []
        self._workers = []

    # feeding

    async def _feed(self) -> None:
        chunk = self.config.claim_chunk()
        while True:
            while self._queue.qsize() >= self._low_water:
                self._room.clear()
                await self._room.wait()
            try:
                dispatches = await self.delivery.claim(chunk)
            except Exception:
                log.exception("claiming outbox rows failed")
                dispatches = []
            for dispatch in dispatches:
                if dispatch.id in self._held:
                    continue  # ours already (its lease ran out under us): never twice
                self._held.add(dispatch.id)
                self._queue.put_nowait((dispatch.priority, next(self._order), dispatch))
            if dispatches:
                self._idle.clear()
                continue
            if not self._held and not self._outcomes:
                self._idle.set()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.idle_interval)

    async def _renew_leases(self) -> None:
        # A live sender's rows must never look abandoned: renew well within the lease.
        period = max(0.1, self.delivery.policy.lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(period)
            if self._held:
                try:
                    await self.delivery.renew_lease(sorted(self._held))
                except Exception:
                    log.exception("renewing the lease of claimed rows failed")

    # sending

    async def _work(self) -> None:
        while True:
            _, _, item = await self._queue.get()
            if self._queue.qsize() < self._low_water:
                self._room.set()
            if item is _STOP:
                return
            dispatch: Dispatch = item
            try:
                outcome = await self._deliver(dispatch)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a bug must not kill the worker or lose the row
                log.exception("sending outbox message %s failed", dispatch.id)
                outcome = Retry(dispatch.id, f"internal error: {error!r}", dispatch.attempts + 1)
            self._push(outcome)

    def _push(self, outcome: Outcome) -> None:
        self._outcomes.append(outcome)
        self._outcome_ready.set()

    async def _deliver(self, dispatch: Dispatch) -> Outcome:
        loop = asyncio.get_running_loop()
        # Per chat: book this chat's next free moment, one interval after its previous send.
        wait = await self.chat_spacing.book(dispatch.chat_id)
        if wait > 0:
            await asyncio.sleep(wait)
        rate_limited = 0
        while True:
            await self._wait_out_pause()
            if self._stopping and rate_limited:
                return Postpone(dispatch.id, self.clock.now(), "sender stopped")
            token = await self.limiter.acquire()
            if self._paused_until > loop.time():
                continue  # a 429 came in while we waited for the slot
            started = loop.time()
            try:
                await self._send(dispatch)
            except TelegramRetryAfter as error:
                self.stats.rate_limited += 1
                rate_limited += 1
                await self._pause(error.retry_after)
                if rate_limited >= self.config.rate_limit_retries:
                    not_before = self.clock.now() + timedelta(seconds=error.retry_after)
                    return Postpone(dispatch.id, not_before, f"429: {error.message}")
                continue
            except TelegramForbiddenError as error:
                self.stats.unreachable += 1
                return Unreachable(dispatch.id, dispatch.member_id, f"403: {error.message}")
            except TelegramBadRequest as error:
                self.stats.failed += 1
                return Failed(dispatch.id, f"400: {error.message}")
            except (TelegramServerError, TelegramNetworkError, TimeoutError) as error:
                self.stats.retried += 1
                return Retry(dispatch.id, f"{type(error).__name__}: {error}", dispatch.attempts + 1)
            except TelegramAPIError as error:  # 401, 404, 409...: not the message's fault
                self.stats.retried += 1
                return Retry(dispatch.id, f"{type(error).__name__}: {error}", dispatch.attempts + 1)
            self._answered(token, loop.time() - started)
            self.stats.sent += 1
            return Sent(dispatch.id)

    def _answered(self, token: Any, latency: float) -> None:
        """A send was answered after `latency`. What exceeds the fastest recent answer is time
        it may have spent on its way; the margin covers up to `margin` of it, and the limiter is
        told about the rest (it counts the send that much later)."""
        self.stats.latencies.append(latency)
        floors = self._latency_floor
        floors.append(latency)
        excess = latency - min(floors) - self.config.margin
        if excess > 0:
            self.limiter.late(token, excess)

    async def _wait_out_pause(self) -> None:
        loop = asyncio.get_running_loop()
        # A deadline that another 429 may push further: re-check after each sleep.
        while (wait := self._paused_until - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(wait)

    async def _pause(self, retry_after: float) -> None:
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + retry_after)
        log.warning("Telegram said 429: all sending paused for %ss", retry_after)
        try:
            await self.limiter.pause(retry_after)
        except Exception:
            log.exception("could not share the pause through the rate limiter")

    async def _send(self, dispatch: Dispatch) -> None:
        content = dispatch.content
        source = content.photo
        if source is None:
            prepared = self._prepared(dispatch.locale, content, None)
            await self._transport.send(prepared, dispatch.chat_id, self.config.request_timeout)
            return
        file_id = self._file_ids.get(source)
        if file_id is None:
            file_id = await self.delivery.photo_file_id(source)
        if file_id is None:
            # Upload once: the first worker to need the photo uploads it with its own message;
            # the others wait here and then reuse the file_id Telegram gave it.
            async with self._photo_locks[source]:
                file_id = self._file_ids.get(source)
                if file_id is None:
                    message = await self.bot.send_photo(
                        dispatch.chat_id,
                        FSInputFile(source),
                        request_timeout=int(self.config.request_timeout),
                        **self._fields(dispatch.locale, content),
                    )
                    self.stats.uploads += 1
                    assert message.photo
                    self._file_ids[source] = message.photo[-1].file_id
                    await self.delivery.remember_photo(source, message.photo[-1].file_id)
                    return
        self._file_ids[source] = file_id
        prepared = self._prepared(dispatch.locale, content, file_id)
        await self._transport.send(prepared, dispatch.chat_id, self.config.request_timeout)

    def _prepared(self, locale: str, content: MessageContent, file_id: str | None) -> Prepared:
        """The message as sent to every recipient in `locale`: rendered and serialized once
        per campaign and language, not once per recipient."""
        key = (locale, content.key, frozenset(content.variables.items()), content.buttons, file_id)
        prepared = self._prepared_cache.get(key)
        if prepared is None:
            if len(self._prepared_cache) >= PREPARED_CACHE_SIZE:
                self._prepared_cache.clear()  # transactional messages each render their own
            fields = self._fields(locale, content)
            if file_id is None:
                prepared = self._transport.prepare(SendMessage, **fields)
            else:
                prepared = self._transport.prepare(SendPhoto, photo=file_id, **fields)
            self._prepared_cache[key] = prepared
        return prepared

    def _fields(self, locale: str, content: MessageContent) -> dict[str, Any]:
        """sendMessage's (or sendPhoto's) arguments but the chat and the photo."""
        t = self.i18n(locale)
        text = t.render(
            content.key, content.variables, self.config.currency, self.config.tier_names
        )
        fields: dict[str, Any] = {
            "caption" if content.photo else "text": text,
            "reply_markup": _keyboard(content, t),
        }
        if self.config.paid_broadcast:
            fields["allow_paid_broadcast"] = True
        return fields

    # recording

    async def _record(self) -> None:
        while not (self._closing and not self._outcomes):
            await self._outcome_ready.wait()
            if not self._closing:
                await asyncio.sleep(self.config.flush_interval)  # gather a batch
            await self._flush()

    async def _flush(self) -> None:
        self._outcome_ready.clear()
        batch, self._outcomes = self._outcomes, []
        if not batch:
            return
        while True:
            try:
                await self.delivery.record(batch)
                break
            except Exception:
                # The rows stay `sending`; keep trying (a lost batch would be re-sent after the
                # lease: duplicates, not losses).
                log.exception("recording %s outcomes failed; retrying", len(batch))
                await asyncio.sleep(1)
        self._held.difference_update(outcome.id for outcome in batch)
        if not self._held and self._queue.empty():
            self.wake()


def _keyboard(content: MessageContent, t: Translator) -> InlineKeyboardMarkup | None:
    if not content.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=t(button.text_key), callback_data=button.callback_data, url=button.url
                )
                for button in row
            ]
            for row in content.buttons
        ]
    )
