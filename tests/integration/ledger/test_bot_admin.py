"""The owner's ledger commands in the admin chat: issuing certificates, adjusting points."""

from __future__ import annotations

import html

from bot.adapters.db.models.certificates import Certificate
from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.ledger import LedgerEntry
from bot.bootstrap import card_secret
from bot.domain.card_token import card_code_for, format_card_code
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import join, last, say, texts
from tests.integration.staff.test_till import CASHIER, OWNER, hire, in_admin_chat
from tests.kit.telegram import user

BOB = user(1002, "Bob", "en")
WELCOME = 100


async def bob(app: BotUnderTest) -> Member:
    await join(app, BOB, "+79990000002")
    return await Member.get(telegram_id=BOB.id)


async def test_the_owner_issues_certificates_as_a_document_of_working_codes(
    app: BotUnderTest,
) -> None:
    member = await bob(app)

    await in_admin_chat(app, OWNER, "/certificates 3 500 2026-12-31")

    sent = last(app, "SendDocument")
    codes = sent.document.data.decode().split()
    assert len(codes) == 3 and all(code.startswith("GIFT-") for code in codes)
    assert "3 сертификата по 500 баллов" in sent.caption and "2026-12-31" in sent.caption
    # Stored as digests only, and the codes work once each.
    assert await Certificate.all().count() == 3
    assert not await Certificate.filter(code_digest__in=codes).exists()
    await say(app, BOB, f"/gift {codes[0]}")
    assert (await Member.get(id=member.id)).balance == WELCOME + 500


async def test_certificates_need_an_owner_and_a_well_formed_command(app: BotUnderTest) -> None:
    await hire(app, CASHIER)
    assert await Staff.filter(telegram_id=CASHIER.id, active=True).exists()

    await say(app, CASHIER, "/certificates 3 500")
    assert texts(app)[-1] == "You are not allowed to do this."
    await in_admin_chat(app, OWNER, "/certificates three 500")
    assert texts(app)[-1].startswith("Формат: /certificates")
    await in_admin_chat(app, OWNER, "/certificates 3 500 2020-01-01")
    assert texts(app)[-1] == "Дата окончания должна быть в будущем."
    await in_admin_chat(app, OWNER, "/certificates 501 500")
    assert texts(app)[-1] == "За раз можно выпустить от 1 до 500 сертификатов."

    assert await Certificate.all().count() == 0


async def test_the_owner_adjusts_points_by_card_code_and_by_phone_with_a_reason(
    app: BotUnderTest,
) -> None:
    member = await bob(app)
    code = format_card_code(card_code_for(member.id, card_secret(app.container.settings)))

    await in_admin_chat(app, OWNER, f"/adjust {code} +250 apology for the wait")
    assert html.unescape(texts(app)[-1]) == (
        f"Готово: +250 участнику №{member.id}. Баланс: 350 баллов."
    )
    await in_admin_chat(app, OWNER, "/adjust +7 999 000 00 02 -50 typed twice")
    assert "Баланс: 300 баллов" in texts(app)[-1]

    entries = await LedgerEntry.filter(member_id=member.id, reason="adjustment").order_by("id")
    assert [(e.amount, e.note, e.actor_type, e.actor_id) for e in entries] == [
        (250, "apology for the wait", "owner", OWNER.id),
        (-50, "typed twice", "owner", OWNER.id),
    ]
    assert (await Member.get(id=member.id)).balance == 300


async def test_an_adjustment_needs_a_reason_an_owner_and_a_known_member(
    app: BotUnderTest,
) -> None:
    member = await bob(app)
    await hire(app, CASHIER)
    assert await Staff.filter(telegram_id=CASHIER.id, active=True).exists()

    await in_admin_chat(app, OWNER, "/adjust +79990000002 +100")
    assert texts(app)[-1].startswith("Формат: /adjust")
    await in_admin_chat(app, OWNER, "/adjust 123 456 7890 +100 gift")
    assert texts(app)[-1] == "Участник не найден."
    await in_admin_chat(app, OWNER, "/adjust +79990000002 -1000 too much")
    assert texts(app)[-1] == "Недостаточно баллов."
    await say(app, CASHIER, "/adjust +79990000002 +100 from the till")
    assert texts(app)[-1] == "You are not allowed to do this."

    assert (await Member.get(id=member.id)).balance == WELCOME
    assert not await LedgerEntry.filter(reason="adjustment").exists()
