"""Two partners, each with one outlet: alpha (the home partner, outlet a1) and beta (b1)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from bot.bootstrap import build_web_app
from bot.domain.coalition import OutletConfig, PartnerConfig
from bot.domain.program import Program
from bot.domain.staff import SHELL_OPERATOR
from tests.conftest import BotUnderTest
from tests.integration.pos_api.conftest import Client, Pos

ROOT = Path(__file__).resolve().parents[3]
PARTNERS = (
    PartnerConfig("alpha", "Alpha Coffee", (OutletConfig("a1", "Alpha, Main St"),)),
    PartnerConfig("beta", "Beta Books", (OutletConfig("b1", "Beta, Mall"),)),
)
PARTNERS_TOML = """
[[partners]]
code = "alpha"
name = "Alpha Coffee"
outlets = [{ code = "a1", name = "Alpha, Main St" }]

[[partners]]
code = "beta"
name = "Beta Books"
outlets = [{ code = "b1", name = "Beta, Mall" }]
"""


@pytest.fixture(scope="session")
def program(program: Program) -> Program:
    return dataclasses.replace(program, partners=PARTNERS)


def program_file(tmp_path: Path) -> Path:
    """The example program with alpha and beta instead of its own partner (for the CLI)."""
    text = (ROOT / "program.toml").read_text(encoding="utf-8")
    path = tmp_path / "program.toml"
    path.write_text(text[: text.index("[[partners]]")] + PARTNERS_TOML, encoding="utf-8")
    return path


@dataclasses.dataclass
class Outlets:
    a1: Pos
    b1: Pos


@pytest.fixture
async def outlets(app: BotUnderTest, aiohttp_client: Any) -> Outlets:
    """The partners synced from the program, and a POS API client with a key per outlet."""
    await app.container.services.coalition.sync()
    app.container.settings.pos_api_burst = 1000
    client: Client = await aiohttp_client(build_web_app(app.container))
    keys = app.container.services.api_keys
    a1 = await keys.create(SHELL_OPERATOR, "a1")
    b1 = await keys.create(SHELL_OPERATOR, "b1")
    return Outlets(Pos(client, a1.secret, a1.key_id), Pos(client, b1.secret, b1.key_id))
