"""Balance: points, tier, progress to the next tier in money, points expiring soon."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.adapters.i18n import Translator
from bot.domain.program import Program, localized
from bot.handlers.customer.keyboards import Button
from bot.services.ledger import BalanceView
from bot.services.membership import Membership


def render_balance(t: Translator, program: Program, view: BalanceView) -> str:
    lines = [t("balance-points", points=t("points", count=view.balance))]
    tier = program.tier(view.tier_code)
    if program.has_tiers and tier is not None:
        lines.append(t("balance-tier", tier=localized(tier.name, t.locale)))
        upper = program.tier(view.next_tier_code) if view.next_tier_code else None
        if upper is not None and view.money_to_next_tier is not None:
            lines.append(
                t(
                    "balance-next-tier",
                    money=t.money(view.money_to_next_tier, program.currency),
                    tier=localized(upper.name, t.locale),
                )
            )
        else:
            lines.append(t("balance-top-tier"))
    if view.expiring_points > 0:
        lines.append(t("balance-expiring", points=t("points", count=view.expiring_points)))
    return "\n".join(lines)


async def cmd_balance(
    message: Message, membership: Membership, t: Translator, program: Program
) -> None:
    assert message.from_user is not None
    view = await membership.balance(message.from_user.id)
    await message.answer(render_balance(t, program, view))


def create_router() -> Router:
    router = Router(name="customer.balance")
    router.message.filter(F.chat.type == "private")
    router.message.register(cmd_balance, Command("balance"))
    router.message.register(cmd_balance, Button("menu-balance"))
    return router
