from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.bootstrap import build_web_app
from tests.conftest import BotUnderTest


@pytest.fixture
async def client(app: BotUnderTest, aiohttp_client: Any) -> TestClient[Any, Any]:
    """The bot's real web app (webhook, Mini App page and API) on a test server."""
    result: TestClient[Any, Any] = await aiohttp_client(build_web_app(app.container))
    return result
