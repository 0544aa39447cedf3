"""The whole customer journey over real HTTP, with the bot as a separate process: join, card,
the cashier scans it, records a purchase, the customer gets the receipt and sees the balance.

Once through `python -m bot sandbox` (what the README's run command starts with no token: the
emulator, the seeded demo and the bot polling it), once in webhook mode against an emulator
run by the test, where the owner first hires the cashier from the admin chat."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from bot.sandbox import SandboxHandle
from bot.sandbox.client import SandboxClient, SentMessage
from bot.sandbox.personas import ADMIN_CHAT_ID, ANNA, CAROL, OLGA
from tests.e2e.conftest import ROOT, free_port, start_bot

WAIT = 30.0


async def join_as_anna(client: SandboxClient) -> None:
    await client.start(ANNA)
    consent = await client.wait_for_message(ANNA, timeout=WAIT)
    await client.press(ANNA, consent.message_id, "join:agree")
    ask_phone = await client.wait_for_message(ANNA, lambda m: bool(m.keyboard_buttons), WAIT)
    await client.press_keyboard(ANNA, ask_phone.keyboard_buttons[0])
    ask_name = await client.wait_for_message(ANNA, lambda m: bool(m.keyboard_buttons), WAIT)
    await client.press_keyboard(ANNA, ask_name.keyboard_buttons[0])  # keep "Anna"
    ask_birthday = await client.wait_for_message(ANNA, lambda m: bool(m.keyboard_buttons), WAIT)
    await client.press_keyboard(ANNA, ask_birthday.keyboard_buttons[-1])  # skip
    await client.wait_for_message(ANNA, lambda m: "100" in m.content, WAIT)  # welcome bonus


async def cashier_records_a_purchase(client: SandboxClient) -> SentMessage:
    await client.send_text(ANNA, "/card")
    await client.wait_for_message(ANNA, lambda m: m.photo is not None, WAIT)
    await client.scan(CAROL, ANNA)
    view = await client.wait_for_message(CAROL, lambda m: "Anna" in m.content, WAIT)
    await client.press(CAROL, view.message_id, view.callback_data("Record"))
    await client.wait_for_message(CAROL, timeout=WAIT)
    await client.send_text(CAROL, "450")
    categories = await client.wait_for_message(CAROL, lambda m: bool(m.inline_buttons), WAIT)
    await client.press(CAROL, categories.message_id, "till-cat:coffee")
    receipt_no = await client.wait_for_message(CAROL, lambda m: bool(m.inline_buttons), WAIT)
    await client.press(CAROL, receipt_no.message_id, "till:no-receipt")
    summary = await client.wait_for_message(CAROL, lambda m: bool(m.inline_buttons), WAIT)
    await client.press(CAROL, summary.message_id, "till:confirm")
    return await client.wait_for_edit(
        CAROL, summary.message_id, newer_than=summary.version, timeout=WAIT
    )


async def customer_sees_receipt_and_balance(client: SandboxClient) -> None:
    # 450 ₽ of coffee at 3 % (silver) x2 = 27 points; the receipt comes from the outbox.
    receipt = await client.wait_for_message(ANNA, lambda m: "27" in m.content, WAIT)
    assert "450" in receipt.content
    await client.send_text(ANNA, "/balance")
    balance = await client.wait_for_message(ANNA, lambda m: "127" in m.content, WAIT)
    assert "127" in balance.content


async def test_journey_in_the_sandbox_demo(tmp_path: Path) -> None:
    port, web_port = free_port(), free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "BOT_"))},
        "PROGRAM_FILE": str(ROOT / "program.toml"),
        "PYTHONPATH": str(ROOT),
        "WEB_PORT": str(web_port),
    }
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sandbox", "--port", str(port),
            cwd=tmp_path, env=environment, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    client = SandboxClient(f"http://127.0.0.1:{port}")
    try:
        for _ in range(600):  # the demo migrates and seeds before it prints the URL
            if "Sandbox is running" in log.read_text():
                break
            await asyncio.sleep(0.1)
        assert re.search(r"open http://\S+ in a browser", log.read_text()), log.read_text()
        await join_as_anna(client)
        recorded = await cashier_records_a_purchase(client)  # Carol is the seeded cashier
        assert "27" in recorded.content
        await customer_sees_receipt_and_balance(client)
    finally:
        await client.close()
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)
    assert process.returncode == 0, log.read_text()


async def test_journey_with_the_bot_in_webhook_mode(sandbox: SandboxHandle, tmp_path: Path) -> None:
    port = free_port()
    bot = await start_bot(
        tmp_path,
        sandbox.api_base,
        WEBHOOK_URL=f"http://127.0.0.1:{port}",
        WEBHOOK_SECRET="e2e-secret",
        WEB_PORT=str(port),
        OWNER_IDS=str(OLGA),
        ADMIN_CHAT_IDS=str(ADMIN_CHAT_ID),
    )
    client = sandbox.client
    try:
        await client.send_text(OLGA, "/invite cashier", chat_id=ADMIN_CHAT_ID)
        invite = await client.wait_for_message(ADMIN_CHAT_ID, timeout=WAIT)
        token = re.search(r"start=(inv_[\w-]+)", invite.content)
        assert token, invite.content
        await client.start(CAROL, token.group(1))
        await client.wait_for_message(CAROL, timeout=WAIT)

        await join_as_anna(client)
        recorded = await cashier_records_a_purchase(client)
        assert "27" in recorded.content
        await customer_sees_receipt_and_balance(client)
    finally:
        code = await bot.stop()
    assert code == 0, bot.log.read_text()
