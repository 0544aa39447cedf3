from __future__ import annotations

from pathlib import Path

from bot.sandbox import SandboxHandle
from bot.sandbox.personas import ANNA
from tests.e2e.conftest import free_port, start_bot


async def test_polling_bot_answers_start_and_stops_cleanly(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    bot = await start_bot(tmp_path, sandbox.api_base)
    try:
        await sandbox.client.start(ANNA)
        reply = await sandbox.client.wait_for_message(ANNA, timeout=30)
    finally:
        code = await bot.stop()
    assert "Coffee & Co" in reply.content, bot.log.read_text()
    assert code == 0, bot.log.read_text()


async def test_webhook_bot_answers_start_through_the_secret_webhook(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    port = free_port()
    bot = await start_bot(
        tmp_path,
        sandbox.api_base,
        WEBHOOK_URL=f"http://127.0.0.1:{port}",
        WEBHOOK_SECRET="e2e-secret",
        WEB_PORT=str(port),
    )
    try:
        await sandbox.client.start(ANNA)
        reply = await sandbox.client.wait_for_message(ANNA, timeout=30)
    finally:
        code = await bot.stop()
    assert "Coffee & Co" in reply.content, bot.log.read_text()
    assert code == 0, bot.log.read_text()
