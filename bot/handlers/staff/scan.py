"""The till: staff invites accepted, a customer's card scanned (or looked up), a purchase recorded.

Conversations (docs/conversations/till.md): card view [-> apply an offer] -> amount ->
category -> receipt no. -> summary -> confirm; card view -> check amount -> the customer
confirms in their chat (the staff message shows the outcome). A recorded purchase offers "ask the
customer" to answer an open survey (docs/SURVEYS.md). `/top`: the staff leaderboard.
Callback data carries only the scan id (and a coupon id); the services check that the scan
belongs to the presser, is fresh and unused, and that the coupon is the scanned member's, so
an edited button cannot touch another member.
"""

from __future__ import annotations

import html
import logging
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.adapters.i18n import I18n, Translator
from bot.domain.card_token import CARD_START_PREFIX
from bot.domain.errors import DomainError, InvalidInput
from bot.domain.money import parse_amount
from bot.domain.offers import coupon_discount
from bot.domain.program import Program, localized
from bot.domain.receipts import parse_receipt_number
from bot.domain.staff import INVITE_PREFIX, Actor, CardView
from bot.handlers.commands import show_staff_menu
from bot.services.leaderboard import TOP, Leaderboards
from bot.services.staff import StaffService
from bot.services.surveys import Surveys
from bot.services.till import Till as TillService

log = logging.getLogger(__name__)


class Till(StatesGroup):
    amount = State()
    category = State()
    receipt = State()
    confirm = State()
    redeem_amount = State()


class CardAction(CallbackData, prefix="till"):
    action: str  # buy | redeem | cancel
    scan_id: int


class ApplyOffer(CallbackData, prefix="till-offer"):
    scan_id: int
    coupon_id: int


class PickCategory(CallbackData, prefix="till-cat"):
    code: str


class AskSurvey(CallbackData, prefix="till-sv"):
    """ "Ask the customer to answer the survey", under a recorded purchase; the service checks
    the presser recorded that purchase."""

    purchase_id: int
    survey: str


CONFIRM = "till:confirm"
ABORT = "till:abort"
SKIP_RECEIPT = "till:no-receipt"


async def on_invite_link(
    message: Message,
    command: CommandObject,
    staff: StaffService,
    t: Translator,
    bot: Bot,
    i18n: I18n,
) -> None:
    user = message.from_user
    assert user is not None and command.args is not None
    token = command.args.removeprefix(INVITE_PREFIX)
    member = await staff.accept_invite(user.id, user.full_name, token)
    await show_staff_menu(bot, i18n, user.id, member.role)
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


def offer_name(program: Program, offer_code: str, locale: str) -> str:
    offer = program.offer(offer_code)
    return html.escape(localized(offer.name, locale) if offer else offer_code)


async def show_card(
    message: Message, view: CardView, program: Program, t: Translator, locale: str
) -> None:
    tier = program.tier(view.tier_code)
    tz = ZoneInfo(program.timezone)
    lines = [
        t(
            "till-card",
            name=view.display_name,
            tier=localized(tier.name, locale) if tier else "—",
            points=t("points", count=view.balance),
        )
    ]
    if view.coupons:
        lines.append(t("till-card-offers"))
    for item in view.coupons:
        lines.append(
            t(
                "till-card-offer" if item.usable else "till-card-offer-not-now",
                name=offer_name(program, item.coupon.offer_code, locale),
                until=item.coupon.valid_until.astimezone(tz).strftime("%d.%m.%Y"),
            )
        )
    buttons = [
        [
            InlineKeyboardButton(
                text=t("till-apply-offer", name=offer_name(program, c.coupon.offer_code, locale)),
                callback_data=ApplyOffer(scan_id=view.scan_id, coupon_id=c.coupon.id).pack(),
            )
        ]
        for c in view.coupons
        if c.usable
    ]
    buttons += [
        [
            InlineKeyboardButton(
                text=t("till-record-purchase"),
                callback_data=CardAction(action="buy", scan_id=view.scan_id).pack(),
            )
        ],
        [
            InlineKeyboardButton(
                text=t("till-redeem-points"),
                callback_data=CardAction(action="redeem", scan_id=view.scan_id).pack(),
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
        "\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons)
    )


async def on_card_action(
    query: CallbackQuery, callback_data: CardAction, state: FSMContext, t: Translator
) -> None:
    assert isinstance(query.message, Message)
    if callback_data.action == "cancel":
        await state.clear()
        await query.message.edit_text(t("till-cancelled"))
    elif callback_data.action == "redeem":
        await state.set_state(Till.redeem_amount)
        await state.update_data(scan_id=callback_data.scan_id)
        await query.message.answer(t("till-enter-check"))
    else:
        await state.set_state(Till.amount)
        # set, not update: an offer applied on an earlier card view must not carry over.
        await state.set_data({"scan_id": callback_data.scan_id})
        await query.message.answer(t("till-enter-amount"))
    await query.answer()


async def on_apply_offer(
    query: CallbackQuery,
    callback_data: ApplyOffer,
    state: FSMContext,
    actor: Actor,
    till: TillService,
    program: Program,
    t: Translator,
    locale: str,
) -> None:
    assert isinstance(query.message, Message)
    coupon = await till.check_coupon(actor, callback_data.scan_id, callback_data.coupon_id)
    await state.set_state(Till.amount)
    # The offer's terms are kept for the summary only: confirming checks the coupon again.
    offer = {"code": coupon.offer_code, "bp": coupon.discount_bp, "bonus": coupon.bonus_points}
    await state.set_data({"scan_id": callback_data.scan_id, "coupon_id": coupon.id, "offer": offer})
    await query.message.answer(
        t("till-offer-applied", name=offer_name(program, coupon.offer_code, locale))
    )
    await query.answer()


async def read_amount(message: Message, program: Program, t: Translator) -> int | None:
    """The amount typed, or None after telling the cashier what is wrong with it."""
    maximum = program.limits.max_purchase_amount
    try:
        return parse_amount(message.text or "", maximum=maximum)
    except DomainError as error:
        reason = error.details.get("reason", "amount-garbled")
        await message.answer(t(f"till-{reason}", maximum=t.money(maximum, program.currency)))
        return None


async def on_amount(
    message: Message, state: FSMContext, program: Program, t: Translator, locale: str
) -> None:
    amount = await read_amount(message, program, t)
    if amount is None:
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
    try:
        receipt = parse_receipt_number(message.text or "")
    except InvalidInput:
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
    lines = [
        t(
            "till-summary",
            amount=t.money(data["amount"], program.currency),
            category=localized(category.name, locale) if category else "—",
            receipt=data.get("receipt") or "—",
        )
    ]
    offer = data.get("offer")
    if offer:
        name = offer_name(program, offer["code"], locale)
        if offer["bp"]:
            discount = coupon_discount(offer["bp"], data["amount"])
            lines.append(
                t(
                    "till-summary-discount",
                    name=name,
                    discount=t.money(discount, program.currency),
                    to_pay=t.money(data["amount"] - discount, program.currency),
                )
            )
        if offer["bonus"]:
            lines.append(
                t("till-summary-bonus", name=name, points=t("points", count=offer["bonus"]))
            )
    await message.answer("\n".join(lines), reply_markup=buttons)


async def on_confirm(
    query: CallbackQuery,
    state: FSMContext,
    actor: Actor,
    till: TillService,
    surveys: Surveys,
    program: Program,
    t: Translator,
    locale: str,
) -> None:
    data = await state.get_data()
    await state.clear()
    assert isinstance(query.message, Message)
    result = await till.record_purchase(
        actor,
        data["scan_id"],
        data["amount"],
        data.get("category"),
        data.get("receipt"),
        coupon_id=data.get("coupon_id"),
    )
    await query.answer()
    lines = [
        t(
            "till-recorded",
            amount=t.money(result.amount, program.currency),
            points=t("points", count=result.points_earned),
            balance=t("points", count=result.balance),
        )
    ]
    if result.offer_code is not None:
        lines.append(
            t(
                "till-recorded-offer",
                name=offer_name(program, result.offer_code, locale),
                discount=t.money(result.discount, program.currency),
                points=t("points", count=result.bonus_points),
            )
        )
    survey = None if result.replayed else await surveys.to_ask(result.member_id)
    ask = None
    if survey is not None:
        title = localized(survey.title, locale)
        ask_data = AskSurvey(purchase_id=result.purchase_id, survey=survey.id).pack()
        ask = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=t("till-survey-ask", title=title), callback_data=ask_data
                    )
                ]
            ]
        )
    await query.message.edit_text("\n".join(lines), reply_markup=ask)


async def on_ask_survey(
    query: CallbackQuery, callback_data: AskSurvey, actor: Actor, surveys: Surveys, t: Translator
) -> None:
    """The cashier asks the customer of the purchase they recorded to answer the survey: the
    invitation goes to the customer through the outbox, the response credited to them."""
    await surveys.ask_customer(actor, callback_data.purchase_id, callback_data.survey)
    await query.answer(t("till-survey-asked"))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


async def on_redeem_amount(
    message: Message,
    state: FSMContext,
    actor: Actor,
    till: TillService,
    program: Program,
    t: Translator,
    locale: str,
) -> None:
    check = await read_amount(message, program, t)
    if check is None:
        return
    data = await state.get_data()
    await state.clear()
    ask = await till.request_redemption(
        actor, data["scan_id"], check, staff_chat_id=message.chat.id, staff_locale=locale
    )
    sent = await message.answer(
        t(
            "till-redeem-asked",
            name=html.escape(ask.display_name),
            points=t("points", count=ask.points),
            discount=t.money(ask.discount, program.currency),
            check=t.money(ask.check_amount, program.currency),
        )
    )
    await till.attach_staff_message(ask.request_id, sent.message_id)


async def cmd_top(
    message: Message, actor: Actor, leaderboards: Leaderboards, t: Translator
) -> None:
    board = await leaderboards.board(actor)
    lines = [t("leaderboard-title", days=(board.until - board.since).days)]
    lines += [
        t(
            "leaderboard-line",
            rank=rank,
            name=html.escape(row.name),
            registered=row.registered,
            purchases=row.purchases,
            surveys=row.surveys,
        )
        for rank, row in enumerate(board.rows[:TOP], 1)
    ] or [t("leaderboard-empty")]
    rank = board.rank_of(actor.staff_id) if actor.staff_id is not None else None
    if rank is not None:
        row = board.rows[rank - 1]
        lines.append(
            t(
                "leaderboard-you",
                rank=rank,
                registered=row.registered,
                purchases=row.purchases,
                surveys=row.surveys,
            )
        )
    await message.answer("\n".join(lines))


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
    router.message.register(cmd_top, Command("top"))
    router.callback_query.register(on_card_action, CardAction.filter())
    router.callback_query.register(on_apply_offer, ApplyOffer.filter())
    router.message.register(on_amount, Till.amount, F.text)
    router.callback_query.register(on_category, PickCategory.filter(), Till.category)
    router.message.register(on_receipt, Till.receipt, F.text)
    router.callback_query.register(on_skip_receipt, F.data == SKIP_RECEIPT, Till.receipt)
    router.callback_query.register(on_confirm, F.data == CONFIRM, Till.confirm)
    router.callback_query.register(on_ask_survey, AskSurvey.filter())
    router.message.register(on_redeem_amount, Till.redeem_amount, F.text)
    router.callback_query.register(on_abort, F.data == ABORT)
    return router
