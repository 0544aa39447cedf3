"""Inviting friends: the personal link and share button, the two-sided reward paid only after
the friend's first qualifying purchase, the monthly cap, self-referral refused, and the
channel bonus checked with getChatMember."""

from __future__ import annotations

import asyncio
import html
import itertools
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

import pytest
from aiogram.types import ChatMemberLeft, ChatMemberMember

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.models.surveys import ReferralReward
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program, ReferralRules
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import alerts, join, last, last_text, press, say
from tests.kit.clock import FixedClock
from tests.kit.telegram import BOT_USER, user

ANNA = user(1001, "Anna")
BORIS = user(1002, "Boris")
VERA = user(1003, "Vera")
GLEB = user(1004, "Gleb")
_keys = itertools.count(1)


@pytest.fixture
def program(program: Program) -> Program:
    # The example program's rewards (referrer 200, friend 100, channel 50); min. purchase
    # 300 RUB, and a cap of 2 friends a month to reach it quickly.
    return replace(program, referrals=ReferralRules(min_purchase=30_000, monthly_cap=2))


async def member(telegram_id: int) -> Member:
    return await Member.get(telegram_id=telegram_id)


async def buy(app: BotUnderTest, telegram_id: int, amount: int) -> None:
    """A purchase through the ledger's one purchase path (the till, the Mini App and the POS
    API all end there)."""
    await app.container.services.ledger.record_purchase(
        (await member(telegram_id)).id, amount, None, f"test-{next(_keys)}", LedgerActor.system()
    )


async def referral_entries() -> list[tuple[str, int, int]]:
    """(reason, member id, points) of every referral reward, oldest first."""
    rows = await LedgerEntry.filter(reason__in=["referral_referrer", "referral_friend"]).order_by(
        "id"
    )
    return [(row.reason, row.member_id, row.amount) for row in rows]  # type: ignore[attr-defined]


async def invited_by(app: BotUnderTest, referrer: Member, friend: object, phone: str) -> Member:
    await join(app, friend, phone, payload=f"ref_{referrer.referral_code}")  # type: ignore[arg-type]
    return await member(friend.id)  # type: ignore[attr-defined]


async def test_invite_shows_the_personal_link_a_share_button_and_the_counts(
    app: BotUnderTest,
) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    await say(app, ANNA, "🤝 Пригласить друга")
    link = f"https://t.me/{BOT_USER.username}?start=ref_{anna.referral_code}"
    assert link in last_text(app)
    assert "присоединилось: 0, сделали покупку: 0" in last_text(app)
    share = urlparse(last(app).reply_markup.inline_keyboard[0][0].url)
    assert (share.netloc, share.path) == ("t.me", "/share/url")
    query = parse_qs(share.query)
    assert query["url"] == [link]
    assert "100 баллов" in query["text"][0]

    await invited_by(app, anna, BORIS, "+79990000002")
    await invited_by(app, anna, VERA, "+79990000003")
    await buy(app, BORIS.id, 30_000)
    await say(app, ANNA, "/friends")
    assert "присоединилось: 2, сделали покупку: 1" in last_text(app)


async def test_rewards_wait_for_the_friends_first_purchase_over_the_minimum(
    app: BotUnderTest,
) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    boris = await invited_by(app, anna, BORIS, "+79990000002")
    assert boris.referred_by_id == anna.id  # type: ignore[attr-defined]
    assert await referral_entries() == []

    await buy(app, BORIS.id, 29_999)
    assert await referral_entries() == []

    await buy(app, BORIS.id, 30_000)
    assert await referral_entries() == [
        ("referral_referrer", anna.id, 200),
        ("referral_friend", boris.id, 100),
    ]

    # Later purchases pay nothing more.
    await buy(app, BORIS.id, 50_000)
    assert len(await referral_entries()) == 2
    assert await ReferralReward.filter(friend_id=boris.id).count() == 1


async def test_the_referrer_is_paid_up_to_the_monthly_cap_and_the_friends_always(
    app: BotUnderTest, clock: FixedClock
) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    friends = [
        await invited_by(app, anna, friend, f"+7999000000{n}")
        for n, friend in ((2, BORIS), (3, VERA), (4, GLEB))
    ]
    for friend in (BORIS, VERA, GLEB):
        await buy(app, friend.id, 30_000)
    entries = await referral_entries()
    assert [e for e in entries if e[0] == "referral_referrer"] == [
        ("referral_referrer", anna.id, 200)
    ] * 2
    assert [e[1] for e in entries if e[0] == "referral_friend"] == [f.id for f in friends]
    outcomes = await ReferralReward.filter(referrer_id=anna.id).values_list("outcome", flat=True)
    assert sorted(outcomes) == ["capped", "paid", "paid"]

    # A new month opens the cap again.
    clock.current = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
    dima = user(1005, "Dima")
    await invited_by(app, anna, dima, "+79990000005")
    await buy(app, dima.id, 30_000)
    paid = [e for e in await referral_entries() if e[0] == "referral_referrer"]
    assert len(paid) == 3


async def test_a_friend_with_the_referrers_phone_gets_no_card_and_no_reward(
    app: BotUnderTest,
) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    await join(app, BORIS, "+79990000001", payload=f"ref_{anna.referral_code}")
    boris = await member(BORIS.id)
    assert boris.status == "joining" and boris.phone is None
    assert await referral_entries() == []


async def test_a_circular_referral_pays_nobody(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    boris = await invited_by(app, anna, BORIS, "+79990000002")
    # Anna's row says Boris referred her (an import, an old link): A -> B -> A.
    await Member.filter(id=anna.id).update(referred_by_id=boris.id)

    await buy(app, ANNA.id, 30_000)
    assert await referral_entries() == []
    assert (await ReferralReward.get(friend_id=anna.id)).outcome == "circular"


async def test_opening_ones_own_link_refers_nobody(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    await say(app, ANNA, f"/start ref_{anna.referral_code}")
    await buy(app, ANNA.id, 30_000)
    assert (await member(ANNA.id)).referred_by_id is None  # type: ignore[attr-defined]
    assert await referral_entries() == []


async def test_the_channel_bonus_needs_membership_and_is_paid_once(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    await say(app, ANNA, "/channel")
    buttons = [b for row in last(app).reply_markup.inline_keyboard for b in row]
    assert buttons[0].url == "https://t.me/coffee_and_co"
    assert buttons[1].callback_data == "channel:check"

    app.session.results["GetChatMember"] = ChatMemberLeft(user=ANNA)
    await press(app, ANNA, "channel:check")
    assert "ещё не подписаны" in alerts(app)[-1]
    asked = app.session.sent("GetChatMember")[-1]
    assert (asked.chat_id, asked.user_id) == ("@coffee_and_co", ANNA.id)
    assert await LedgerEntry.filter(reason="channel_join").count() == 0

    app.session.results["GetChatMember"] = ChatMemberMember(user=ANNA)
    await press(app, ANNA, "channel:check")
    assert "начислено 50 баллов" in html.unescape(last(app).text)
    await press(app, ANNA, "channel:check")
    assert "уже получили" in alerts(app)[-1]
    entries = await LedgerEntry.filter(reason="channel_join")
    assert [(e.member_id, e.amount) for e in entries] == [(anna.id, 50)]  # type: ignore[attr-defined]


async def test_friends_buying_at_once_cannot_pass_the_cap_together(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    friends = [user(1100 + n, f"Friend{n}") for n in range(4)]
    for n, friend in enumerate(friends):
        await invited_by(app, anna, friend, f"+7999100000{n}")
    await asyncio.gather(*(buy(app, friend.id, 30_000) for friend in friends))
    entries = await referral_entries()
    assert [e for e in entries if e[0] == "referral_referrer"] == [
        ("referral_referrer", anna.id, 200)
    ] * 2
    assert len([e for e in entries if e[0] == "referral_friend"]) == 4


async def test_a_circle_further_up_the_chain_pays_nobody(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    anna = await member(ANNA.id)
    boris = await invited_by(app, anna, BORIS, "+79990000002")
    vera = await invited_by(app, boris, VERA, "+79990000003")
    # Anna's row says Vera referred her: A -> B -> V -> A.
    await Member.filter(id=anna.id).update(referred_by_id=vera.id)

    await buy(app, ANNA.id, 30_000)
    assert await referral_entries() == []
    assert (await ReferralReward.get(friend_id=anna.id)).outcome == "circular"
