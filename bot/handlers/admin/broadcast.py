"""`/broadcast`: the owner's campaign wizard (docs/conversations/broadcast.md).

segment -> (its argument) -> text -> photo or /skip -> link, offer code or /skip -> preview (a
test to me | send now | schedule) -> confirmation with the recipient count -> a live progress
message (edited every few seconds, with Cancel) -> the final report.

The chat proves nothing: every step calls the broadcasts service with the acting role, which
refuses anyone but an owner or a manager. Callback data carries no authority either (a campaign
id in a Cancel button is checked against the presser's role).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.adapters.i18n import Translator
from bot.domain.broadcasts import (
    BROADCAST_TEXT_KEY,
    LINK_BUTTON_KEY,
    OFFER_BUTTON_KEY,
    BroadcastDraft,
    Segment,
    SegmentKind,
    parse_kind,
    valid_url,
)
from bot.domain.delivery import CampaignProgress
from bot.domain.errors import InvalidInput
from bot.domain.program import Program
from bot.domain.staff import Actor
from bot.services.broadcasts import Broadcasts

log = logging.getLogger(__name__)

PREFIX = "bc"
DATE_FORMAT = "%Y-%m-%d %H:%M"


class Wizard(StatesGroup):
    segment_argument = State()
    text = State()
    photo = State()
    button = State()
    preview = State()
    schedule = State()
    confirm = State()


def _keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
            for row in rows
        ]
    )


def _draft(data: dict[str, Any]) -> BroadcastDraft:
    return BroadcastDraft(
        Segment(SegmentKind(data["segment"]), data.get("argument")),
        data["text"],
        data.get("photo"),
        data.get("url"),
        data.get("offer"),
    )


# -- the watcher of live progress ---------------------------------------------------------------


class ProgressWatcher:
    """Background tasks that edit a campaign's progress message every `interval` seconds until
    nothing is pending, then post the final report. Started by the handler that launched the
    broadcast; `wait()` and `close()` are for tests and shutdown."""

    def __init__(self, interval: float = 3.0) -> None:
        self.interval = interval
        self._tasks: set[asyncio.Task[None]] = set()

    def watch(
        self,
        bot: Bot,
        broadcasts: Broadcasts,
        actor: Actor,
        t: Translator,
        chat_id: int,
        message_id: int,
        campaign_id: int,
    ) -> None:
        task = asyncio.create_task(
            self._run(bot, broadcasts, actor, t, chat_id, message_id, campaign_id)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.wait()

    async def _run(
        self,
        bot: Bot,
        broadcasts: Broadcasts,
        actor: Actor,
        t: Translator,
        chat_id: int,
        message_id: int,
        campaign_id: int,
    ) -> None:
        shown = ""
        try:
            while True:
                progress = await broadcasts.progress(actor, campaign_id)
                if progress.pending == 0:
                    break
                text = progress_text(t, progress)
                if text != shown:  # Telegram refuses an edit that changes nothing
                    shown = text
                    with contextlib.suppress(Exception):
                        await bot.edit_message_text(
                            text,
                            chat_id=chat_id,
                            message_id=message_id,
                            reply_markup=_stop_keyboard(t, campaign_id),
                        )
                await asyncio.sleep(self.interval)
            report = t(
                "broadcast-report",
                sent=progress.sent,
                failed=progress.failed,
                unreachable=progress.unreachable,
                skipped=progress.skipped,
                cancelled=progress.cancelled,
                held_out=progress.held_out,
            )
            with contextlib.suppress(Exception):
                await bot.edit_message_text(report, chat_id=chat_id, message_id=message_id)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("watching campaign %s failed", campaign_id)


def progress_text(t: Translator, progress: CampaignProgress) -> str:
    eta = "—" if progress.eta is None else str(int(progress.eta.total_seconds()))
    return t(
        "broadcast-progress",
        sent=progress.sent,
        failed=progress.failed,
        unreachable=progress.unreachable,
        remaining=progress.pending,
        eta=eta,
    )


def _stop_keyboard(t: Translator, campaign_id: int) -> InlineKeyboardMarkup:
    return _keyboard([(t("broadcast-button-stop"), f"{PREFIX}:stop:{campaign_id}")])


# -- the steps ------------------------------------------------------------------------------------


async def cmd_broadcast(
    message: Message, state: FSMContext, actor: Actor, broadcasts: Broadcasts, t: Translator
) -> None:
    broadcasts.authorize(actor)
    await state.clear()
    rows = [
        [(t(f"broadcast-segment-{kind.value}"), f"{PREFIX}:seg:{kind.value}")]
        for kind in SegmentKind
    ]
    rows.append([(t("broadcast-button-abort"), f"{PREFIX}:abort")])
    await message.answer(t("broadcast-ask-segment"), reply_markup=_keyboard(*rows))


async def on_segment(
    query: CallbackQuery,
    state: FSMContext,
    actor: Actor,
    broadcasts: Broadcasts,
    t: Translator,
    program: Program,
) -> None:
    assert query.data is not None and isinstance(query.message, Message)
    kind = parse_kind(query.data.split(":", 2)[2])
    broadcasts.authorize(actor)
    await state.update_data(segment=kind.value)
    await query.answer()
    if kind.needs_argument:
        await state.set_state(Wizard.segment_argument)
        choices = {
            SegmentKind.TIER: ", ".join(level.code for level in program.tiers.levels),
            SegmentKind.FAVOURITE: ", ".join(c.code for c in program.categories),
        }.get(kind, "")
        await query.message.answer(t(f"broadcast-ask-{kind.value}", choices=choices))
        return
    await _counted(query.message, state, actor, broadcasts, t, Segment(kind))


async def on_segment_argument(
    message: Message, state: FSMContext, actor: Actor, broadcasts: Broadcasts, t: Translator
) -> None:
    data = await state.get_data()
    segment = Segment.parse(data["segment"], message.text)
    await _counted(message, state, actor, broadcasts, t, segment)


async def _counted(
    message: Message,
    state: FSMContext,
    actor: Actor,
    broadcasts: Broadcasts,
    t: Translator,
    segment: Segment,
) -> None:
    count = await broadcasts.count(actor, segment)
    await state.update_data(segment=segment.kind.value, argument=segment.argument, count=count)
    await state.set_state(Wizard.text)
    await message.answer(t("broadcast-ask-text", count=count))


async def on_text(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    if not message.text:
        await message.answer(t("broadcast-ask-text-again"))
        return
    # The owner's formatting (bold, links...) as Telegram HTML, built from the message entities.
    text = message.html_text
    data = await state.get_data()
    BroadcastDraft(Segment(SegmentKind(data["segment"]), data.get("argument")), text)
    await state.update_data(text=text)
    await state.set_state(Wizard.photo)
    await message.answer(t("broadcast-ask-photo"))


async def on_photo(message: Message, state: FSMContext, t: Translator) -> None:
    if message.photo:
        await state.update_data(photo=message.photo[-1].file_id)
    elif (message.text or "").strip() != "/skip":
        await message.answer(t("broadcast-ask-photo"))
        return
    await state.set_state(Wizard.button)
    await message.answer(t("broadcast-ask-button"))


async def on_button(
    message: Message,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    broadcasts: Broadcasts,
    t: Translator,
    program: Program,
) -> None:
    answer = (message.text or "").strip()
    if answer.startswith("https://"):
        if not valid_url(answer):
            raise InvalidInput("bad url", reason="broadcast-url")
        await state.update_data(url=answer)
    elif answer != "/skip":
        if program.offer(answer.lower()) is None:
            raise InvalidInput("unknown offer", reason="broadcast-offer")
        await state.update_data(offer=answer.lower())
    draft = _draft(await state.get_data())
    broadcasts.check(actor, draft)
    await state.set_state(Wizard.preview)
    await _show(bot, message.chat.id, t, draft)
    await message.answer(
        t("broadcast-preview-actions"),
        reply_markup=_keyboard(
            [(t("broadcast-button-test"), f"{PREFIX}:test")],
            [
                (t("broadcast-button-now"), f"{PREFIX}:now"),
                (t("broadcast-button-schedule"), f"{PREFIX}:schedule"),
            ],
            [(t("broadcast-button-abort"), f"{PREFIX}:abort")],
        ),
    )


async def _show(bot: Bot, chat_id: int, t: Translator, draft: BroadcastDraft) -> None:
    """The broadcast as a member will see it (the same key and buttons the outbox renders)."""
    text = t(BROADCAST_TEXT_KEY, text=draft.text)
    markup = None
    if draft.button_url is not None:
        button = InlineKeyboardButton(text=t(LINK_BUTTON_KEY), url=draft.button_url)
        markup = InlineKeyboardMarkup(inline_keyboard=[[button]])
    elif draft.offer_code is not None:
        markup = _keyboard([(t(OFFER_BUTTON_KEY), f"{PREFIX}:noop")])
    if draft.photo is not None:
        await bot.send_photo(chat_id, draft.photo, caption=text, reply_markup=markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=markup)


async def on_test(
    query: CallbackQuery,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    broadcasts: Broadcasts,
    t: Translator,
) -> None:
    draft = _draft(await state.get_data())
    broadcasts.check(actor, draft)
    await _show(bot, query.from_user.id, t, draft)
    await query.answer(t("broadcast-test-sent"))


async def on_now(
    query: CallbackQuery, state: FSMContext, actor: Actor, broadcasts: Broadcasts, t: Translator
) -> None:
    assert isinstance(query.message, Message)
    data = await state.get_data()
    draft = _draft(data)
    count = await broadcasts.count(actor, draft.segment)
    await state.update_data(at=None)
    await state.set_state(Wizard.confirm)
    await query.answer()
    await query.message.answer(t("broadcast-confirm-now", count=count), reply_markup=_confirm(t))


async def on_schedule(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    assert isinstance(query.message, Message)
    await state.set_state(Wizard.schedule)
    await query.answer()
    await query.message.answer(t("broadcast-ask-schedule"))


async def on_schedule_time(
    message: Message,
    state: FSMContext,
    actor: Actor,
    broadcasts: Broadcasts,
    t: Translator,
    program: Program,
) -> None:
    try:
        local = datetime.strptime((message.text or "").strip(), DATE_FORMAT)
    except ValueError:
        raise InvalidInput("bad date", reason="broadcast-date") from None
    at = local.replace(tzinfo=ZoneInfo(program.timezone))
    broadcasts.check_moment(at)
    draft = _draft(await state.get_data())
    count = await broadcasts.count(actor, draft.segment)
    await state.update_data(at=at.isoformat())
    await state.set_state(Wizard.confirm)
    await message.answer(
        t("broadcast-confirm-schedule", count=count, at=local.strftime(DATE_FORMAT)),
        reply_markup=_confirm(t),
    )


def _confirm(t: Translator) -> InlineKeyboardMarkup:
    return _keyboard(
        [
            (t("broadcast-button-confirm"), f"{PREFIX}:confirm"),
            (t("broadcast-button-abort"), f"{PREFIX}:abort"),
        ]
    )


async def on_confirm(
    query: CallbackQuery,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    broadcasts: Broadcasts,
    t: Translator,
    broadcast_watcher: ProgressWatcher,
) -> None:
    assert isinstance(query.message, Message)
    data = await state.get_data()
    at = datetime.fromisoformat(data["at"]) if data.get("at") else None
    launch = await broadcasts.launch(actor, _draft(data), at)
    await state.clear()
    await query.answer()
    if launch.scheduled_for is not None:
        await query.message.answer(
            t(
                "broadcast-scheduled",
                campaign=launch.campaign_id,
                at=data["at"][:16].replace("T", " "),
            ),
            reply_markup=_stop_keyboard(t, launch.campaign_id),
        )
        return
    progress = await broadcasts.progress(actor, launch.campaign_id)
    sent = await query.message.answer(
        t("broadcast-started", count=launch.recipients, held_out=launch.held_out)
        + "\n"
        + progress_text(t, progress),
        reply_markup=_stop_keyboard(t, launch.campaign_id),
    )
    broadcast_watcher.watch(
        bot, broadcasts, actor, t, sent.chat.id, sent.message_id, launch.campaign_id
    )


async def on_stop(
    query: CallbackQuery, actor: Actor, broadcasts: Broadcasts, t: Translator
) -> None:
    assert query.data is not None
    try:
        campaign_id = int(query.data.rsplit(":", 1)[1])
    except ValueError:
        raise InvalidInput("bad campaign id") from None
    stopped = await broadcasts.cancel(actor, campaign_id)
    await query.answer(t("broadcast-cancelled", count=stopped), show_alert=True)


async def on_abort(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer(t("broadcast-aborted"))


def create_router(admin_chat_ids: Collection[int]) -> Router:
    """In the admin chats and private chats; the service checks the role at every step."""
    router = Router(name="admin.broadcast")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_broadcast, Command("broadcast"))
    router.message.register(on_segment_argument, Wizard.segment_argument, F.text)
    router.message.register(on_text, Wizard.text)
    router.message.register(on_photo, Wizard.photo)
    router.message.register(on_button, Wizard.button, F.text)
    router.message.register(on_schedule_time, Wizard.schedule, F.text)
    router.callback_query.register(on_segment, F.data.startswith(f"{PREFIX}:seg:"))
    router.callback_query.register(on_test, Wizard.preview, F.data == f"{PREFIX}:test")
    router.callback_query.register(on_now, Wizard.preview, F.data == f"{PREFIX}:now")
    router.callback_query.register(on_schedule, Wizard.preview, F.data == f"{PREFIX}:schedule")
    router.callback_query.register(on_confirm, Wizard.confirm, F.data == f"{PREFIX}:confirm")
    router.callback_query.register(on_stop, F.data.startswith(f"{PREFIX}:stop:"))
    router.callback_query.register(on_abort, F.data == f"{PREFIX}:abort")
    return router
