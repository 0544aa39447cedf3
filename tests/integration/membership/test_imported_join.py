"""A customer imported from a POS joins the bot: sharing their phone links them to the imported
member, with its history and balance, through the real conversation."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.uow import tortoise_uow_factory
from bot.bootstrap import card_secret
from bot.domain.imports import ImportedMember, ImportedPurchase
from bot.domain.program import Program, RewardReason
from bot.services.imports import Imports, RowStatus
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import join, last, last_text, press, say, share_contact
from tests.kit.telegram import user

PHONE = "+79991112233"


async def import_customer(app: BotUnderTest, program: Program) -> int:
    imports = Imports(
        tortoise_uow_factory,
        app.container.clock,
        program,
        card_secret=card_secret(app.container.settings),
    )
    [member] = await imports.import_members(
        [(2, ImportedMember(PHONE, "Анна", "Петрова", None, "ru", None, 150, "C-1"))]
    )
    bought_at = app.container.clock.now() - timedelta(days=3)
    [purchase] = await imports.import_purchases(
        [(2, ImportedPurchase(PHONE, None, "R-1", 100_000, "food", bought_at, None))]
    )
    assert member.status is purchase.status is RowStatus.IMPORTED
    return (await Member.get(phone=PHONE)).id


async def test_imported_customer_sharing_their_phone_gets_their_card(
    app: BotUnderTest, program: Program
) -> None:
    imported_id = await import_customer(app, program)
    anna = user(4001, "Anya", "ru")

    await say(app, anna, "/start")
    await press(app, anna, "join:agree")
    await share_contact(app, anna, "7 (999) 111-22-33")

    welcome = program.reward(RewardReason.WELCOME)
    row = await Member.get(telegram_id=4001)
    assert row.id == imported_id
    assert (row.status, row.source, row.reachable) == ("active", "import", True)
    assert (row.first_name, row.last_name) == ("Анна", "Петрова")
    assert row.consented_at == app.container.clock.now()
    assert await Member.filter(phone=PHONE).count() == await Member.all().count() == 1
    reasons = [e.reason for e in await LedgerEntry.filter(member_id=row.id).order_by("id")]
    assert reasons == ["adjustment", "purchase", "welcome"]
    assert row.balance == 150 + 30 + welcome  # opening + 3 % of 1 000 + the welcome bonus
    text = last_text(app)
    assert text.startswith("Здравствуйте, Анна! Мы нашли вашу карту «Coffee & Co»")
    assert f"Баланс: {row.balance} " in text
    assert "💳 Моя карта" in [b.text for r in last(app).reply_markup.keyboard for b in r]

    await say(app, anna, "📜 История")
    assert "История баллов (стр. 1 из 1):" in last_text(app)
    assert len(last_text(app).splitlines()) == 4

    await say(app, anna, "/start")
    assert await Member.all().count() == 1


async def test_a_phone_of_a_member_who_joined_the_bot_is_still_refused(
    app: BotUnderTest, program: Program
) -> None:
    await join(app, user(4002, "Olga", "ru"), PHONE)
    mallory = user(4003, "Mallory", "ru")

    await say(app, mallory, "/start")
    await press(app, mallory, "join:agree")
    await share_contact(app, mallory, PHONE)

    assert (await Member.get(telegram_id=4003)).phone is None
    assert (await Member.get(phone=PHONE)).telegram_id == 4002
