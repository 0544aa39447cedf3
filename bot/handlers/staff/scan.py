"""The till: staff invites accepted, a customer's card scanned (or looked up), a purchase recorded.

Conversation (docs/conversations/till.md): card view -> amount -> category -> receipt no. ->
summary -> confirm. Callback data carries only the scan id; the service checks that the scan
belongs to the presser, is fresh and unused, so an edited button cannot touch another member.
"""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.adapters.i18n import Translator
from bot.domain.card_token import CARD_START_PREFIX
from bot.domain.delivery import MessageContent
from bot.domain.errors import DomainError
from bot.domain.ledger import ActorType
from bot.domain.ledger_records import LedgerActor
from bot.domain.money import parse_amount
from bot.domain.program import Program, localized
from bot.domain.staff import INVITE_PREFIX, Actor, CardView
from bot.services.delivery import Delivery
from bot.services.purchases import PurchaseResult, Purchases
from bot.services.staff import StaffService

log = logging.getLogger(__name__)


class Till(StatesGroup):
    amount = State()
    category = State()
    receipt = State()
    confirm = State()


class CardAction(CallbackData, prefix="till"):
    action: str  # buy | cancel
    scan_id: int


class PickCategory(CallbackData, prefix="till-cat"):
    code: str


CONFIRM = "till:confirm"
ABORT = "till:abort"
SKIP_RECEIPT = "till:no-receipt"


async def on_invite_link(
    message: Message, command: CommandObject, staff: StaffService, t: Translator
) -> None:
    user = message.from_user
    assert user is not None and command.args is not None
    token = command.args.removeprefix(INVITE_PREFIX)
    member = await staff.accept_invite(user.id, user.full_name, token)
    await message.answer(t("staff-welcome", role=t(f"staff-role-{member.role.value}")))


async def on_card_link(
    message: Message,
    command: CommandObject,
    actor: Actor,
    staff: StaffService,
    program: Program,
    t: Translator,
    locale: str,
) -> None:
    assert command.args is not None
    if not actor.is_staff:
        # A customer opened someone's card link: the customer routers answer neutrally.
        raise SkipHandler
    view = await staff.scan_card(actor, command.args.removeprefix(CARD_START_PREFIX))
    await show_card(message, view, program, t, locale)


async def cmd_find(
    message: Message,
    command: CommandObject,
    actor: Actor,
    staff: StaffService,
    program: Program,
    t: Translator,
    locale: str,
) -> None:
    query = (command.args or "").strip()
    if not query:
        await message.answer(t("till-find-usage"))
        return
    view = await staff.find_member(actor, query)
    await show_card(message, view, program, t, locale)


async def show_card(
    message: Message, view: CardView, program: Program, t: Translator, locale: str
) -> None:
    tier = program.tier(view.tier_code)
    buttons = [
        [
            InlineKeyboardButton(
                text=t("till-record-purchase"),
                callback_data=CardAction(action="buy", scan_id=view.scan_id).pack(),
            )
        ],
        [
            InlineKeyboardButton(
                text=t("till-cancel"),
                callback_data=CardAction(action="cancel", scan_id=view.scan_id).pack(),
            )
        ],
    ]
    await message.answer(
        t(
            "till-card",
            name=view.display_name,
            tier=localized(tier.name, locale) if tier else "—",
            points=t("points", count=view.balance),
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
    )


async def on_card_action(
    query: CallbackQuery, callback_data: CardAction, state: FSMContext, t: Translator
) -> None:
    assert isinstance(query.message, Message)
    if callback_data.action == "cancel":
        await state.clear()
        await query.message.edit_text(t("till-cancelled"))
    else:
        await state.set_state(Till.amount)
        await state.update_data(scan_id=callback_data.scan_id)
        await query.message.answer(t("till-enter-amount"))
    await query.answer()


async def on_amount(
    message: Message, state: FSMContext, program: Program, t: Translator, locale: str
) -> None:
    maximum = program.limits.max_purchase_amount
    try:
        amount = parse_amount(message.text or "", maximum=maximum)
    except DomainError as error:
        reason = error.details.get("reason", "amount-garbled")
        await message.answer(t(f"till-{reason}", maximum=t.money(maximum, program.currency)))
        return
    await state.update_data(amount=amount)
    if not program.categories:
        await state.update_data(category=None)
        await ask_receipt(message, state, t)
        return
    await state.set_state(Till.category)
    buttons = [
        [
            InlineKeyboardButton(
                text=localized(c.name, locale), callback_data=PickCategory(code=c.code).pack()
            )
        ]
        for c in program.categories
    ]
    await message.answer(
        t("till-pick-category"), reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons)
    )


async def on_category(
    query: CallbackQuery,
    callback_data: PickCategory,
    state: FSMContext,
    program: Program,
    t: Translator,
) -> None:
    if program.category(callback_data.code) is None:
        await query.answer(t("till-unknown-category"), show_alert=True)
        return
    await state.update_data(category=callback_data.code)
    await query.answer()
    assert isinstance(query.message, Message)
    await ask_receipt(query.message, state, t)


async def ask_receipt(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(Till.receipt)
    skip = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=t("till-no-receipt"), callback_data=SKIP_RECEIPT)]
        ]
    )
    await message.answer(t("till-enter-receipt"), reply_markup=skip)


async def on_receipt(
    message: Message, state: FSMContext, program: Program, t: Translator, locale: str
) -> None:
    receipt = (message.text or "").strip()
    if not receipt or len(receipt) > 32 or not receipt.replace("-", "").isalnum():
        await message.answer(t("till-receipt-invalid"))
        return
    await state.update_data(receipt=receipt)
    await show_summary(message, state, program, t, locale)


async def on_skip_receipt(
    query: CallbackQuery, state: FSMContext, program: Program, t: Translator, locale: str
) -> None:
    await state.update_data(receipt=None)
    await query.answer()
    assert isinstance(query.message, Message)
    await show_summary(query.message, state, program, t, locale)


async def show_summary(
    message: Message, state: FSMContext, program: Program, t: Translator, locale: str
) -> None:
    data = await state.get_data()
    category = program.category(data["category"]) if data.get("category") else None
    await state.set_state(Till.confirm)
    buttons = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=t("till-confirm"), callback_data=CONFIRM),
                InlineKeyboardButton(text=t("till-cancel"), callback_data=ABORT),
            ]
        ]
    )
    await message.answer(
        t(
            "till-summary",
            amount=t.money(data["amount"], program.currency),
            category=localized(category.name, locale) if category else "—",
            receipt=data.get("receipt") or "—",
        ),
        reply_markup=buttons,
    )


async def on_confirm(
    query: CallbackQuery,
    state: FSMContext,
    actor: Actor,
    staff: StaffService,
    purchases: Purchases,
    delivery: Delivery,
    program: Program,
    t: Translator,
) -> None:
    data = await state.get_data()
    await state.clear()
    assert isinstance(query.message, Message)
    member_id = await staff.claim_scan(actor, data["scan_id"], "purchase")
    receipt = data.get("receipt")
    key = f"receipt:{actor.staff_id}:{receipt}" if receipt else f"scan:{data['scan_id']}"
    try:
        result = await purchases.record_purchase(
            member_id,
            data["amount"],
            data.get("category"),
            key,
            LedgerActor(ActorType.STAFF, actor.staff_id),
            receipt_no=receipt,
        )
    except DomainError:
        await staff.release_scan(data["scan_id"])
        raise
    await query.answer()
    await query.message.edit_text(
        t(
            "till-recorded",
            amount=t.money(result.amount, program.currency),
            points=t("points", count=result.points_earned),
            balance=t("points", count=result.balance),
        )
    )
    await delivery.enqueue_transactional(member_id, receipt_message(result))


def receipt_message(result: PurchaseResult) -> MessageContent:
    """The customer's receipt, rendered in their language when it is sent (`*_money`
    variables are minor units, formatted in the program's currency)."""
    return MessageContent(
        "receipt-purchase",
        {
            "amount_money": result.amount,
            "earned": result.points_earned,
            "balance": result.balance,
            "to_next_money": result.money_to_next_tier or 0,
            "next_tier": result.next_tier_code or "",
        },
    )


async def on_abort(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await query.answer()
    assert isinstance(query.message, Message)
    await query.message.edit_text(t("till-cancelled"))


def create_router() -> Router:
    """Registered before the customer routers: these deep links and states win."""
    router = Router(name="staff.till")
    router.message.filter(F.chat.type == "private")
    router.message.register(
        on_invite_link, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    router.message.register(
        on_card_link, CommandStart(deep_link=True, magic=F.args.startswith(CARD_START_PREFIX))
    )
    router.message.register(cmd_find, Command("find"))
    router.callback_query.register(on_card_action, CardAction.filter())
    router.message.register(on_amount, Till.amount, F.text)
    router.callback_query.register(on_category, PickCategory.filter(), Till.category)
    router.message.register(on_receipt, Till.receipt, F.text)
    router.callback_query.register(on_skip_receipt, F.data == SKIP_RECEIPT, Till.receipt)
    router.callback_query.register(on_confirm, F.data == CONFIRM, Till.confirm)
    router.callback_query.register(on_abort, F.data == ABORT)
    return router
