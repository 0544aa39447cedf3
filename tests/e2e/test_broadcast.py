"""An owner's broadcast to 50 members, end to end: the bot as a separate process polling the
emulator, the wizard driven from the admin group, every member receiving the message once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.sandbox import SandboxHandle
from bot.sandbox.client import SandboxClient, SentMessage
from bot.sandbox.personas import ADMIN_CHAT_ID, OLGA
from tests.e2e.conftest import ROOT, start_bot

WAIT = 30.0
RECIPIENTS = 50


async def seed_members(database_url: str, telegram_ids: list[int]) -> None:
    """Members who finished joining, made through the services in a separate process: tortoise
    builds its SQL for the first database a process opens, and the test process must stay free
    to open PostgreSQL afterwards."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.seed", database_url, *map(str, telegram_ids),
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert await process.wait() == 0


async def next_with_buttons(client: SandboxClient) -> SentMessage:
    return await client.wait_for_message(ADMIN_CHAT_ID, lambda m: bool(m.inline_buttons), WAIT)


async def test_owner_broadcast_reaches_fifty_members_once(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    client = sandbox.client
    members = await client.create_users(RECIPIENTS, start_id=700_001, started=True)
    database_url = f"sqlite://{tmp_path / 'bot.sqlite3'}"
    await seed_members(database_url, members)
    # The bot runs on the wall clock: without QUIET_HOURS=off, a run between 22:00 and 09:00
    # in the members' time zone would (rightly) hold every message until morning.
    bot = await start_bot(
        tmp_path,
        sandbox.api_base,
        OWNER_IDS=str(OLGA),
        ADMIN_CHAT_IDS=str(ADMIN_CHAT_ID),
        QUIET_HOURS="off",
    )
    try:
        await client.send_text(OLGA, "/broadcast", chat_id=ADMIN_CHAT_ID)
        segments = await next_with_buttons(client)
        await client.press(OLGA, segments.message_id, "bc:seg:all", chat_id=ADMIN_CHAT_ID)
        asked = await client.wait_for_message(ADMIN_CHAT_ID, timeout=WAIT)
        assert f"{RECIPIENTS} recipients" in asked.content, asked.content
        await client.send_text(OLGA, "Coffee <b>week</b> starts today!", chat_id=ADMIN_CHAT_ID)
        await client.wait_for_message(ADMIN_CHAT_ID, timeout=WAIT)  # a photo?
        await client.send_text(OLGA, "/skip", chat_id=ADMIN_CHAT_ID)
        await client.wait_for_message(ADMIN_CHAT_ID, timeout=WAIT)  # a button?
        await client.send_text(OLGA, "/skip", chat_id=ADMIN_CHAT_ID)
        preview = await next_with_buttons(client)
        await client.press(OLGA, preview.message_id, "bc:now", chat_id=ADMIN_CHAT_ID)
        confirm = await next_with_buttons(client)
        assert str(RECIPIENTS) in confirm.content
        await client.press(OLGA, confirm.message_id, "bc:confirm", chat_id=ADMIN_CHAT_ID)

        received: dict[int, int] = {}
        for _ in range(int(WAIT * 10)):
            for member in members:
                messages = await client.sent_to(member)
                received[member] = sum("Coffee" in m.content for m in messages)
            if all(received.values()):
                break
            await asyncio.sleep(0.1)
    finally:
        code = await bot.stop()
    assert sorted(set(received.values())) == [1], received  # everyone, exactly once
    assert code == 0, bot.log.read_text()
