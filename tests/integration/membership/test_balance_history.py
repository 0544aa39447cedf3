"""The welcome bonus, the balance with tier progress, and the paged history."""

from __future__ import annotations

import html
import json

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import LedgerEntry
from bot.domain.ledger import ActorType
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import RewardReason
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import (
    alerts,
    inline_data,
    join,
    last,
    last_text,
    press,
    say,
    texts,
)
from tests.kit.telegram import user

CASHIER = LedgerActor(ActorType.STAFF, None)


async def test_joining_pays_the_welcome_bonus_once(app: BotUnderTest) -> None:
    anna = user(1301, "Anna", "ru")
    await join(app, anna, "+79990001301")
    assert texts(app)[-1].endswith("На ваш счёт начислен приветственный бонус: 100 баллов.")

    await say(app, anna, "/start")
    await say(app, anna, "Пропустить")  # an answer to the last question, sent again

    row = await Member.get(telegram_id=1301)
    entries = await LedgerEntry.filter(member_id=row.id)
    assert [(e.amount, e.reason, e.balance_after) for e in entries] == [(100, "welcome", 100)]
    assert row.balance == 100
    assert sum("приветственный бонус" in text for text in texts(app)) == 1


async def test_welcome_bonus_message_in_english(app: BotUnderTest) -> None:
    await join(app, user(1302, "John", "en"), "+79990001302")
    assert texts(app)[-1].endswith("Your welcome bonus is on your account: 100 points.")


async def test_balance_shows_points_tier_and_progress_in_money(app: BotUnderTest) -> None:
    anna = user(1303, "Anna", "ru")
    await join(app, anna, "+79990001303")

    await say(app, anna, "💰 Баланс")

    assert last_text(app) == (
        "Баланс: <b>100 баллов</b>\n"
        "Уровень: Серебро\n"
        "До уровня «Золото» осталось покупок на 15\xa0000\xa0₽."
    )

    member_id = (await Member.get(telegram_id=1303)).id
    ledger = app.container.services.ledger
    await ledger.record_purchase(member_id, 1_380_000, "food", "p1", CASHIER)
    await say(app, anna, "/balance")
    # 13 800 ₽ at 3 % earns 414 points; 1 200 ₽ more reach Gold.
    assert last_text(app) == (
        "Баланс: <b>514 баллов</b>\n"
        "Уровень: Серебро\n"
        "До уровня «Золото» осталось покупок на 1\xa0200\xa0₽."
    )


async def test_balance_in_english_shows_points_expiring_within_30_days(app: BotUnderTest) -> None:
    john = user(1304, "John", "en")
    await join(app, john, "+79990001304")
    app.container.clock.advance(days=340)  # the welcome points expire after 365 days

    await say(app, john, "💰 Balance")

    assert last_text(app) == (
        "Balance: <b>100 points</b>\n"
        "Tier: Silver\n"
        f"{app.container.i18n('en').money(1_500_000, 'RUB')} more to Gold.\n"
        "Expiring within 30 days: 100 points."
    )


async def test_history_is_paged_for_the_sender_only(app: BotUnderTest) -> None:
    anna = user(1305, "Anna", "ru")
    await join(app, anna, "+79990001305")
    olga = user(1306, "Olga", "ru")
    await join(app, olga, "+79990001306")
    anna_id = (await Member.get(telegram_id=1305)).id
    for n in range(11):
        app.container.clock.advance(days=1)
        await app.container.services.ledger.grant_reward(
            anna_id, RewardReason.SURVEY, f"survey:{anna_id}:{n}", LedgerActor.system()
        )

    await say(app, anna, "📜 История")
    first = last(app)
    lines = html.unescape(first.text).split("\n")
    assert lines[0] == "История баллов (стр. 1 из 2):"
    assert len(lines) == 11
    assert lines[1] == "13.03.2026  +50 баллов — за отзыв"
    assert inline_data(first) == ["hist:1"]

    await press(app, anna, "hist:1")
    second = last(app, "EditMessageText")
    lines = html.unescape(second.text).split("\n")
    assert lines[0] == "История баллов (стр. 2 из 2):"
    assert lines[1:] == [
        "03.03.2026  +50 баллов — за отзыв",
        "02.03.2026  +100 баллов — приветственный бонус",
    ]
    assert inline_data(second) == ["hist:0"]

    # Olga presses a forged page button: she sees her own history, never Anna's.
    await press(app, olga, "hist:1")
    olgas = html.unescape(last(app, "EditMessageText").text).split("\n")
    assert olgas == [
        "История баллов (стр. 1 из 1):",
        "02.03.2026  +100 баллов — приветственный бонус",
    ]
    await press(app, anna, "hist:-5")
    assert html.unescape(last(app, "EditMessageText").text).startswith("История баллов (стр. 1")
    assert alerts(app) == []


async def test_history_before_joining_asks_to_join(app: BotUnderTest) -> None:
    anna = user(1307, "Anna", "ru")
    await say(app, anna, "/start")
    await say(app, anna, "/history")
    await press(app, anna, "hist:0")
    assert last_text(app) == "Сначала завершите вступление в программу: отправьте /start."
    assert alerts(app) == ["Сначала завершите вступление в программу: отправьте /start."]


async def test_export_contains_the_entries_and_purchases(app: BotUnderTest) -> None:
    anna = user(1308, "Anna", "ru")
    await join(app, anna, "+79990001308")
    member_id = (await Member.get(telegram_id=1308)).id
    await app.container.services.ledger.record_purchase(
        member_id, 45_000, "coffee", "p-1308", CASHIER, receipt_no="R-77"
    )

    await say(app, anna, "/mydata")

    data = json.loads(last(app, "SendDocument").document.data)
    assert [(e["reason"], e["points"]) for e in data["entries"]] == [
        ("welcome", 100),
        ("purchase", 27),
    ]
    [purchase] = data["purchases"]
    assert (purchase["amount"], purchase["category"], purchase["receipt_no"]) == (
        45_000,
        "coffee",
        "R-77",
    )
    assert purchase["points_earned"] == 27
