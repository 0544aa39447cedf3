"""Two open surveys with the same question ids: an answer given through callback data
naming the other survey never lands in the survey being answered."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapters.db.models.surveys import SurveyAnswer, SurveyResponse
from bot.domain.program import Program
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import alerts, join, press
from tests.integration.surveys.test_surveys import ANNA


@pytest.fixture
def program(program: Program) -> Program:
    visit = program.surveys[0]
    return replace(program, surveys=(visit, replace(visit, id="second")))


async def answers_of(survey_id: str) -> dict[str, str]:
    rows = await SurveyAnswer.filter(response__survey_id=survey_id).values_list(
        "question_id", "value"
    )
    return dict(rows)  # type: ignore[arg-type]


async def test_an_answer_for_another_surveys_question_is_refused(app: BotUnderTest) -> None:
    await join(app, ANNA, "+79990000001")
    await press(app, ANNA, "svo:visit")
    # "second" was never started: its question cannot be answered by editing the data.
    await press(app, ANNA, "sva:second:drink:coffee")
    assert "уже есть ответ" in alerts(app)[-1]
    await press(app, ANNA, "sva:visit:drink:tea")

    await press(app, ANNA, "svo:second")
    # "visit" is at its 2nd question: its 1st question's id under "visit" is stale, and the
    # 2nd question of "visit" cannot be answered through "second" (which is at its 1st).
    await press(app, ANNA, "sva:visit:drink:coffee")
    assert "уже есть ответ" in alerts(app)[-1]
    await press(app, ANNA, "sva:second:extras:cakes")
    assert "уже есть ответ" in alerts(app)[-1]

    assert await answers_of("visit") == {"drink": "tea"}
    assert await answers_of("second") == {}
    positions = dict(await SurveyResponse.all().values_list("survey_id", "position"))
    assert positions == {"visit": 1, "second": 0}
