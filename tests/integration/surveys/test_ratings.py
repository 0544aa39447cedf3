"""The post-purchase rating: queued with the purchase on the ledger's one purchase path,
delayed through the outbox, at most one a day, rated once by its own member, summed up in
/ratings."""

from __future__ import annotations

import html
import itertools
from dataclasses import replace

import pytest

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.surveys import PurchaseRating
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import PostPurchaseRating, Program
from tests.conftest import ADMIN_CHAT_ID, BotUnderTest
from tests.integration.membership.helpers import alerts, join, last, press, say
from tests.integration.staff.test_till import OWNER, in_admin_chat
from tests.kit.clock import FixedClock
from tests.kit.telegram import user

ANNA = user(1001, "Anna")
BORIS = user(1002, "Boris", "en")
_keys = itertools.count(1)


@pytest.fixture
def program(program: Program) -> Program:
    return replace(
        program,
        post_purchase_rating=PostPurchaseRating(
            enabled=True,
            delay_minutes=30,
            question={"ru": "Как вам визит?", "en": "How was your visit?"},
        ),
    )


async def buy(app: BotUnderTest, telegram_id: int, amount: int = 50_000) -> int:
    """A purchase through the ledger's one purchase path (the till, the Mini App and the POS
    API all end there); its id."""
    member = await Member.get(telegram_id=telegram_id)
    result = await app.container.services.ledger.record_purchase(
        member.id, amount, None, f"rating-{next(_keys)}", LedgerActor.system()
    )
    return result.purchase_id


async def prompts(telegram_id: int) -> list[PurchaseRating]:
    member = await Member.get(telegram_id=telegram_id)
    return await PurchaseRating.filter(member_id=member.id).order_by("id")


async def test_the_prompt_is_queued_with_the_purchase_and_falls_due_after_the_delay(
    app: BotUnderTest, clock: FixedClock
) -> None:
    await join(app, ANNA, "+79990000001")
    purchase_id = await buy(app, ANNA.id)
    [prompt] = await prompts(ANNA.id)
    assert prompt.purchase_id == purchase_id and prompt.score is None
    row = await OutboxMessage.get(content_key="rating-ask")
    assert row.kind == "transactional"
    assert row.content_vars == {"question": "Как вам визит?"}  # Anna's language
    assert [b["callback_data"] for b in row.buttons[0]] == [
        f"rate:{prompt.id}:{score}" for score in range(1, 6)
    ]
    delivery = app.container.services.delivery
    assert [d.content.key for d in await delivery.claim(100)] == []  # not due yet
    clock.advance(minutes=30)
    assert [d.content.key for d in await delivery.claim(100)] == ["rating-ask"]


async def test_at_most_one_prompt_a_day(app: BotUnderTest, clock: FixedClock) -> None:
    await join(app, ANNA, "+79990000001")
    first = await buy(app, ANNA.id)
    await buy(app, ANNA.id)
    clock.advance(hours=6)
    await buy(app, ANNA.id)
    assert [p.purchase_id for p in await prompts(ANNA.id)] == [first]
    clock.advance(days=1)
    tomorrow = await buy(app, ANNA.id)
    assert [p.purchase_id for p in await prompts(ANNA.id)] == [first, tomorrow]
    assert await OutboxMessage.filter(content_key="rating-ask").count() == 2


async def test_a_replayed_purchase_queues_no_second_prompt(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    member = await Member.get(telegram_id=ANNA.id)
    ledger = app.container.services.ledger
    for _ in range(2):
        await ledger.record_purchase(member.id, 50_000, None, "same-key", LedgerActor.system())
    assert len(await prompts(ANNA.id)) == 1
    assert await OutboxMessage.filter(content_key="rating-ask").count() == 1


async def test_the_member_rates_once_and_only_their_own_purchase(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    await join(app, BORIS, "+79990000002")
    await buy(app, ANNA.id)
    [prompt] = await prompts(ANNA.id)

    await press(app, BORIS, f"rate:{prompt.id}:1")  # crafted: Anna's prompt
    assert alerts(app)[-1] == "This rating request is not available."
    for value in ("6", "0", "x"):
        await press(app, ANNA, f"rate:{prompt.id}:{value}")
        assert alerts(app)[-1] == "Пожалуйста, оцените кнопками, от 1 до 5."
    await press(app, ANNA, "rate:999999:5")
    assert alerts(app)[-1] == "Этот запрос оценки недоступен."
    assert (await PurchaseRating.get(id=prompt.id)).score is None

    await press(app, ANNA, f"rate:{prompt.id}:4")
    assert app.session.sent("AnswerCallbackQuery")[-1].text == "Спасибо! Ваша оценка: 4 из 5."
    await press(app, ANNA, f"rate:{prompt.id}:4")  # the same tap again
    await press(app, ANNA, f"rate:{prompt.id}:1")  # changing one's mind
    assert alerts(app)[-1] == "Вы уже оценили эту покупку. Спасибо!"
    rated = await PurchaseRating.get(id=prompt.id)
    assert rated.score == 4 and rated.rated_at is not None


async def test_the_owner_sees_count_average_and_distribution(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    await join(app, BORIS, "+79990000002")
    await buy(app, ANNA.id)
    await buy(app, BORIS.id)
    for person, score in ((ANNA, 5), (BORIS, 2)):
        [prompt] = await prompts(person.id)
        await press(app, person, f"rate:{prompt.id}:{score}")

    await in_admin_chat(app, OWNER, "/ratings")
    sent = last(app)
    assert sent.chat_id == ADMIN_CHAT_ID
    lines = html.unescape(sent.text).splitlines()
    assert lines == [
        "<b>Оценки покупок</b>: 2, средняя 3.5",
        "5 ★: 1",
        "4 ★: 0",
        "3 ★: 0",
        "2 ★: 1",
        "1 ★: 0",
    ]
    await say(app, ANNA, "/ratings")
    assert "Оценки покупок" not in last(app).text
