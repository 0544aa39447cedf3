"""The sandbox's web chat in headless Chromium, as a person trying the bot would use it: Anna
joins by clicking, shows her card, Carol scans it from her pane and records a purchase, and the
points arrive in Anna's pane. The bot runs as `python -m bot sandbox` (the README's run command
with no token)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ROOT, free_port

TIMEOUT_MS = 30_000


async def start_demo(tmp_path: Path, port: int) -> tuple[asyncio.subprocess.Process, Path]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "BOT_"))},
        "PROGRAM_FILE": str(ROOT / "program.toml"),
        "PYTHONPATH": str(ROOT),
        "WEB_PORT": str(free_port()),
    }
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "sandbox", "--port", str(port),
            cwd=tmp_path, env=environment, stdout=out, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    for _ in range(600):
        if "Sandbox is running" in log.read_text():
            break
        await asyncio.sleep(0.1)
    return process, log


async def test_join_scan_and_purchase_by_clicking_through_the_web_chat(
    browser_page: Any, tmp_path: Path
) -> None:
    port = free_port()
    process, log = await start_demo(tmp_path, port)
    page = browser_page
    page.set_default_timeout(TIMEOUT_MS)
    try:
        await page.goto(f"http://127.0.0.1:{port}/")
        anna = page.locator("section.pane").filter(has=page.locator(".name", has_text="Anna"))
        carol = page.locator("section.pane").filter(has=page.locator(".name", has_text="Carol"))

        async def say(pane: Any, text: str) -> None:
            await pane.locator("input.text").fill(text)
            await pane.locator("input.text").press("Enter")

        async def click(pane: Any, area: str, label: str) -> None:
            await pane.locator(f"{area} button", has_text=label).last.click()

        await say(anna, "/start")
        await click(anna, ".messages", "Принимаю")
        await click(anna, ".keyboard", "Отправить мой номер")
        await click(anna, ".keyboard", "Да, так")
        await click(anna, ".keyboard", "Пропустить")
        await anna.locator(".messages").get_by_text("Приветственный бонус", exact=False).wait_for()
        await click(anna, ".keyboard", "Моя карта")
        await anna.locator(".messages img").first.wait_for()

        await carol.locator("select.scan-customer").select_option(label="Anna")
        await carol.locator("button.scan").click()
        await click(carol, ".messages", "Record purchase")
        await say(carol, "450")
        await click(carol, ".messages", "Coffee")
        await click(carol, ".messages", "No receipt")
        await click(carol, ".messages", "Confirm")
        await carol.locator(".messages").get_by_text("Earned: 27 points").wait_for()

        await anna.locator(".messages").get_by_text("450", exact=False).last.wait_for()
        await say(anna, "/balance")
        await anna.locator(".messages").get_by_text("127 баллов", exact=False).wait_for()
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)
    assert process.returncode == 0, log.read_text()
