"""`/mydata` carries the member's survey answers, referrals (who brought them, whom they
brought and what it paid) and purchase ratings."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.surveys import PurchaseRating
from bot.domain.program import PostPurchaseRating, Program
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import join, last, press, say
from tests.integration.referrals.test_referrals import BORIS, VERA, buy, invited_by
from tests.integration.surveys.test_surveys import ANNA, complete
from tests.kit.clock import FixedClock
from tests.kit.telegram import user

GLEB = user(1004, "Gleb")


@pytest.fixture
def program(program: Program) -> Program:
    rating = PostPurchaseRating(enabled=True, delay_minutes=0, question={"ru": "?", "en": "?"})
    return replace(program, post_purchase_rating=rating)


async def export(app: BotUnderTest, sender: Any) -> dict[str, Any]:
    await say(app, sender, "/mydata")
    data: dict[str, Any] = json.loads(last(app, "SendDocument").document.data.decode("utf-8"))
    return data


async def test_the_export_holds_answers_referrals_and_ratings(
    app: BotUnderTest, clock: FixedClock
) -> None:
    await join(app, BORIS, "+79990000002")
    boris = await Member.get(telegram_id=BORIS.id)
    anna = await invited_by(app, boris, ANNA, "+79990000001")
    vera = await invited_by(app, anna, VERA, "+79990000003")
    await invited_by(app, anna, GLEB, "+79990000004")
    await buy(app, VERA.id, 50_000)  # Vera's qualifying purchase pays Anna
    await buy(app, ANNA.id, 10_000)  # below the minimum: Boris is not paid yet
    [prompt] = await PurchaseRating.filter(member_id=anna.id)
    await press(app, ANNA, f"rate:{prompt.id}:5")
    await say(app, ANNA, "/surveys")
    await press(app, ANNA, "svo:visit")
    await complete(app, nps="9", comment="More seats")

    data = await export(app, ANNA)

    answers = data["survey_answers"]
    assert [(a["survey_id"], a["question_id"], a["answer"]) for a in answers] == [
        ("visit", "drink", "Кофе"),
        ("visit", "extras", "Музыка"),
        ("visit", "taste", "4"),
        ("visit", "nps", "9"),
        ("visit", "comment", "More seats"),
    ]
    assert answers[0]["question"] and answers[0]["value"] == "coffee"
    assert answers[0]["answered_at"] == clock.now().isoformat()

    referrals = data["referrals"]
    assert referrals["referred_by"] == {"member_id": boris.id, "first_name": "Boris"}
    assert [
        (f["first_name"], f["joined_at"] is not None, f["bought"], f["outcome"])
        for f in referrals["friends"]
    ] == [("Vera", True, True, "paid"), ("Gleb", True, False, None)]
    assert [(r["reason"], r["points"]) for r in referrals["rewards"]] == [
        ("referral_referrer", 200)
    ]
    assert vera.referred_by_id == anna.id  # type: ignore[attr-defined]

    [rating] = data["ratings"]
    assert (rating["score"], rating["rated_at"]) == (5, clock.now().isoformat())
    assert rating["purchase_id"] == prompt.purchase_id  # type: ignore[attr-defined]


async def test_a_member_with_none_of_it_exports_empty_sections(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    data = await export(app, ANNA)
    assert data["survey_answers"] == [] and data["ratings"] == []
    assert data["referrals"] == {"referred_by": None, "friends": [], "rewards": []}
