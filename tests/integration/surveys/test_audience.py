"""A survey's audience: one for buyers appears after the first purchase, one for a tier only
to that tier's members."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import OutboxMessage
from bot.domain.ledger_records import LedgerActor
from bot.domain.program import Program
from bot.domain.surveys import Audience
from tests.conftest import BotUnderTest
from tests.integration.membership.helpers import inline_data, join, last, last_text, say
from tests.integration.staff.test_till import OWNER, in_admin_chat
from tests.kit.telegram import user

ANNA = user(1001, "Anna")


@pytest.fixture
def program(program: Program) -> Program:
    visit = program.surveys[0]
    return replace(
        program,
        surveys=(
            replace(visit, id="buyers", audience=Audience.BUYERS),
            replace(visit, id="gold", audience=Audience.TIER, tier="gold"),
        ),
    )


async def test_a_buyers_survey_opens_after_a_purchase_and_a_tier_survey_stays_closed(
    app: BotUnderTest,
) -> None:
    await join(app, ANNA, "+79990000001")
    await say(app, ANNA, "/surveys")
    assert "нет опросов" in last_text(app)

    anna = await Member.get(telegram_id=ANNA.id)
    await app.container.services.ledger.record_purchase(
        anna.id, 10_000, None, "first", LedgerActor.system()
    )
    await say(app, ANNA, "/surveys")
    assert inline_data(last(app)) == ["svo:buyers"]


async def test_a_push_reaches_only_the_surveys_audience(app: BotUnderTest) -> None:
    boris = user(1002, "Boris")
    await join(app, ANNA, "+79990000001")
    await join(app, boris, "+79990000002")
    anna = await Member.get(telegram_id=ANNA.id)
    await app.container.services.ledger.record_purchase(
        anna.id, 10_000, None, "first", LedgerActor.system()
    )
    await in_admin_chat(app, OWNER, "/survey_push buyers")
    await in_admin_chat(app, OWNER, "/survey_push gold")
    rows = await OutboxMessage.filter(content_key="survey-invite")
    assert [row.member_id for row in rows] == [anna.id]  # type: ignore[attr-defined]
