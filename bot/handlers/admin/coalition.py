"""The coalition in the admin chat (or a private chat):

- `/settlement [YYYY-MM | YYYY-MM-DD..YYYY-MM-DD]`: points issued and redeemed per partner and
  who pays whom (owners and managers; the service checks);
- `/apikey_new <outlet>`: a POS API key, shown once, only in the owner's private chat (an admin
  group keeps its history for every present and future member);
- `/apikeys`: key ids, outlets and states; `/apikey_revoke <key id>`.

Owners only for keys: `ApiKeys` checks the role; the chat proves nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection, Sequence

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.adapters.i18n import Translator
from bot.domain.coalition import OUTLET_CODE, Settlement
from bot.domain.pos import KEY_ID_PREFIX
from bot.domain.program import Program
from bot.domain.staff import Actor
from bot.services.api_keys import ApiKeys
from bot.services.coalition import Coalition

KEY_ID = re.compile(re.escape(KEY_ID_PREFIX) + r"[0-9a-f]{10}")


def signed_money(t: Translator, amount: int, currency: str) -> str:
    """+1 200 ₽ / −1 200 ₽ / 0 ₽."""
    sign = "+" if amount > 0 else "−" if amount < 0 else ""
    return sign + t.money(abs(amount), currency)


def table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded for a monospace block: the first left-aligned, the others right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
    return "<pre>" + html.escape("\n".join(lines)) + "</pre>"


def render_settlement(t: Translator, settlement: Settlement, currency: str) -> str:
    header = [
        t("settlement-col-partner"),
        t("settlement-col-issued"),
        t("settlement-col-redeemed"),
        t("settlement-col-balance"),
    ]
    rows = [
        [
            p.code,
            str(p.issued),
            str(p.redeemed),
            signed_money(t, settlement.balance(p.code), currency),
        ]
        for p in settlement.partners
    ]
    refunds = [
        t(
            "settlement-refunds",
            partner=p.code,
            earned=p.earned_reversed,
            spent=p.spent_returned,
        )
        for p in settlement.partners
        if p.earned_reversed or p.spent_returned
    ]
    transfers = [
        t(
            "settlement-transfer",
            payer=html.escape(x.payer),
            payee=html.escape(x.payee),
            amount=t.money(x.amount, currency),
        )
        for x in settlement.transfers
    ]
    parts = [
        t(
            "settlement-title",
            start=settlement.period.start.isoformat(),
            last=settlement.period.last.isoformat(),
            value=t.money(settlement.point_value, currency),
        ),
        table([header, *rows]),
        *refunds,
        t(
            "settlement-pool",
            home=html.escape(settlement.home),
            pool=signed_money(t, settlement.pool, currency),
        ),
        t("settlement-rewards", points=t("points", count=settlement.rewards)),
        t("settlement-expired", points=t("points", count=settlement.expired)),
        t("settlement-transfers-title"),
        *(transfers or [t("settlement-transfers-none")]),
    ]
    return "\n".join(parts)


async def cmd_settlement(
    message: Message,
    command: CommandObject,
    actor: Actor,
    coalition: Coalition,
    program: Program,
    t: Translator,
) -> None:
    settlement = await coalition.settlement(actor, command.args)
    await message.answer(render_settlement(t, settlement, program.currency))


async def cmd_apikey_new(
    message: Message,
    command: CommandObject,
    actor: Actor,
    api_keys: ApiKeys,
    t: Translator,
) -> None:
    if message.chat.type != "private":
        await message.answer(t("apikey-private-only"))
        return
    outlet = (command.args or "").strip()
    if not OUTLET_CODE.fullmatch(outlet):
        outlets = ", ".join(await api_keys.outlets(actor)) or "—"
        await message.answer(t("apikey-new-usage", outlets=html.escape(outlets)))
        return
    issued = await api_keys.create(actor, outlet)
    await message.answer(
        t(
            "apikey-created",
            key_id=issued.key_id,
            outlet=html.escape(issued.outlet_code),
            key=html.escape(issued.secret),
        )
    )


async def cmd_apikeys(message: Message, actor: Actor, api_keys: ApiKeys, t: Translator) -> None:
    keys = await api_keys.list_keys(actor)
    if not keys:
        await message.answer(t("apikeys-none"))
        return
    lines = [
        t(
            "apikeys-line",
            key_id=key.key_id,
            outlet=html.escape(key.outlet_code),
            state=(
                t("apikeys-revoked", day=key.revoked_at.date().isoformat())
                if key.revoked_at
                else t("apikeys-active")
            ),
        )
        for key in keys
    ]
    await message.answer("\n".join([t("apikeys-title"), *lines]))


async def cmd_apikey_revoke(
    message: Message, command: CommandObject, actor: Actor, api_keys: ApiKeys, t: Translator
) -> None:
    key_id = (command.args or "").strip()
    if not KEY_ID.fullmatch(key_id):
        await message.answer(t("apikey-revoke-usage"))
        return
    await api_keys.revoke(actor, key_id)
    await message.answer(t("apikey-revoked", key_id=key_id))


def create_router(admin_chat_ids: Collection[int]) -> Router:
    """In the configured admin chats and in private chats; the services check the role."""
    router = Router(name="admin.coalition")
    router.message.filter(F.chat.id.in_(set(admin_chat_ids)) | (F.chat.type == "private"))
    router.message.register(cmd_settlement, Command("settlement"))
    router.message.register(cmd_apikey_new, Command("apikey_new"))
    router.message.register(cmd_apikeys, Command("apikeys"))
    router.message.register(cmd_apikey_revoke, Command("apikey_revoke"))
    return router
