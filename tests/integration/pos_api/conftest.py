from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.adapters.db.models.core import Member, Outlet, Partner
from bot.bootstrap import build_web_app, card_secret
from bot.domain.card_token import card_code_for
from bot.domain.joining import normalize_phone
from bot.domain.ledger_records import LedgerActor
from bot.domain.members import MemberStatus
from bot.domain.program import RewardReason
from bot.domain.staff import SHELL_OPERATOR
from tests.conftest import BotUnderTest
from tests.integration.staff.test_till import ANNA

Client = TestClient[Any, Any]


@dataclass
class Pos:
    """The bot's real web app on a test server, and a key of the outlet `main`."""

    client: Client
    key: str
    key_id: str

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        sent.setdefault("Authorization", f"Bearer {key or self.key}")
        if idempotency_key is not None:
            sent["Idempotency-Key"] = idempotency_key
        response = await self.client.request(method, "/api/v1" + path, json=body, headers=sent)
        return response.status, await response.json()


async def outlet(code: str, partner_code: str) -> Outlet:
    partner, _ = await Partner.get_or_create(code=partner_code, defaults={"name": partner_code})
    return await Outlet.create(code=code, name=code, partner=partner)


@pytest.fixture
async def pos(app: BotUnderTest, aiohttp_client: Any) -> Pos:
    await outlet("main", "coffee-co")
    issued = await app.container.services.api_keys.create(SHELL_OPERATOR, "main")
    # The rate limit has a test of its own; here 40 concurrent requests must all pass.
    app.container.settings.pos_api_burst = 1000
    client: Client = await aiohttp_client(build_web_app(app.container))
    return Pos(client, issued.secret, issued.key_id)


async def anna(app: BotUnderTest) -> Member:
    """Anna, an active member with her 100 welcome points (made directly, so these tests do not
    depend on the joining conversation)."""
    row = await Member.create(
        telegram_id=ANNA.id,
        status=MemberStatus.ACTIVE.value,
        locale="en",
        first_name="Anna",
        phone=normalize_phone("+79990000001"),
        card_code="~pending",
        referral_code="ANNA0001",
        tier_code=app.container.program.base_tier.code,
        joined_at=app.container.clock.now(),
        consented_at=app.container.clock.now(),
    )
    row.card_code = card_code_for(row.id, card_secret(app.container.settings))
    await row.save(update_fields=["card_code"])
    await app.container.services.ledger.grant_reward(
        row.id, RewardReason.WELCOME, f"welcome:{row.id}", LedgerActor.system()
    )
    return await Member.get(id=row.id)
