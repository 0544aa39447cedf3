"""The staff Mini App scanner: its page and its JSON API (docs/MINIAPP.md).

Every request under /miniapp/api is checked in this order, before anything else happens:
1. the launch data (`Authorization: tma <initData>`) is signed with this bot's token and at most
   an hour old, else 401;
2. the user it names is active staff (re-read per request, so a removal holds at once), else 403;
3. the body has the right shape, else 400 (not JSON / not an object) or 422 (a bad field).
Who acts comes only from the validated launch data, never from the body. The handlers then call
the same services as the bot's till (`StaffService.scan_card` / `find_member`,
`Till.record_purchase`), and domain errors become HTTP statuses in one place, `ERROR_STATUS`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from bot.adapters.i18n import I18n, Translator
from bot.domain.card_token import CARD_START_PREFIX
from bot.domain.errors import (
    CardTokenExpired,
    CardTokenReplayed,
    DomainError,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    ScanClosed,
)
from bot.domain.money import parse_amount
from bot.domain.ports import Clock
from bot.domain.program import Program, localized
from bot.domain.receipts import parse_receipt_number
from bot.domain.staff import Actor, CardView
from bot.services.staff import StaffService
from bot.services.till import Till
from bot.web.errors import (
    BAD_JSON,
    BODY_STATUS,
    Body,
    Refused,
    status_for,
    validate_body,
)
from bot.web.init_data import (
    INIT_DATA_EXPIRED,
    INIT_DATA_INVALID,
    INIT_DATA_MISSING,
    InitDataRefused,
    validate_init_data,
)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "miniapp"
PAGE_PATH = "/miniapp"
API_PREFIX = "/miniapp/api"
SCRIPT_PLACEHOLDER = "{{WEBAPP_SCRIPT_URL}}"

NOT_A_CARD = "not-a-card"
NOT_STAFF = "not-staff"
CATEGORY_REQUIRED = "category-required"
CATEGORY_INVALID = "category-invalid"

ERROR_STATUS: dict[str, int] = {
    # The launch data: checked first, before anything else.
    INIT_DATA_MISSING: 401,
    INIT_DATA_INVALID: 401,
    INIT_DATA_EXPIRED: 401,
    NOT_STAFF: 403,
    # The request's shape.
    **BODY_STATUS,
    NOT_A_CARD: 422,
    # Domain errors by code; an error without an entry of its own takes its nearest parent's.
    PermissionDenied.code: 403,
    NotFound.code: 404,
    InvalidInput.code: 422,  # bad amounts, categories, receipts; forged card tokens
    CardTokenExpired.code: 410,
    CardTokenReplayed.code: 409,
    ScanClosed.code: 409,
    IdempotencyConflict.code: 409,
    InsufficientPoints.code: 409,
    RateLimited.code: 429,
    DomainError.code: 409,
}

UI_TEXTS = (
    "title",
    "scan",
    "scan-hint",
    "scan-unavailable",
    "code-label",
    "find",
    "tier",
    "balance",
    "amount",
    "amount-hint",
    "category",
    "receipt",
    "receipt-hint",
    "record",
    "cancel",
    "next",
    "loading",
)
"""The page's texts (`miniapp-<name>` in locales/), sent by /me in the staff member's language."""

_TOKEN_IN_TEXT = re.compile(rf"^{CARD_START_PREFIX}([A-Za-z0-9_-]{{1,64}})$")


@dataclass(slots=True)
class MiniApp:
    """What the Mini App needs from the composition root (`/reload` replaces its services and
    program in place: `bot.bootstrap.LiveProgram`)."""

    bot_token: str
    script_url: str
    staff: StaffService
    till: Till
    program: Program
    i18n: I18n
    clock: Clock


MINIAPP: web.AppKey[MiniApp] = web.AppKey("miniapp", MiniApp)
ACTOR: web.RequestKey[Actor] = web.RequestKey("miniapp-actor", Actor)
TRANSLATOR: web.RequestKey[Translator] = web.RequestKey("miniapp-t", Translator)


def error_message(t: Translator, code: str, reason: str | None, variables: dict[str, Any]) -> str:
    """The most specific text there is: the Mini App's own wording first, then the bot's."""
    keys = [f"miniapp-error-{code}-{reason}", f"error-{code}-{reason}"] if reason else []
    keys += [f"miniapp-error-{code}", f"error-{code}"]
    key = next((key for key in keys if t.has(key)), "error-domain-error")
    return t(key, **variables)


def error_response(
    t: Translator, code: str, status: int, details: dict[str, Any] | None = None
) -> web.Response:
    details = dict(details or {})
    reason = details.get("reason")
    variables = {k: v for k, v in details.items() if isinstance(v, str | int)}
    body: dict[str, Any] = {
        "error": code,
        "message": error_message(t, code, reason, variables),
    }
    if reason:
        body["reason"] = reason
    if "fields" in details:
        body["fields"] = details["fields"]
    return web.json_response(body, status=status)


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Launch data, then staff, then the handler; every refusal is `{"error", "message"}`."""
    app = request.config_dict[MINIAPP]
    try:
        user = validate_init_data(_init_data(request), app.bot_token, app.clock.now())
    except InitDataRefused as refused:
        t = app.i18n(app.i18n.pick(refused.language_code))
        return error_response(t, refused.code, ERROR_STATUS[refused.code])
    t = app.i18n(app.i18n.pick(user.language_code))
    actor = await app.staff.actor_for(user.telegram_id)
    if actor.staff_id is None:
        return error_response(t, NOT_STAFF, ERROR_STATUS[NOT_STAFF])
    request[ACTOR] = actor
    request[TRANSLATOR] = t
    try:
        return await handler(request)
    except Refused as refused:
        return error_response(t, refused.code, ERROR_STATUS[refused.code], refused.details)
    except DomainError as error:
        return error_response(
            t, error.code, status_for(error, ERROR_STATUS), _variables(app, t, error)
        )


def _init_data(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "tma" else None


def _variables(app: MiniApp, t: Translator, error: DomainError) -> dict[str, Any]:
    details = dict(error.details)
    if isinstance(details.get("maximum"), int):
        details["maximum"] = t.money(details["maximum"], app.program.currency)
    return details


class ScanBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    qr: StrictStr = Field(min_length=1, max_length=512)
    """What the camera read: the card link `https://t.me/<bot>?start=c_<token>`."""


class LookupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: StrictStr = Field(min_length=1, max_length=64)
    """The numeric card code (or a phone number)."""


class PurchaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scan_id: StrictInt = Field(gt=0)
    amount: StrictStr = Field(max_length=32)
    """As typed: `450`, `450.50`, `450,50`, `1 200`."""
    category: StrictStr | None = Field(default=None, max_length=32)
    receipt: StrictStr | None = Field(default=None, max_length=64)


async def read_body(request: web.Request, model: type[Body]) -> Body:
    try:
        data = await request.json()
    except ValueError:
        raise Refused(BAD_JSON) from None
    return validate_body(data, model)


def card_token_from_qr(text: str) -> str | None:
    """The card token in what the camera read: `https://t.me/<bot>?start=c_<token>` (also
    `tg://resolve?domain=<bot>&start=...`), or a bare `c_<token>`. Anything else is None.
    The token is only extracted here; the service verifies it."""
    text = text.strip()
    payload = text
    if "://" in text:
        parts = urlsplit(text)
        if parts.scheme not in ("https", "http", "tg"):
            return None
        if parts.scheme != "tg" and parts.hostname not in ("t.me", "telegram.me"):
            return None
        values = parse_qs(parts.query).get("start", [])
        if len(values) != 1:
            return None
        payload = values[0]
    match = _TOKEN_IN_TEXT.fullmatch(payload)
    return match.group(1) if match else None


def card_json(view: CardView, app: MiniApp, t: Translator) -> dict[str, Any]:
    tier = app.program.tier(view.tier_code)
    return {
        "scan_id": view.scan_id,
        "name": view.display_name,
        "tier": {
            "code": view.tier_code,
            "name": localized(tier.name, t.locale) if tier else view.tier_code,
        },
        "balance": view.balance,
        "balance_text": t("points", count=view.balance),
    }


async def me(request: web.Request) -> web.Response:
    """The page's set-up: who is working, the texts in their language, the categories."""
    app = request.config_dict[MINIAPP]
    t = request[TRANSLATOR]
    actor = request[ACTOR]
    program = app.program
    return web.json_response(
        {
            "role": actor.role.value,
            "locale": t.locale,
            "texts": {name: t(f"miniapp-{name}") for name in UI_TEXTS},
            "categories": [
                {"code": c.code, "name": localized(c.name, t.locale)} for c in program.categories
            ],
            "category_required": bool(program.categories),
        }
    )


async def scan(request: web.Request) -> web.Response:
    """A card link read by `showScanQrPopup`: the card view (one operation per token)."""
    app = request.config_dict[MINIAPP]
    body = await read_body(request, ScanBody)
    token = card_token_from_qr(body.qr)
    if token is None:
        raise Refused(NOT_A_CARD)
    view = await app.staff.scan_card(request[ACTOR], token)
    return web.json_response(card_json(view, app, request[TRANSLATOR]))


async def lookup(request: web.Request) -> web.Response:
    """The card code typed when the camera fails (a phone number works too, as in /find)."""
    app = request.config_dict[MINIAPP]
    body = await read_body(request, LookupBody)
    view = await app.staff.find_member(request[ACTOR], body.code)
    return web.json_response(card_json(view, app, request[TRANSLATOR]))


async def purchase(request: web.Request) -> web.Response:
    """Record a purchase on a card view with the bot's own use case, `Till.record_purchase`
    (the view's one operation, velocity limits, the ledger, the audit log, the customer's
    receipt). The input is checked as the bot's till checks what the cashier types."""
    app = request.config_dict[MINIAPP]
    t = request[TRANSLATOR]
    body = await read_body(request, PurchaseBody)
    program = app.program
    amount = parse_amount(body.amount, maximum=program.limits.max_purchase_amount)
    category = body.category or None
    if category is None and program.categories:
        raise InvalidInput(CATEGORY_REQUIRED, reason=CATEGORY_REQUIRED)
    if category is not None and program.category(category) is None:
        raise InvalidInput(CATEGORY_INVALID, reason=CATEGORY_INVALID)
    typed = (body.receipt or "").strip()
    receipt = parse_receipt_number(typed) if typed else None
    result = await app.till.record_purchase(
        request[ACTOR], body.scan_id, amount, category, receipt_no=receipt
    )
    return web.json_response(
        {
            "purchase_id": result.purchase_id,
            "amount": result.amount,
            "points_earned": result.points_earned,
            "balance": result.balance,
            "tier": result.tier_code,
            "message": t(
                "till-recorded",
                amount=t.money(result.amount, program.currency),
                points=t("points", count=result.points_earned),
                balance=t("points", count=result.balance),
            ),
        }
    )


async def page(request: web.Request) -> web.Response:
    """The page, with the configured telegram-web-app.js. It holds no data: everything comes
    from the API after the launch data is checked."""
    app = request.config_dict[MINIAPP]
    script = app.script_url
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    origin = urlsplit(script)
    csp = (
        "default-src 'self'; "
        f"script-src 'self' {origin.scheme}://{origin.netloc}; "
        "style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'"
    )
    return web.Response(
        text=template.replace(SCRIPT_PLACEHOLDER, html.escape(script, quote=True)),
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Content-Security-Policy": csp},
    )


def add_miniapp(app: web.Application, miniapp: MiniApp) -> None:
    """Mount the page (`/miniapp/`), its static files and the API (`/miniapp/api/...`)."""
    app[MINIAPP] = miniapp
    app.router.add_get(PAGE_PATH, page)
    app.router.add_get(PAGE_PATH + "/", page)
    app.router.add_static(PAGE_PATH + "/static", STATIC_DIR)
    api = web.Application(middlewares=[guard])
    api.router.add_get("/me", me)
    api.router.add_post("/scan", scan)
    api.router.add_post("/lookup", lookup)
    api.router.add_post("/purchase", purchase)
    app.add_subapp(API_PREFIX, api)
