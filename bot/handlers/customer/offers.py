"""Offers: the member's active coupons, to show at the till."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.adapters.i18n import Translator
from bot.domain.offers import Coupon
from bot.domain.program import Program, localized
from bot.handlers.customer.keyboards import Button
from bot.services.offers import Offers


def render_coupon(t: Translator, program: Program, coupon: Coupon) -> str:
    offer = next((o for o in program.offers if o.code == coupon.offer_code), None)
    name = localized(offer.name, t.locale) if offer else coupon.offer_code
    until = coupon.valid_until.astimezone(ZoneInfo(program.timezone)).strftime("%d.%m.%Y")
    return t("offers-line", name=name, until=until)


async def cmd_offers(message: Message, offers: Offers, t: Translator, program: Program) -> None:
    assert message.from_user is not None
    coupons = await offers.coupons_of_customer(message.from_user.id)
    if not coupons:
        await message.answer(t("offers-none"))
        return
    lines = [render_coupon(t, program, coupon) for coupon in coupons]
    await message.answer("\n".join([t("offers-title"), *lines, t("offers-how")]))


async def on_show_offers(
    query: CallbackQuery, offers: Offers, t: Translator, program: Program
) -> None:
    """The "My offers" button under a broadcast that gave a coupon."""
    await query.answer()
    if isinstance(query.message, Message):
        await cmd_offers(
            query.message.model_copy(update={"from_user": query.from_user}), offers, t, program
        )


def create_router() -> Router:
    router = Router(name="customer.offers")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_offers, Command("offers"))
    router.message.register(cmd_offers, Button("menu-offers"))
    router.callback_query.register(on_show_offers, F.data == "offers:show")
    return router
