"""POS API keys managed by an owner: from the admin chat (`/apikey_new`, `/apikeys`,
`/apikey_revoke`) and from the shell (`python -m bot api-key`). Either way the key is shown once,
works against the API at once, and is refused from the moment it is revoked."""

from __future__ import annotations

import asyncio
import html
import re
from pathlib import Path
from typing import Any

from bot.adapters.db.models.api import ApiKey
from bot.adapters.db.models.staff import AuditEntry
from bot.bootstrap import build_web_app
from tests.conftest import BotUnderTest
from tests.integration.coalition.conftest import Outlets
from tests.integration.membership.helpers import last, say
from tests.integration.pos_api.conftest import Client, Pos
from tests.integration.staff.test_coupons import MANAGER
from tests.integration.staff.test_till import OWNER, hire, in_admin_chat
from tests.unit.test_cli import run_cli

KEY = re.compile(r"pk[0-9a-f]{10}\.[\w-]+")


async def status_with(pos: Pos, key: str) -> tuple[int, str | None]:
    """What the API answers this key (member 999 does not exist: 404 means it was let in)."""
    status, body = await pos.call("GET", "/members/999/balance", key=key)
    return status, body.get("error")


async def test_an_owner_creates_lists_and_revokes_a_key_in_a_private_chat(
    app: BotUnderTest, outlets: Outlets
) -> None:
    t = app.container.i18n("ru")
    await say(app, OWNER, "/apikey_new b1")

    shown = html.unescape(last(app).text)
    found = KEY.search(shown)
    assert found, shown
    key = found.group(0)
    key_id = key.split(".")[0]
    assert await status_with(outlets.a1, key) == (404, "member-not-found")
    row = await ApiKey.get(key_id=key_id).select_related("outlet")
    assert row.outlet.code == "b1" and key.split(".")[1] not in row.digest
    audit = await AuditEntry.filter(action="api-key-create").order_by("-id").first()
    assert audit is not None and audit.actor_telegram_id == OWNER.id
    assert audit.details == {"key_id": key_id, "outlet": "b1"}

    await in_admin_chat(app, OWNER, "/apikeys")  # ids and states are no secret
    listing = last(app).text
    assert t("apikeys-line", key_id=key_id, outlet="b1", state=t("apikeys-active")) in listing
    assert key.split(".")[1] not in listing

    await in_admin_chat(app, OWNER, f"/apikey_revoke {key_id}")
    assert last(app).text == t("apikey-revoked", key_id=key_id)
    assert await status_with(outlets.a1, key) == (403, "api-key-revoked")
    await in_admin_chat(app, OWNER, "/apikeys")
    revoked = t("apikeys-revoked", day="2026-03-02")
    assert t("apikeys-line", key_id=key_id, outlet="b1", state=revoked) in last(app).text


async def test_a_key_is_never_shown_in_a_group(app: BotUnderTest, outlets: Outlets) -> None:
    before = await ApiKey.all().count()
    await in_admin_chat(app, OWNER, "/apikey_new a1")
    assert last(app).text == app.container.i18n("ru")("apikey-private-only")
    assert await ApiKey.all().count() == before


async def test_only_owners_manage_keys(app: BotUnderTest, outlets: Outlets) -> None:
    await hire(app, MANAGER, "manager")
    refused = app.container.i18n("en")("error-permission-denied-api-keys-owner-only")
    before = await ApiKey.all().count()

    for command in (
        "/apikey_new a1",
        "/apikey_new",
        "/apikeys",
        f"/apikey_revoke {outlets.a1.key_id}",
    ):
        await say(app, MANAGER, command)
        assert last(app).text == refused, command

    assert await ApiKey.all().count() == before
    assert await status_with(outlets.a1, outlets.a1.key) == (404, "member-not-found")


async def test_bad_arguments_get_the_usage_or_the_reason(
    app: BotUnderTest, outlets: Outlets
) -> None:
    t = app.container.i18n("ru")
    before = await ApiKey.all().count()

    await say(app, OWNER, "/apikey_new")
    assert last(app).text == t("apikey-new-usage", outlets="a1, b1")
    await say(app, OWNER, "/apikey_new <b>a1</b>")
    assert last(app).text == t("apikey-new-usage", outlets="a1, b1")
    await say(app, OWNER, "/apikey_new nowhere")
    assert last(app).text == t("error-not-found-outlet-unknown", outlet="nowhere")
    await say(app, OWNER, "/apikey_revoke")
    assert last(app).text == t("apikey-revoke-usage")
    await say(app, OWNER, "/apikey_revoke a1")
    assert last(app).text == t("apikey-revoke-usage")
    await say(app, OWNER, "/apikey_revoke pk0000000000")
    assert last(app).text == t("error-not-found-api-key-not-found", key_id="pk0000000000")
    await say(app, OWNER, f"/apikey_revoke {outlets.b1.key_id}")
    await say(app, OWNER, f"/apikey_revoke {outlets.b1.key_id}")  # revoked already
    assert last(app).text == t("error-not-found-api-key-not-found", key_id=outlets.b1.key_id)

    assert await ApiKey.all().count() == before


async def test_the_api_key_cli_creates_lists_and_revokes(
    app: BotUnderTest, aiohttp_client: Any, database_url: str, tmp_path: Path
) -> None:
    async def cli(*args: str) -> tuple[int, str]:
        # stdout is what the command prints; stderr has the log lines and the refusals.
        result = await asyncio.to_thread(run_cli, tmp_path, *args, DATABASE_URL=database_url)
        return result.returncode, result.stdout + result.stderr

    async def printed(*args: str) -> list[str]:
        result = await asyncio.to_thread(run_cli, tmp_path, *args, DATABASE_URL=database_url)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    # `migrate` brings the example program's partner and its outlet `main` into the database.
    code, output = await cli("migrate")
    assert code == 0 and "partners: 1, outlets: 1" in output, output
    code, output = await cli("api-key", "create", "--outlet", "main")
    assert code == 0, output
    found = KEY.search(output)
    assert found, output
    key = found.group(0)
    key_id = key.split(".")[0]
    client: Client = await aiohttp_client(build_web_app(app.container))
    pos = Pos(client, key, key_id)
    assert await status_with(pos, key) == (404, "member-not-found")

    assert [line.split() for line in await printed("api-key", "list")] == [
        [key_id, "outlet", "main", "active"]
    ]

    code, output = await cli("api-key", "revoke", key_id)
    assert (code, f"revoked {key_id}" in output) == (0, True)
    assert await status_with(pos, key) == (403, "api-key-revoked")
    code, output = await cli("api-key", "revoke", key_id)
    assert code == 1 and "error: api-key-not-found" in output
    code, output = await cli("api-key", "create", "--outlet", "nowhere")
    assert code == 1 and "error: outlet-unknown" in output
    assert await ApiKey.all().count() == 1
