"""History: the member's ledger entries, newest first, paged with inline buttons. The button
carries only a page number; the member is always the sender."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from babel.dates import format_date

from bot.adapters.i18n import Translator
from bot.domain.program import Program
from bot.handlers.customer.keyboards import Button, HistoryPage, history_keyboard
from bot.services.membership import History, Membership


def render_history(t: Translator, program: Program, history: History) -> str:
    if not history.entries:
        return t("history-empty")
    zone = ZoneInfo(program.timezone)
    lines = [t("history-title", page=history.page + 1, pages=history.pages)]
    for entry in history.entries:
        day = format_date(entry.created_at.astimezone(zone).date(), "short", locale=t.locale)
        sign = "+" if entry.amount >= 0 else "−"
        reason_key = f"reason-{entry.reason.value}"
        reason = t(reason_key) if t.has(reason_key) else entry.reason.value
        lines.append(
            t(
                "history-line",
                date=day,
                points=f"{sign}{t('points', count=abs(entry.amount))}",
                reason=reason,
            )
        )
    return "\n".join(lines)


async def cmd_history(
    message: Message, membership: Membership, t: Translator, program: Program
) -> None:
    assert message.from_user is not None
    history = await membership.history(message.from_user.id, 0)
    await message.answer(
        render_history(t, program, history),
        reply_markup=history_keyboard(history.page, history.pages),
    )


async def on_history_page(
    callback: CallbackQuery,
    callback_data: HistoryPage,
    membership: Membership,
    t: Translator,
    program: Program,
) -> None:
    history = await membership.history(callback.from_user.id, callback_data.page)
    await callback.answer()
    if isinstance(callback.message, Message):
        await callback.message.edit_text(
            render_history(t, program, history),
            reply_markup=history_keyboard(history.page, history.pages),
        )


def create_router() -> Router:
    router = Router(name="customer.history")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_history, Command("history"))
    router.message.register(cmd_history, Button("menu-history"))
    router.callback_query.register(on_history_page, HistoryPage.filter())
    return router
