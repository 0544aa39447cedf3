"""A member redeems a gift certificate in the bot: `/gift <code>`, or Settings -> the button ->
the code; wrong, used and expired codes and the rate limit are answered clearly."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.db.models.certificates import CertificateAttempt
from bot.adapters.db.models.core import Member
from bot.domain.ledger_records import LedgerActor
from tests.conftest import OWNER_ID, BotUnderTest
from tests.integration.membership.helpers import inline_data, join, last, press, say, texts
from tests.kit.telegram import user

BOB = user(1002, "Bob", "en")
WELCOME = 100


async def issue(app: BotUnderTest, points: int = 500, **options: object) -> str:
    ledger = app.container.services.ledger
    batch = await ledger.issue_certificates(LedgerActor.owner(OWNER_ID), 1, points, **options)
    return batch.codes[0]


async def balance(telegram_id: int) -> int:
    return (await Member.get(telegram_id=telegram_id)).balance


async def test_gift_with_the_code_adds_its_points(app: BotUnderTest) -> None:
    await join(app, BOB, "+79990000002")
    code = await issue(app)

    # Typed loosely: lower case, spaces instead of dashes.
    await say(app, BOB, "/gift " + code.lower().replace("-", " "))

    assert texts(app)[-1] == "The certificate is yours: 500 points added. Balance: 600 points."
    assert await balance(BOB.id) == WELCOME + 500


async def test_the_settings_button_asks_for_the_code_then_redeems_it(app: BotUnderTest) -> None:
    await join(app, BOB, "+79990000002")
    code = await issue(app, 250)

    await say(app, BOB, "/settings")
    assert "gift:enter" in inline_data(last(app))
    await press(app, BOB, "gift:enter")
    assert texts(app)[-1].startswith("Send the gift certificate code")
    await say(app, BOB, code)

    assert "250 points added" in texts(app)[-1]
    assert await balance(BOB.id) == WELCOME + 250
    # The step is over: the next text is not taken for a code.
    await say(app, BOB, "thanks")
    assert await CertificateAttempt.all().count() == 0


async def test_wrong_used_and_expired_codes_are_answered_clearly(app: BotUnderTest) -> None:
    await join(app, BOB, "+79990000002")
    anna = user(1003, "Ann", "en")
    await join(app, anna, "+79990000003")
    used = await issue(app)
    await say(app, anna, f"/gift {used}")
    expiring = await issue(app, expires_at=app.container.clock.now() + timedelta(days=1))
    app.container.clock.advance(days=2)  # type: ignore[attr-defined]

    await say(app, BOB, "/gift hello")
    assert texts(app)[-1].startswith("That is not a certificate code.")
    await say(app, BOB, "/gift GIFT-2222-3333-4444-5555")
    assert texts(app)[-1].startswith("There is no certificate with this code.")
    await say(app, BOB, f"/gift {used}")
    assert texts(app)[-1] == "This certificate has already been used."
    await say(app, BOB, f"/gift {expiring}")
    assert texts(app)[-1] == "This certificate has expired."
    assert await balance(BOB.id) == WELCOME


async def test_repeated_wrong_codes_are_rate_limited_even_for_a_right_one(
    app: BotUnderTest,
) -> None:
    await join(app, BOB, "+79990000002")
    code = await issue(app)

    await say(app, BOB, "/gift")
    for n in range(5):
        await say(app, BOB, f"GIFT-2222-3333-4444-{n + 2}{n + 2}{n + 2}{n + 2}")
    await say(app, BOB, code)

    assert texts(app)[-1] == "Too many wrong codes. Please try again in 60 min."
    assert await balance(BOB.id) == WELCOME
    assert await CertificateAttempt.filter(member__telegram_id=BOB.id).count() == 5


async def test_a_menu_button_or_command_leaves_the_code_step(app: BotUnderTest) -> None:
    await join(app, BOB, "+79990000002")

    await say(app, BOB, "/gift")
    await say(app, BOB, "💰 Balance")
    assert texts(app)[-1].startswith("Balance:")
    await say(app, BOB, "GIFT-2222-3333-4444-5555")  # no longer in the code step

    assert await CertificateAttempt.all().count() == 0


async def test_a_stranger_is_asked_to_join_first(app: BotUnderTest) -> None:
    stranger = user(1500, "Sam", "en")
    code = await issue(app)

    await say(app, stranger, f"/gift {code}")

    assert "finish joining" in texts(app)[-1]
