"""The /broadcast wizard through the real dispatcher: the outbox rows it writes, who may use
it, cancel, and a scheduled broadcast enqueued by its job at its time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from aiogram.types import CallbackQuery, Chat, Message, MessageEntity, PhotoSize, Update, User

from bot.adapters.db.models.broadcasts import Broadcast
from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import Campaign, MediaFile, OutboxMessage
from bot.adapters.db.models.offers import Coupon
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.broadcasts import BroadcastDraft, Segment
from bot.domain.delivery import Sent
from bot.domain.errors import InvalidInput, PermissionDenied
from bot.domain.staff import Actor, Role
from bot.handlers.admin.broadcast import ProgressWatcher
from bot.scheduler import jobs
from bot.services.broadcasts import Broadcasts
from tests.conftest import ADMIN_CHAT_ID, OWNER_ID, BotUnderTest
from tests.integration.membership.helpers import feed, inline_data, last
from tests.integration.staff.test_till import CASHIER, OWNER, STRANGER, hire, in_admin_chat
from tests.kit.telegram import BOT_USER

_ids = itertools.count(900_000)
ADMIN_CHAT = Chat(id=ADMIN_CHAT_ID, type="supergroup", title="Owners")


def _message(sender: User, **fields: object) -> Message:
    return Message(
        message_id=next(_ids), date=datetime.now(UTC), chat=ADMIN_CHAT, from_user=sender, **fields
    )


async def press(app: BotUnderTest, sender: User, data: str) -> None:
    """A button pressed under a message in the admin chat."""
    query = CallbackQuery(
        id=str(next(_ids)),
        from_user=sender,
        chat_instance="admin",
        data=data,
        message=Message(
            message_id=next(_ids),
            date=datetime.now(UTC),
            chat=ADMIN_CHAT,
            from_user=BOT_USER,
            text="…",
        ),
    )
    await feed(app, Update(update_id=next(_ids), callback_query=query))


async def send(app: BotUnderTest, sender: User, **fields: object) -> None:
    await feed(app, Update(update_id=next(_ids), message=_message(sender, **fields)))


async def plant_members(app: BotUnderTest) -> dict[str, int]:
    """Three members who can get marketing, one opted out, one unreachable, one still joining."""
    now = app.container.clock.now()
    people = {
        "anna": {},
        "boris": {"tier_code": "gold", "source": "staff"},
        "vera": {"joined_at": now - timedelta(days=40)},
        "opted_out": {"marketing_opt_in": False},
        "unreachable": {"reachable": False},
        "joining": {"status": "joining"},
    }
    ids = {}
    for number, (name, extra) in enumerate(people.items(), start=1):
        values = {
            "telegram_id": 7000 + number,
            "status": "active",
            "card_code": f"1000000{number}",
            "referral_code": f"ref{number}",
            "joined_at": now - timedelta(days=2),
            "locale": "en",
            **extra,
        }
        ids[name] = (await Member.create(**values)).id
    return ids


def watcher(app: BotUnderTest) -> ProgressWatcher:
    found = app.container.dispatcher.workflow_data["broadcast_watcher"]
    assert isinstance(found, ProgressWatcher)
    found.interval = 0.0
    return found


async def compose(
    app: BotUnderTest,
    segment: str = "all",
    argument: str | None = None,
    button: str = "/skip",
    photo: bool = False,
) -> None:
    """/broadcast through the preview: segment, a bold text, photo or /skip, button or /skip."""
    await in_admin_chat(app, OWNER, "/broadcast")
    assert f"bc:seg:{segment}" in inline_data(last(app))
    await press(app, OWNER, f"bc:seg:{segment}")
    if argument is not None:
        await send(app, OWNER, text=argument)
    await send(
        app,
        OWNER,
        text="Hello all <3",
        entities=[MessageEntity(type="bold", offset=0, length=5)],
    )
    if photo:
        await send(
            app, OWNER, photo=[PhotoSize(file_id="PHOTO-1", file_unique_id="u", width=9, height=9)]
        )
    else:
        await send(app, OWNER, text="/skip")
    await send(app, OWNER, text=button)


async def test_the_wizard_queues_the_segment_minus_opted_out_and_unreachable(
    app: BotUnderTest,
) -> None:
    ids = await plant_members(app)
    await compose(app)
    preview, actions = app.session.sent("SendMessage")[-2:]
    assert preview.text == "<b>Hello</b> all &lt;3"  # the owner's formatting, as sent
    assert "bc:now" in inline_data(actions)

    await press(app, OWNER, "bc:test")
    assert last(app).chat_id == OWNER_ID and last(app).text == "<b>Hello</b> all &lt;3"

    await press(app, OWNER, "bc:now")
    assert "3" in last(app).text  # the confirmation names the recipient count
    assert await OutboxMessage.all().count() == 0  # nothing queued before the confirmation

    await press(app, OWNER, "bc:confirm")
    rows = await OutboxMessage.all().order_by("member_id")
    assert [r.member_id for r in rows] == [ids["anna"], ids["boris"], ids["vera"]]
    assert {(r.status, r.kind, r.content_key) for r in rows} == {
        ("pending", "marketing", "broadcast-text")
    }
    assert rows[0].content_vars == {"text": "<b>Hello</b> all &lt;3"}
    assert inline_data(last(app)) == [f"bc:stop:{rows[0].campaign_id}"]

    # The sender delivers everything: the watcher turns the progress message into the report.
    delivery = app.container.services.delivery
    dispatches = await delivery.claim(10)
    await delivery.record([Sent(d.id) for d in dispatches])
    await watcher(app).wait()
    report = last(app, "EditMessageText")
    assert "3" in report.text and report.reply_markup is None


async def test_segments_with_an_argument_and_a_coupon_with_a_photo(app: BotUnderTest) -> None:
    ids = await plant_members(app)
    await compose(app, "new", "7", button="coffee20", photo=True)
    assert last(app, "SendPhoto").photo == "PHOTO-1"
    await press(app, OWNER, "bc:now")
    await press(app, OWNER, "bc:confirm")
    rows = await OutboxMessage.all().order_by("member_id")
    # vera joined 40 days ago: not new in the last 7.
    assert [r.member_id for r in rows] == [ids["anna"], ids["boris"]]
    assert rows[0].photo == "tg:PHOTO-1"
    assert (
        rows[0].buttons
        == [[{"text_key": "broadcast-button-offer", "callback_data": "offers:show", "url": None}]]
        or rows[0].buttons
    )
    assert (await MediaFile.get(source="tg:PHOTO-1")).file_id == "PHOTO-1"
    coupons = await Coupon.all().order_by("member_id")
    assert [(c.member_id, c.offer_code, c.campaign_id) for c in coupons] == [
        (ids["anna"], "coffee20", rows[0].campaign_id),
        (ids["boris"], "coffee20", rows[0].campaign_id),
    ]
    await watcher(app).close()


async def test_tier_and_channel_segments_count_their_members(app: BotUnderTest) -> None:
    await plant_members(app)
    broadcasts = app.container.services.broadcasts
    owner = Actor(OWNER_ID, Role.OWNER)
    assert await broadcasts.count(owner, Segment.parse("tier", "gold")) == 1
    assert await broadcasts.count(owner, Segment.parse("channel", "staff")) == 1
    assert await broadcasts.count(owner, Segment.parse("active")) == 0
    with pytest.raises(InvalidInput):
        await broadcasts.count(owner, Segment.parse("tier", "bronze"))
    with pytest.raises(PermissionDenied):
        await broadcasts.count(Actor(CASHIER.id, Role.CASHIER), Segment.parse("all"))


async def test_a_cashier_and_a_stranger_are_refused(app: BotUnderTest) -> None:
    await plant_members(app)
    await hire(app, CASHIER)
    for person in (CASHIER, STRANGER):
        await in_admin_chat(app, person, "/broadcast")
        assert "not allowed" in last(app).text
        await press(app, person, "bc:seg:all")
    await compose(app)
    await press(app, OWNER, "bc:now")
    await press(app, OWNER, "bc:confirm")
    campaign = await Campaign.first()
    assert campaign is not None
    await press(app, STRANGER, f"bc:stop:{campaign.id}")
    assert await OutboxMessage.filter(status="pending").count() == 3
    await watcher(app).close()


async def test_cancel_stops_the_pending_rows(app: BotUnderTest) -> None:
    await plant_members(app)
    await compose(app)
    await press(app, OWNER, "bc:now")
    await press(app, OWNER, "bc:confirm")
    delivery = app.container.services.delivery
    first = await delivery.claim(1)
    await delivery.record([Sent(d.id) for d in first])
    campaign = await Campaign.first()
    assert campaign is not None
    await press(app, OWNER, f"bc:stop:{campaign.id}")
    statuses = sorted(await OutboxMessage.all().values_list("status", flat=True))
    assert statuses == ["cancelled", "cancelled", "sent"]
    assert await delivery.claim(10) == []
    await watcher(app).wait()  # nothing pending: the watcher reports and stops
    assert "отменено: 2" in last(app, "EditMessageText").text  # the owner reads Russian


async def test_a_scheduled_broadcast_is_enqueued_by_its_job_at_its_time(
    app: BotUnderTest,
) -> None:
    ids = await plant_members(app)
    clock = app.container.clock  # 2026-03-02 09:00 UTC = 12:00 in Moscow
    await compose(app)
    await press(app, OWNER, "bc:schedule")
    await send(app, OWNER, text="2026-03-02 11:00")
    assert "прошло" in last(app).text  # 11:00 in Moscow has passed
    await send(app, OWNER, text="2026-03-02 15:30")
    await press(app, OWNER, "bc:confirm")
    broadcast = await Broadcast.get()
    assert broadcast.status == "scheduled"
    assert broadcast.scheduled_for == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
    assert await OutboxMessage.all().count() == 0

    broadcasts = app.container.services.broadcasts
    assert await jobs.enqueue_scheduled_broadcasts(broadcasts, clock.now()) == []
    await Member.filter(id=ids["vera"]).update(marketing_opt_in=False)  # opts out meanwhile
    at = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
    assert await jobs.enqueue_scheduled_broadcasts(broadcasts, at) == [broadcast.campaign_id]
    assert await jobs.enqueue_scheduled_broadcasts(broadcasts, at) == []  # exactly once
    rows = await OutboxMessage.all().order_by("member_id").values_list("member_id", flat=True)
    assert list(rows) == [ids["anna"], ids["boris"]]
    assert (await Broadcast.get()).status == "enqueued"
    notice = last(app)
    assert notice.chat_id == ADMIN_CHAT_ID and f"№{broadcast.campaign_id}" in notice.text


async def test_a_holdout_gets_held_out_rows_and_no_coupon(app: BotUnderTest) -> None:
    ids = await plant_members(app)
    container = app.container
    broadcasts = Broadcasts(
        tortoise_uow_factory,
        container.clock,
        container.program,
        container.services.delivery,
        holdout_share=0.5,
    )
    draft = BroadcastDraft(Segment.parse("all"), "hi", offer_code="coffee20")
    launch = await broadcasts.launch(Actor(OWNER_ID, Role.OWNER), draft)
    rows = await OutboxMessage.all().values_list("member_id", "status")
    held = {m for m, status in rows if status == "held_out"}
    assert launch.held_out == len(held) and launch.recipients == 3 - len(held)
    assert len(rows) == 3
    coupons = set(await Coupon.all().values_list("member_id", flat=True))
    assert coupons == {ids["anna"], ids["boris"], ids["vera"]} - held
