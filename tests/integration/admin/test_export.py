"""/export through the real dispatcher: three CSV documents with the tables' rows, a forgotten
member anonymised in every one of them, rows paged by id, and only owners and managers served."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import SendDocument
from aiohttp import web

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.ledger import LedgerEntry, Purchase
from bot.adapters.db.uow import tortoise_uow_factory
from bot.domain.exports import EXPORTS
from bot.domain.staff import Actor, Role
from bot.handlers.admin.export import CsvDocument
from bot.services.exports import Exports
from tests.conftest import ADMIN_CHAT_ID, OWNER_ID, BotUnderTest
from tests.integration.membership.helpers import last
from tests.integration.staff.test_till import CASHIER, OWNER, STRANGER, hire, in_admin_chat


async def plant(app: BotUnderTest) -> dict[str, int]:
    """Anna and Boris with a purchase and its ledger entry each (a staff note on both); then
    Boris asks to be forgotten."""
    now = app.container.clock.now()
    people = {
        "anna": {"first_name": "Anna", "phone": "+79990000001", "external_id": "pos-1"},
        "boris": {"first_name": "Борис", "phone": "+79990000002", "external_id": "pos-2"},
    }
    ids = {}
    for number, (name, personal) in enumerate(people.items(), start=1):
        member = await Member.create(
            telegram_id=8800 + number,
            status="active",
            card_code=f"88000000{number}",
            referral_code=f"e{number}",
            username=name,
            birthday=date(1990, 1, number),
            joined_at=now - timedelta(days=10),
            balance=30,
            tier_code="silver",
            **personal,
        )
        purchase = await Purchase.create(
            member_id=member.id,
            amount=1000_00,
            points_earned=30,
            category="food",
            receipt_no=f"R-{number}",
            idempotency_key=f"p{number}",
            request_hash="-",
            created_at=now - timedelta(days=2),
        )
        await LedgerEntry.create(
            member_id=member.id,
            amount=30,
            reason="purchase",
            actor_type="staff",
            idempotency_key=f"l{number}",
            balance_after=30,
            purchase_id=purchase.id,
            note=f"{personal['first_name']} asked for a receipt",
            created_at=now - timedelta(days=2),
        )
        ids[name] = member.id
    await app.container.services.membership.forget(8802)
    return ids


async def content(app: BotUnderTest, document: SendDocument) -> list[dict[str, str]]:
    file = document.document
    assert isinstance(file, CsvDocument)
    data = b"".join([chunk async for chunk in file.read(app.container.bot)])
    assert data.startswith("\ufeff".encode())  # a byte order mark for spreadsheets
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_export_sends_three_csv_documents_with_forgotten_members_anonymised(
    app: BotUnderTest,
) -> None:
    ids = await plant(app)
    await in_admin_chat(app, OWNER, "/export")
    documents = app.session.sent("SendDocument")
    assert [(d.chat_id, d.document.filename, d.caption) for d in documents] == [
        (ADMIN_CHAT_ID, "members.csv", "Участники"),
        (ADMIN_CHAT_ID, "purchases.csv", "Покупки"),
        (ADMIN_CHAT_ID, "ledger.csv", "Движение баллов"),
    ]
    members, purchases, ledger = [await content(app, d) for d in documents]

    assert list(members[0]) == list(EXPORTS["members"])
    anna, boris = members
    assert (anna["id"], anna["first_name"], anna["phone"]) == (
        str(ids["anna"]),
        "Anna",
        "+79990000001",
    )
    assert (anna["birthday"], anna["external_id"], anna["balance"]) == ("1990-01-01", "pos-1", "30")
    assert anna["marketing_opt_in"] == "1" and anna["joined_at"].startswith("2026-02-20T09:00")
    assert boris["id"] == str(ids["boris"]) and boris["status"] == "forgotten"
    personal = ("telegram_id", "first_name", "username", "phone", "external_id", "birthday")
    assert all(boris[column] == "" for column in personal)
    assert boris["forgotten_at"] != "" and boris["balance"] == "30"  # accounting stays

    assert [(p["member_id"], p["amount"], p["receipt_no"]) for p in purchases] == [
        (str(ids["anna"]), "100000", "R-1"),
        (str(ids["boris"]), "100000", "R-2"),
    ]
    assert [(e["member_id"], e["amount"], e["note"]) for e in ledger] == [
        (str(ids["anna"]), "30", "Anna asked for a receipt"),
        (str(ids["boris"]), "30", ""),  # staff's free text about a forgotten member: gone
    ]
    everything = "".join(str(row) for row in [*members, *purchases, *ledger])
    assert "Борис" not in everything and "+79990000002" not in everything


async def test_one_table_on_request_and_usage_on_a_wrong_name(app: BotUnderTest) -> None:
    await plant(app)
    await in_admin_chat(app, OWNER, "/export ledger")
    assert [d.document.filename for d in app.session.sent("SendDocument")] == ["ledger.csv"]
    await in_admin_chat(app, OWNER, "/export staff")
    assert "/export members" in last(app).text
    assert len(app.session.sent("SendDocument")) == 1


async def test_rows_are_read_in_pages_by_id(app: BotUnderTest) -> None:
    ids = await plant(app)
    member = ids["anna"]
    now = app.container.clock.now()
    for n in range(3):
        await Purchase.create(
            member_id=member,
            amount=n + 1,
            idempotency_key=f"x{n}",
            request_hash="-",
            created_at=now,
        )
    exports = Exports(tortoise_uow_factory, page_size=2)
    pages = [page async for page in exports.pages(Actor(OWNER_ID, Role.OWNER), "purchases")]
    assert [len(page) for page in pages] == [2, 2, 1]
    row_ids = [int(row[0]) for page in pages for row in page]
    assert row_ids == sorted(row_ids) and len(set(row_ids)) == 5


async def test_a_cashier_and_a_stranger_get_no_export(app: BotUnderTest) -> None:
    await plant(app)
    await hire(app, CASHIER)
    for person in (CASHIER, STRANGER):
        await in_admin_chat(app, person, "/export")
        assert "not allowed" in last(app).text
    assert app.session.sent("SendDocument") == []


async def test_the_document_is_streamed_into_a_real_multipart_upload(
    aiohttp_server: Any,
) -> None:
    """Through aiogram's real HTTP session (not the recording one): the pages are pulled while
    the request body is written, and the Bot API receives one whole CSV file."""
    received: dict[str, Any] = {}

    async def send_document(request: web.Request) -> web.Response:
        form = await request.post()
        field = form[str(form["document"]).removeprefix("attach://")]
        assert isinstance(field, web.FileField)
        received.update(name=field.filename, data=field.file.read())
        message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}
        return web.json_response({"ok": True, "result": message})

    async def pages() -> AsyncIterator[list[list[str]]]:
        for n in range(3):
            yield [[str(n), 'Борис, "B"']]

    api = web.Application()
    api.router.add_post("/bot42:T/sendDocument", send_document)
    server = await aiohttp_server(api)
    session = AiohttpSession(api=TelegramAPIServer.from_base(str(server.make_url(""))))
    try:
        bot = Bot("42:T", session=session)
        await bot.send_document(1, CsvDocument(["id", "name"], pages(), "members.csv"))
    finally:
        await session.close()
    assert received["name"] == "members.csv"
    rows = list(csv.reader(io.StringIO(received["data"].decode("utf-8-sig"))))
    assert rows == [["id", "name"], ["0", 'Борис, "B"'], ["1", 'Борис, "B"'], ["2", 'Борис, "B"']]
