"""The customer answers a cashier's redemption request: Confirm or Cancel in their own chat.

The buttons carry only the request id (`rdm:<ok|no>:<id>`); the service checks that the presser
is the request's member, so an edited button cannot spend someone else's points.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, Message

from bot.adapters.i18n import Translator
from bot.domain.program import Program
from bot.domain.staff import REDEMPTION_CALLBACK_PREFIX, RedemptionStatus
from bot.services.till import Till


class RedemptionAnswer(CallbackData, prefix=REDEMPTION_CALLBACK_PREFIX):
    answer: str  # ok | no
    request_id: int


async def on_redemption_answer(
    query: CallbackQuery,
    callback_data: RedemptionAnswer,
    till: Till,
    program: Program,
    t: Translator,
) -> None:
    outcome = await till.answer_redemption(
        query.from_user.id, callback_data.request_id, confirm=callback_data.answer == "ok"
    )
    if outcome.status is RedemptionStatus.CONFIRMED:
        text = t(
            "redeem-done",
            points=t("points", count=outcome.points),
            discount=t.money(outcome.discount, program.currency),
            balance=t("points", count=outcome.balance or 0),
        )
    else:
        text = t("redeem-declined")
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


def create_router() -> Router:
    router = Router(name="customer.redemption")
    router.callback_query.register(
        on_redemption_answer, RedemptionAnswer.filter(F.answer.in_({"ok", "no"}))
    )
    return router
