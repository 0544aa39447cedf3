"""Who may use the admin chat: every command of its menu, sent in the admin chat by a stranger
or a cashier, is refused and changes nothing (the chat proves nothing, the sender's role
decides); and the broadcast wizard abandoned mid-way queues nothing and forgets its state."""

from __future__ import annotations

import pytest

from bot.adapters.db.models.broadcasts import Broadcast
from bot.adapters.db.models.delivery import Campaign, OutboxMessage
from bot.adapters.db.models.ledger import LedgerEntry
from bot.handlers.commands import ADMIN_COMMANDS
from tests.conftest import BotUnderTest
from tests.integration.admin.test_broadcast import compose, plant_members, press, send
from tests.integration.membership.helpers import inline_data, last
from tests.integration.staff.test_till import CASHIER, OWNER, STRANGER, hire, in_admin_chat

ARGUMENTS = {
    "stats": "7",
    "invite": "cashier",
    "certificates": "3 100",
    "adjust": "100000001 +500 gift",
    "survey_results": "visit",
    "survey_push": "visit",
    "export": "members",
    "apikey_revoke": "pk0000000000",
}
REFUSALS = (
    "You are not allowed to do this.",
    "This command is for staff.",
    "Only an owner may reload the program.",
    "Only owners manage API keys.",
)


@pytest.mark.parametrize("command", ADMIN_COMMANDS)
async def test_every_admin_command_refuses_a_stranger_and_a_cashier(
    app: BotUnderTest, command: str
) -> None:
    await plant_members(app)
    await hire(app, CASHIER)
    entries = await LedgerEntry.all().count()
    for person in (STRANGER, CASHIER):
        app.session.clear()
        text = f"/{command} {ARGUMENTS.get(command, '')}".strip()
        await in_admin_chat(app, person, text)
        assert app.session.texts() in ([r] for r in REFUSALS), (command, app.session.texts())
        assert not app.session.sent("SendPhoto") and not app.session.sent("SendDocument")
    assert await LedgerEntry.all().count() == entries
    assert await OutboxMessage.all().count() == 0


async def test_the_wizard_abandoned_mid_way_queues_nothing(app: BotUnderTest) -> None:
    await plant_members(app)
    await compose(app)  # segment, text, photo, button: now at the preview
    assert "bc:abort" in inline_data(last(app))
    await press(app, OWNER, "bc:abort")

    app.session.clear()
    await press(app, OWNER, "bc:now")  # the preview's buttons no longer do anything
    await press(app, OWNER, "bc:confirm")
    await send(app, OWNER, text="Another text")  # not taken as the wizard's answer
    assert not any("3" in text for text in app.session.texts())  # no recipient count asked
    assert await Campaign.all().count() == 0 and await Broadcast.all().count() == 0
    assert await OutboxMessage.all().count() == 0
