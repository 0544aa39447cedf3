"""End to end: the bot as a separate process (`python -m bot run`) against the sandbox Bot API
emulator over real HTTP, driven through the emulator's control API as the users would."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.sandbox import SandboxHandle, start_sandbox

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:E2E-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    log: Path

    async def stop(self) -> int:
        """SIGTERM, as a service manager would; the bot must exit cleanly by itself."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode if self.process.returncode is not None else -1


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxHandle]:
    handle = await start_sandbox("127.0.0.1", 0, token=TOKEN)
    yield handle
    await handle.close()


async def start_bot(tmp_path: Path, api_base: str, **env: str) -> BotProcess:
    log = tmp_path / "bot.log"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WEBHOOK_", "BOT_"))},
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE": api_base,
        "DATABASE_URL": f"sqlite://{tmp_path / 'bot.sqlite3'}",
        "PROGRAM_FILE": str(ROOT / "program.toml"),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=environment,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
        )
    return BotProcess(process, log)
