"""/program and /reload through the real dispatcher: the rules shown in both languages within
Telegram's limit; a bad program file refused with its file, field and reason while the old rules
keep earning; a good one taking effect at once for the services, the scheduler's jobs, the
sender and the Mini App; only owners reload."""

from __future__ import annotations

from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from bot.adapters.db.models.core import Member
from bot.bootstrap import build_scheduler, build_sender, build_web_app
from bot.domain.ledger_records import LedgerActor
from bot.handlers.admin.program import MESSAGE_LIMIT, split_message
from bot.web.miniapp import MINIAPP
from tests.conftest import OWNER_ID, ROOT, BotUnderTest
from tests.integration.membership.helpers import last
from tests.integration.staff.test_till import CASHIER, OWNER, STRANGER, hire, in_admin_chat
from tests.kit.telegram import user

MANAGER = user(2002, "Mike", "en")
PROGRAM_TEXT = (ROOT / "program.toml").read_text(encoding="utf-8")
SILVER_EARNS_3 = "threshold = 0\nearn_percent = 3\n"


def program_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(text, encoding="utf-8")
    return path


def edited(old: str, new: str) -> str:
    assert PROGRAM_TEXT.count(old) == 1, old
    return PROGRAM_TEXT.replace(old, new)


async def points_for_1000(app: BotUnderTest, key: str) -> int:
    """Points a 1 000 ₽ food purchase earns a silver member, through the ledger the handlers
    get now."""
    member = await Member.create(
        telegram_id=None,
        status="active",
        card_code=f"9{key}",
        referral_code=key,
        tier_code="silver",
    )
    ledger = app.container.dispatcher.workflow_data["ledger"]
    result = await ledger.record_purchase(
        member.id, 1000_00, "food", key, LedgerActor.owner(OWNER_ID)
    )
    return int(result.points_earned)


def shown(app: BotUnderTest) -> str:
    """Every text sent, with the no-break spaces of money as plain spaces."""
    return "\n".join(app.session.texts()).replace("\xa0", " ").replace("\u202f", " ")


async def test_program_shows_the_active_rules_in_the_readers_language(app: BotUnderTest) -> None:
    await in_admin_chat(app, OWNER, "/program")
    russian = shown(app)
    for part in (
        "Coffee &amp; Co",
        "Серебро: от 0 ₽, начисление 3 %, скидка 0 %",
        "Золото: от 15 000 ₽, начисление 5 %, скидка 3 %",
        "Кофе: баллы × 2",
        "за вступление: 100",
        "points_expiry: ежедневно в 03:00",
        "birthday: каждый час",
        "Кофе −20 % (coffee20): −20 % на категорию «Кофе», действует 14 дн.",
        "Как вам у нас? (visit): вопросов 5, 2026-01-01 – 2027-12-31, 50 баллов",
        "от 300 ₽; не больше 10 друзей в месяц",
        "Ежедневная сводка</b>: ежедневно в 09:00",
    ):
        assert part in russian, part
    assert "winback" not in russian  # disabled automations are not listed

    app.session.clear()
    await hire(app, MANAGER, "manager")
    app.session.clear()
    await in_admin_chat(app, MANAGER, "/program")
    english = shown(app)
    assert "Silver: from 0" in english and "daily at 03:00" in english
    assert all(len(text) <= MESSAGE_LIMIT for text in app.session.texts())


async def test_a_cashier_and_a_stranger_do_not_see_the_program(app: BotUnderTest) -> None:
    await hire(app, CASHIER)
    for person in (CASHIER, STRANGER):
        app.session.clear()
        await in_admin_chat(app, person, "/program")
        assert app.session.texts() == ["You are not allowed to do this."]


def test_long_rules_are_split_within_the_limit_without_losing_a_line() -> None:
    sections = ["title", "\n".join(f"line {n}" for n in range(400)), "x" * 25, "tail"]
    messages = split_message(sections, limit=100)
    assert all(len(m) <= 100 for m in messages)
    assert "\n".join(messages).split() == "\n".join(sections).split()
    assert split_message(["a", "b"], limit=100) == ["a\n\nb"]
    assert split_message(["y" * 250], limit=100) == ["y" * 100, "y" * 100, "y" * 50]


async def test_a_bad_file_is_refused_and_the_old_rules_keep_running(
    app: BotUnderTest, tmp_path: Path
) -> None:
    live = app.container.live
    before = live.program
    live.path = program_file(
        tmp_path, edited(SILVER_EARNS_3, "threshold = 0\nearn_percent = 150\n")
    )
    await in_admin_chat(app, OWNER, "/reload")
    reply = last(app).text
    assert "не принят" in reply and "действуют прежние правила" in reply
    assert str(live.path) in reply
    assert "tiers.levels.0.earn_percent" in reply
    assert "must be a percent between 0 and 100" in reply
    assert live.program is before and app.container.program is before
    assert await points_for_1000(app, "a1") == 30  # still 3 %

    live.path = tmp_path / "missing.toml"
    await in_admin_chat(app, OWNER, "/reload")
    assert "file not found" in last(app).text
    assert await points_for_1000(app, "a2") == 30


async def test_a_good_file_takes_effect_everywhere_at_once(
    app: BotUnderTest, tmp_path: Path
) -> None:
    container = app.container
    scheduler = build_scheduler(container)
    sender = build_sender(container)
    web_app = build_web_app(container)
    await scheduler.start()
    try:
        assert scheduler.leading
        old_services = container.services
        assert _hour(scheduler, "points_expiry") == "3"
        assert _hour(scheduler, "daily_digest") == "9"
        assert await points_for_1000(app, "b1") == 30

        text = edited(SILVER_EARNS_3, "threshold = 0\nearn_percent = 10\n")
        text = text.replace('currency = "RUB"', 'currency = "EUR"', 1)
        text = text.replace("welcome = 100 ", "welcome = 500 ", 1)
        text = text.replace(
            "[automations.points_expiry]\nenabled = true\nhour = 3",
            ("[automations.points_expiry]\nenabled = true\nhour = 5"),
        )
        text = text.replace(
            "[digest]\nenabled = true\nhour = 9", "[digest]\nenabled = true\nhour = 7"
        )
        container.live.path = program_file(tmp_path, text)
        await in_admin_chat(app, OWNER, "/reload")
        assert "перечитан" in last(app).text

        assert await points_for_1000(app, "b2") == 100  # 10 % from the very next purchase
        assert container.services is not old_services
        assert container.services.updates is old_services.updates  # program-free: kept
        assert container.dispatcher.workflow_data["program"] is container.live.program
        assert _hour(scheduler, "points_expiry") == "5"
        assert _hour(scheduler, "daily_digest") == "7"
        assert sender.config.currency == "EUR"
        assert web_app[MINIAPP].program.currency == "EUR"
        assert web_app[MINIAPP].till is container.services.till

        app.session.clear()
        await in_admin_chat(app, OWNER, "/program")
        assert "за вступление: 500" in shown(app)
    finally:
        await scheduler.stop()


def _hour(scheduler: object, job_id: str) -> str:
    job = scheduler._scheduler.get_job(job_id)  # type: ignore[attr-defined]
    assert isinstance(job.trigger, CronTrigger)
    return next(str(f) for f in job.trigger.fields if f.name == "hour")


async def test_only_an_owner_reloads(app: BotUnderTest, tmp_path: Path) -> None:
    live = app.container.live
    before = live.program
    live.path = program_file(tmp_path, edited(SILVER_EARNS_3, "threshold = 0\nearn_percent = 9\n"))
    await hire(app, MANAGER, "manager")
    for person in (MANAGER, CASHIER, STRANGER):
        await in_admin_chat(app, person, "/reload")
        assert "not allowed" in last(app).text or "Only an owner" in last(app).text
    assert live.program is before
    assert await points_for_1000(app, "c1") == 30
