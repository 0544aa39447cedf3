"""Surveys through the dispatcher: every question kind, stop and resume, stale and repeated
answers, the reward once, NPS detractors forwarded, the menu button, results, staff links."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime

import pytest

from bot.adapters.db.models.core import Member, Staff
from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.ledger import LedgerEntry
from bot.adapters.db.models.surveys import SurveyAnswer, SurveyResponse
from bot.domain.errors import InvalidInput
from tests.conftest import ADMIN_CHAT_ID, BotUnderTest
from tests.integration.membership.helpers import (
    alerts,
    inline_data,
    join,
    last,
    last_text,
    press,
    reply_buttons,
    say,
)
from tests.integration.staff.test_till import CASHIER, OWNER, hire, in_admin_chat
from tests.kit.clock import FixedClock
from tests.kit.telegram import user

ANNA = user(1001, "Anna")


async def answer(app: BotUnderTest, question: str, value: str, sender: object = ANNA) -> None:
    await press(app, sender, f"sva:visit:{question}:{value}")  # type: ignore[arg-type]


async def begin(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    await say(app, ANNA, "/surveys")
    assert inline_data(last(app)) == ["svo:visit"]
    await press(app, ANNA, "svo:visit")


async def stored_answers() -> dict[str, str]:
    return dict(await SurveyAnswer.all().values_list("question_id", "value"))  # type: ignore[arg-type]


async def survey_rewards() -> list[int]:
    return [e.amount for e in await LedgerEntry.filter(reason="survey")]


async def complete(app: BotUnderTest, nps: str = "9", comment: str = "More seats") -> None:
    await answer(app, "drink", "coffee")
    await answer(app, "extras", "music")
    await answer(app, "extras", "=")
    await answer(app, "taste", "4")
    await answer(app, "nps", nps)
    await say(app, ANNA, comment)


async def test_every_question_kind_is_answered_in_order_and_rewarded(app: BotUnderTest) -> None:
    await begin(app)
    assert "вопрос 1 из 5" in last_text(app)
    assert inline_data(last(app)) == ["sva:visit:drink:coffee", "sva:visit:drink:tea"]

    await answer(app, "drink", "coffee")
    assert "вопрос 2 из 5" in last_text(app)
    await answer(app, "extras", "cakes")
    await answer(app, "extras", "music")
    await answer(app, "extras", "cakes")  # unticked again
    ticks = [
        b.text
        for row in last(app, "EditMessageReplyMarkup").reply_markup.inline_keyboard
        for b in row
    ]
    assert ticks[:3] == ["Десерты", "✅ Музыка", "Персонал"]
    await answer(app, "extras", "=")
    assert "вопрос 3 из 5" in last_text(app)
    assert inline_data(last(app)) == [f"sva:visit:taste:{n}" for n in range(1, 6)]
    await answer(app, "taste", "4")
    assert inline_data(last(app)) == [f"sva:visit:nps:{n}" for n in range(0, 11)]
    await answer(app, "nps", "9")
    assert "до 300 символов" in last_text(app)
    await say(app, ANNA, "  More seats  ")

    assert await stored_answers() == {
        "drink": "coffee",
        "extras": "music",
        "taste": "4",
        "nps": "9",
        "comment": "More seats",
    }
    assert "начислено 50 баллов" in last_text(app)
    assert await survey_rewards() == [50]
    # A promoter is not forwarded anywhere.
    assert not [m for m in app.session.sent() if m.chat_id == ADMIN_CHAT_ID]
    # The menu no longer offers surveys.
    assert "📝 Опросы" not in reply_buttons(last(app))


async def test_answers_that_do_not_fit_the_question_are_refused(app: BotUnderTest) -> None:
    await begin(app)
    await answer(app, "drink", "juice")
    assert "кнопками" in alerts(app)[-1]
    await answer(app, "drink", "tea")
    await answer(app, "extras", "=")
    assert "хотя бы один" in alerts(app)[-1]
    await answer(app, "extras", "staff")
    await answer(app, "extras", "=")
    await answer(app, "taste", "6")
    assert "кнопками" in alerts(app)[-1]
    await answer(app, "taste", "1")
    await answer(app, "nps", "11")
    await answer(app, "nps", "10")
    await say(app, ANNA, "x" * 301)
    assert "Слишком длинный" in last_text(app)
    await say(app, ANNA, "ok")
    assert await stored_answers() == {
        "drink": "tea",
        "extras": "staff",
        "taste": "1",
        "nps": "10",
        "comment": "ok",
    }


async def test_a_member_stops_and_resumes_where_they_were(
    app: BotUnderTest, clock: FixedClock
) -> None:
    await begin(app)
    await answer(app, "drink", "tea")
    await answer(app, "extras", "cakes")
    await say(app, ANNA, "💰 Баланс")
    clock.advance(days=3)
    await say(app, ANNA, "📝 Опросы")
    await press(app, ANNA, "svo:visit")
    # Still at question 2, with the tick kept server-side.
    assert "вопрос 2 из 5" in last_text(app)
    assert "✅ Десерты" in [b.text for row in last(app).reply_markup.inline_keyboard for b in row]
    await answer(app, "extras", "=")
    await answer(app, "taste", "5")
    await answer(app, "nps", "10")
    # Stopping at the free-text question: a menu button leaves it, /surveys brings it back.
    await say(app, ANNA, "💳 Моя карта")
    await say(app, ANNA, "/surveys")
    await press(app, ANNA, "svo:visit")
    assert "вопрос 5 из 5" in last_text(app)
    await say(app, ANNA, "Great")
    assert await stored_answers() == {
        "drink": "tea",
        "extras": "cakes",
        "taste": "5",
        "nps": "10",
        "comment": "Great",
    }
    assert await SurveyResponse.filter(completed_at__isnull=False).count() == 1


async def test_a_stale_button_and_a_double_tap_change_nothing(app: BotUnderTest) -> None:
    await begin(app)
    await answer(app, "drink", "coffee")
    await answer(app, "drink", "coffee")  # the same tap delivered twice
    assert "уже есть ответ" in alerts(app)[-1]
    await answer(app, "drink", "tea")  # an earlier question's other button
    assert "уже есть ответ" in alerts(app)[-1]
    await answer(app, "taste", "5")  # a question not asked yet
    assert "уже есть ответ" in alerts(app)[-1]
    assert await stored_answers() == {"drink": "coffee"}
    response = await SurveyResponse.get()
    assert response.position == 1


async def test_the_reward_is_paid_once_and_the_survey_cannot_be_taken_again(
    app: BotUnderTest,
) -> None:
    await begin(app)
    await complete(app)
    await answer(app, "nps", "9")
    await press(app, ANNA, "svo:visit")
    assert "уже ответили" in alerts(app)[-1]
    await say(app, ANNA, "/surveys")
    assert "нет опросов" in last_text(app)
    assert await survey_rewards() == [50]
    assert await SurveyAnswer.all().count() == 5


async def test_a_detractor_is_forwarded_to_the_admin_chat_with_the_comment(
    app: BotUnderTest,
) -> None:
    await begin(app)
    await complete(app, nps="3", comment="Cold <coffee>")
    forwarded = [m for m in app.session.sent() if m.chat_id == ADMIN_CHAT_ID]
    assert len(forwarded) == 1
    text = html.unescape(forwarded[0].text)
    assert "(3)" in text and "Cold <coffee>" in text and "Anna" in text


async def test_the_menu_shows_surveys_only_while_one_is_open(
    app: BotUnderTest, clock: FixedClock
) -> None:
    await join(app, ANNA, "+79990000001")
    await say(app, ANNA, "/start")
    assert "📝 Опросы" in reply_buttons(last(app))
    assert "🤝 Пригласить друга" in reply_buttons(last(app))
    clock.current = datetime(2028, 1, 1, 9, 0, tzinfo=UTC)  # after the survey ends
    await say(app, ANNA, "/start")
    assert "📝 Опросы" not in reply_buttons(last(app))
    await press(app, ANNA, "svo:visit")
    assert "недоступен" in alerts(app)[-1]


async def test_the_owner_reads_results_with_nps_and_a_chart(app: BotUnderTest) -> None:
    await begin(app)
    await complete(app, nps="3")
    await in_admin_chat(app, OWNER, "/survey_results visit")
    text = html.unescape(last(app).text)
    assert "завершили: 1" in text
    assert "Кофе: 1" in text and "Чай: 0" in text
    assert "Среднее 4.0" in text
    assert "NPS: -100" in text
    photo = last(app, "SendPhoto")
    assert photo.chat_id == ADMIN_CHAT_ID
    assert photo.photo.data.startswith(b"\x89PNG")


async def test_a_customer_cannot_read_results(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    await say(app, ANNA, "/survey_results visit")
    assert not app.session.sent("SendPhoto")
    assert "Завершили" not in last_text(app)


async def test_a_staff_members_survey_link_credits_them(app: BotUnderTest) -> None:
    await hire(app, CASHIER)
    staff = await Staff.get(telegram_id=CASHIER.id)
    await join(app, ANNA, "+79990000001")
    await say(app, ANNA, f"/start sv_visit_{staff.code}")
    assert "вопрос 1 из 5" in last_text(app)
    response = await SurveyResponse.get(member_id=(await Member.get(telegram_id=ANNA.id)).id)
    assert response.staff_id == staff.id


async def test_simultaneous_copies_of_an_answer_store_one_and_pay_once(app: BotUnderTest) -> None:
    surveys = app.container.services.surveys
    await begin(app)
    for question, value in (("drink", "tea"), ("extras", "cakes"), ("extras", "=")):
        await surveys.answer(ANNA.id, "visit", question, value)
    await surveys.answer(ANNA.id, "visit", "taste", "3")

    copies = await asyncio.gather(
        *(surveys.answer(ANNA.id, "visit", "nps", "8") for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(c, BaseException) for c in copies) == 1
    assert all(
        isinstance(c, InvalidInput) and c.details["reason"] == "survey-stale"
        for c in copies
        if isinstance(c, BaseException)
    )
    last_copies = await asyncio.gather(
        *(surveys.answer(ANNA.id, "visit", "comment", "fine") for _ in range(5)),
        return_exceptions=True,
    )
    finished = [c for c in last_copies if not isinstance(c, BaseException)]
    assert len(finished) == 1 and finished[0].finished
    assert await SurveyAnswer.filter(question_id="nps").count() == 1
    assert await SurveyAnswer.all().count() == 5
    assert await survey_rewards() == [50]


async def test_erasing_ones_data_blanks_free_text_answers_and_keeps_the_scores(
    app: BotUnderTest,
) -> None:
    await begin(app)
    await complete(app, nps="3", comment="I am Anna from flat 5")
    await say(app, ANNA, "/forget")
    await press(app, ANNA, "data:forget:yes")
    assert await stored_answers() == {
        "drink": "coffee",
        "extras": "music",
        "taste": "4",
        "nps": "3",
        "comment": "",
    }


async def test_a_push_invites_those_who_have_not_answered_with_a_button(
    app: BotUnderTest,
) -> None:
    await begin(app)
    await complete(app)
    boris = user(1002, "Boris")
    await join(app, boris, "+79990000002")
    await in_admin_chat(app, OWNER, "/survey_push visit")
    assert "очередь: 1" in last_text(app)
    rows = await OutboxMessage.filter(content_key="survey-invite")
    assert [row.member_id for row in rows] == [(await Member.get(telegram_id=boris.id)).id]  # type: ignore[attr-defined]
    assert rows[0].kind == "marketing"
    # The push's button opens the survey.
    await press(app, boris, "svo:visit")
    assert "вопрос 1 из 5" in last_text(app)


async def test_a_payment_that_fails_after_the_last_answer_leaves_nothing_half_done(
    app: BotUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last answer and the reward commit together: a crash in the payment undoes the
    answer too, the member answers again, and the reward is paid exactly once."""
    ledger = app.container.services.ledger
    await begin(app)
    await answer(app, "drink", "coffee")
    await answer(app, "extras", "music")
    await answer(app, "extras", "=")
    await answer(app, "taste", "4")
    await answer(app, "nps", "9")

    async def payment_fails(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away while paying")

    monkeypatch.setattr(ledger, "_credit", payment_fails)
    await say(app, ANNA, "More seats")
    assert "More seats" not in (await stored_answers()).values()
    assert await SurveyResponse.filter(completed_at__isnull=False).count() == 0
    assert await survey_rewards() == []

    monkeypatch.undo()
    await say(app, ANNA, "More seats")  # still at the last question: answered again
    assert (await stored_answers())["comment"] == "More seats"
    assert await SurveyResponse.filter(completed_at__isnull=False).count() == 1
    assert "начислено 50 баллов" in last_text(app)
    await say(app, ANNA, "More seats")  # a re-delivered copy
    await answer(app, "comment", "More seats")
    assert await survey_rewards() == [50]


async def test_crafted_answers_and_answers_after_the_end_change_nothing(
    app: BotUnderTest, clock: FixedClock
) -> None:
    """Crafted callback data: a survey that does not exist, a question of this survey not
    being asked; and a started survey after its end date (another open survey's question:
    test_crafted.py)."""
    await begin(app)
    await press(app, ANNA, "sva:other:drink:coffee")
    assert "недоступен" in alerts(app)[-1]
    await press(app, ANNA, "sva:visit:comment:hello")
    assert "уже есть ответ" in alerts(app)[-1]
    await answer(app, "drink", "tea")
    clock.current = datetime(2028, 1, 1, 9, 0, tzinfo=UTC)  # the survey has ended
    await answer(app, "extras", "cakes")
    assert "недоступен" in alerts(app)[-1]
    assert await stored_answers() == {"drink": "tea"}
    assert (await SurveyResponse.get()).draft in (None, [])
