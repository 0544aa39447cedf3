"""The POS / web-shop REST API under /api/v1 (docs/POS_API.md).

Every request except the OpenAPI document is checked in this order, before anything else:
1. the body is at most 64 KiB (413);
2. the API key (`Authorization: Bearer <key>`): missing or malformed 401, unknown or wrong 401,
   revoked 403;
3. the key's rate limit, a token bucket per key, in this process or shared through Redis (429
   with `Retry-After`);
4. the body: JSON (400) and an object of the route's pydantic model with no extra fields (422).
The handlers call one `PointOfSale` method each; domain errors become statuses in one place,
`ERROR_STATUS`. `ROUTES` is the single table the router and the OpenAPI document are built
from, so the document cannot drift from the routes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from pydantic.json_schema import models_json_schema

from bot.adapters.i18n import I18n, Translator
from bot.domain.errors import (
    CardTokenExpired,
    CardTokenReplayed,
    DomainError,
    IdempotencyConflict,
    InsufficientPoints,
    InvalidInput,
    NotFound,
    NothingToRedeem,
    PermissionDenied,
    RateLimited,
    RedemptionBlocked,
)
from bot.domain.pos import ApiClient
from bot.domain.program import Program
from bot.services.api_keys import ApiKeyInvalid, ApiKeyMissing, ApiKeyRevoked, ApiKeys
from bot.services.pos import PointOfSale
from bot.web.errors import (
    BAD_JSON,
    BODY_STATUS,
    Body,
    Refused,
    status_for,
    validate_body,
)

PREFIX = "/api/v1"
MAX_BODY = 64 * 1024
IDEMPOTENCY_KEY_MAX = 100
"""The header's longest value: the ledger key `pos:<key id>:<header>` stays within 128."""

BODY_TOO_LARGE = "body-too-large"
IDEMPOTENCY_KEY_REQUIRED = "idempotency-key-required"
CATEGORY_INVALID = "category-invalid"

ERROR_STATUS: dict[str, int] = {
    # The request itself.
    BODY_TOO_LARGE: 413,
    **BODY_STATUS,
    IDEMPOTENCY_KEY_REQUIRED: 400,
    CATEGORY_INVALID: 422,
    # The key: checked first.
    ApiKeyMissing.code: 401,
    ApiKeyInvalid.code: 401,
    ApiKeyRevoked.code: 403,
    # Domain errors by code; an error without an entry of its own takes its nearest parent's.
    PermissionDenied.code: 403,
    NotFound.code: 404,
    InvalidInput.code: 422,
    CardTokenExpired.code: 422,
    CardTokenReplayed.code: 409,
    IdempotencyConflict.code: 409,
    InsufficientPoints.code: 409,
    RedemptionBlocked.code: 409,
    NothingToRedeem.code: 409,
    RateLimited.code: 429,
    DomainError.code: 409,
}


# --- bodies and answers ------------------------------------------------------------------------

MAX_ID = 2**31 - 1
Amount = Field(gt=0, le=10**12, description="minor currency units (kopecks, cents)")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LookupBody(_Body):
    """Exactly one of the three."""

    phone: StrictStr | None = Field(default=None, min_length=1, max_length=32)
    card_code: StrictStr | None = Field(default=None, min_length=1, max_length=32)
    card_token: StrictStr | None = Field(default=None, min_length=1, max_length=128)


class QuoteLineBody(_Body):
    amount: StrictInt = Amount
    category: StrictStr | None = Field(default=None, max_length=32)


class QuoteBody(_Body):
    member_id: StrictInt | None = Field(default=None, gt=0, le=MAX_ID)
    lines: list[QuoteLineBody] = Field(min_length=1, max_length=200)


class PurchaseBody(_Body):
    member_id: StrictInt = Field(gt=0, le=MAX_ID)
    amount: StrictInt = Amount
    category: StrictStr | None = Field(default=None, max_length=32)
    points_to_use: StrictInt = Field(default=0, ge=0, le=10**12)
    receipt_no: StrictStr | None = Field(default=None, max_length=64)


class RefundBody(_Body):
    amount: StrictInt | None = Field(default=None, gt=0, le=10**12)
    """None: refund everything not refunded yet."""


class RedemptionBody(_Body):
    member_id: StrictInt = Field(gt=0, le=MAX_ID)
    check_amount: StrictInt = Amount


class ErrorOut(BaseModel):
    error: str
    message: str
    reason: str | None = None
    fields: list[str] | None = None


class MemberOut(BaseModel):
    member_id: int
    name: str
    tier: str
    balance: int


class QuoteLineOut(BaseModel):
    amount: int
    category: str | None
    points: int


class QuoteOut(BaseModel):
    lines: list[QuoteLineOut]
    total: int
    points_to_earn: int
    max_redeemable: int
    max_discount: int


class PurchaseOut(BaseModel):
    purchase_id: int
    member_id: int
    amount: int
    points_used: int
    points_earned: int
    balance: int
    tier: str
    replayed: bool


class RefundOut(BaseModel):
    refund_id: int
    purchase_id: int
    member_id: int
    amount: int
    refunded_total: int
    points_reversed: int
    points_returned: int
    balance: int
    replayed: bool


class RedemptionOut(BaseModel):
    request_id: int
    member_id: int
    status: Literal["pending", "confirming", "confirmed", "cancelled", "expired", "failed"]
    points: int
    discount: int
    check_amount: int
    expires_at: datetime


class BalanceOut(BaseModel):
    member_id: int
    balance: int
    tier: str
    next_tier: str | None
    money_to_next_tier: int | None
    expiring_points: int
    expiring_by: datetime


class OfferOut(BaseModel):
    coupon_id: int
    offer_code: str
    discount_bp: int
    bonus_points: int
    category: str | None
    valid_from: datetime
    valid_until: datetime


class OffersOut(BaseModel):
    offers: list[OfferOut]


# --- the application ---------------------------------------------------------------------------


class RequestLimiter(Protocol):
    async def take(self, key: str) -> float:
        """0 when the request may go, else the seconds until it may."""
        ...


class TokenBucket:
    """`rate` requests per second with bursts of `burst`, per key, in this process. With
    REDIS_URL the composition root gives the API `bot.adapters.rate_limit.RedisTokenBucket`
    instead: the same rule, one bucket per key shared by every process."""

    def __init__(self, rate: float, burst: int, now: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = burst
        self._now = now
        self._buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str) -> float:
        """0 when the request may go, else the seconds until it may."""
        now = self._now()
        tokens, since = self._buckets.get(key, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + (now - since) * self._rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self._rate


@dataclass
class PosApi:
    """What the API needs from the composition root."""

    pos: PointOfSale
    keys: ApiKeys
    program: Program
    i18n: I18n
    rate: float = 10.0
    burst: int = 20
    shared_limiter: RequestLimiter | None = None
    """The limit shared by every process (Redis); None: a TokenBucket in this process."""
    limiter: RequestLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.limiter = self.shared_limiter or TokenBucket(self.rate, self.burst)


POS_API: web.AppKey[PosApi] = web.AppKey("pos-api", PosApi)
CLIENT: web.RequestKey[ApiClient] = web.RequestKey("pos-client", ApiClient)
BODY: web.RequestKey[bytes] = web.RequestKey("pos-body", bytes)


def error_response(
    t: Translator,
    code: str,
    status: int,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    details = dict(details or {})
    reason = details.get("reason")
    variables = {k: v for k, v in details.items() if isinstance(v, str | int)}
    keys = [f"api-error-{code}-{reason}", f"error-{code}-{reason}"] if reason else []
    keys += [f"api-error-{code}", f"error-{code}"]
    key = next((key for key in keys if t.has(key)), "error-domain-error")
    body = ErrorOut(
        error=code,
        message=t(key, **variables),
        reason=reason if isinstance(reason, str) else None,
        fields=details.get("fields"),
    )
    return web.json_response(
        body.model_dump(mode="json", exclude_none=True), status=status, headers=headers
    )


def _translator(request: web.Request, api: PosApi) -> Translator:
    language = request.headers.get("Accept-Language", "")[:2].lower() or None
    return api.i18n(api.i18n.pick(language))


def _bearer(request: web.Request) -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


@web.middleware
async def guard(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    api = request.config_dict[POS_API]
    t = _translator(request, api)
    try:
        if request.path == PREFIX + OPENAPI_PATH:
            return await handler(request)
        if (request.content_length or 0) > MAX_BODY:
            raise Refused(BODY_TOO_LARGE)
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            raise Refused(BODY_TOO_LARGE) from None
        if len(raw) > MAX_BODY:
            raise Refused(BODY_TOO_LARGE)
        request[BODY] = raw
        client = await api.keys.authenticate(_bearer(request))
        wait = await api.limiter.take(client.key_id)
        if wait > 0:
            retry = str(max(1, math.ceil(wait)))
            return error_response(
                t, RateLimited.code, 429, {"retry_after": retry}, {"Retry-After": retry}
            )
        request[CLIENT] = client
        return await handler(request)
    except Refused as refused:
        return error_response(t, refused.code, ERROR_STATUS[refused.code], refused.details)
    except DomainError as error:
        return error_response(t, error.code, status_for(error, ERROR_STATUS), dict(error.details))


def read_body(request: web.Request, model: type[Body]) -> Body:
    try:
        data = json.loads(request[BODY] or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Refused(BAD_JSON) from None
    return validate_body(data, model)


def idempotency_key(request: web.Request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable() or key.strip() != key:
        raise Refused(IDEMPOTENCY_KEY_REQUIRED)
    return key


def _check_category(api: PosApi, category: str | None) -> None:
    if category and api.program.categories and api.program.category(category) is None:
        raise Refused(CATEGORY_INVALID)


def _path_id(request: web.Request, name: str) -> int:
    return int(request.match_info[name])


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.json_response(model.model_dump(mode="json"), status=status)


# --- handlers ----------------------------------------------------------------------------------


async def find_member(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    body = read_body(request, LookupBody)
    found = await api.pos.find_member(body.phone, body.card_code, body.card_token)
    return _json(
        MemberOut(
            member_id=found.member_id,
            name=found.display_name,
            tier=found.tier_code,
            balance=found.balance,
        )
    )


async def quote(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    body = read_body(request, QuoteBody)
    for line in body.lines:
        _check_category(api, line.category)
    result = await api.pos.quote(body.member_id, [(ln.amount, ln.category) for ln in body.lines])
    return _json(
        QuoteOut(
            lines=[
                QuoteLineOut(amount=x.amount, category=x.category, points=x.points)
                for x in result.lines
            ],
            total=result.total,
            points_to_earn=result.points_to_earn,
            max_redeemable=result.max_redeemable,
            max_discount=result.max_discount,
        )
    )


async def commit_purchase(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    key = idempotency_key(request)
    body = read_body(request, PurchaseBody)
    _check_category(api, body.category)
    result = await api.pos.commit_purchase(
        request[CLIENT],
        key,
        body.member_id,
        body.amount,
        body.category,
        body.points_to_use,
        body.receipt_no,
    )
    return _json(
        PurchaseOut(
            purchase_id=result.purchase_id,
            member_id=result.member_id,
            amount=result.amount,
            points_used=result.points_used,
            points_earned=result.points_earned,
            balance=result.balance,
            tier=result.tier_code,
            replayed=result.replayed,
        )
    )


async def refund_purchase(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    key = idempotency_key(request)
    body = read_body(request, RefundBody)
    result = await api.pos.refund(
        request[CLIENT], key, _path_id(request, "purchase_id"), body.amount
    )
    return _json(
        RefundOut(
            refund_id=result.refund_id,
            purchase_id=result.purchase_id,
            member_id=result.member_id,
            amount=result.amount,
            refunded_total=result.refunded_total,
            points_reversed=result.points_reversed,
            points_returned=result.points_returned,
            balance=result.balance,
            replayed=result.replayed,
        )
    )


async def request_redemption(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    body = read_body(request, RedemptionBody)
    ask = await api.pos.request_redemption(request[CLIENT], body.member_id, body.check_amount)
    out = RedemptionOut(
        request_id=ask.request_id,
        member_id=ask.member_id,
        status="pending",
        points=ask.points,
        discount=ask.discount,
        check_amount=ask.check_amount,
        expires_at=ask.expires_at,
    )
    return _json(out, status=202)


async def redemption_status(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    record = await api.pos.redemption(request[CLIENT], _path_id(request, "request_id"))
    discount = record.points * api.program.redeem.point_value
    return _json(
        RedemptionOut(
            request_id=record.id,
            member_id=record.member_id,
            status=record.status.value,
            points=record.points,
            discount=discount,
            check_amount=record.check_amount,
            expires_at=record.expires_at,
        )
    )


async def balance(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    view = await api.pos.balance(_path_id(request, "member_id"))
    return _json(
        BalanceOut(
            member_id=view.member_id,
            balance=view.balance,
            tier=view.tier_code,
            next_tier=view.next_tier_code,
            money_to_next_tier=view.money_to_next_tier,
            expiring_points=view.expiring_points,
            expiring_by=view.expiring_by,
        )
    )


async def offers(request: web.Request) -> web.Response:
    api = request.config_dict[POS_API]
    coupons = await api.pos.active_offers(_path_id(request, "member_id"))
    return _json(
        OffersOut(
            offers=[
                OfferOut(
                    coupon_id=c.id,
                    offer_code=c.offer_code,
                    discount_bp=c.discount_bp,
                    bonus_points=c.bonus_points,
                    category=c.category,
                    valid_from=c.valid_from,
                    valid_until=c.valid_until,
                )
                for c in coupons
            ]
        )
    )


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


# --- the route table and the OpenAPI document --------------------------------------------------

ID = r"{%s:[1-9][0-9]{0,8}}"
"""Path ids: at most 9 digits, so every id fits the database's 32-bit integer columns."""
OPENAPI_PATH = "/openapi.json"
AUTH_ERRORS = (401, 403, 413, 429)


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    """Relative to PREFIX, with aiohttp's `{name:regex}` parameters."""
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    summary: str
    response: type[BaseModel]
    body: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    idempotent: bool = False
    authenticated: bool = True

    @property
    def openapi_path(self) -> str:
        return PREFIX + _plain(self.path)

    @property
    def parameters(self) -> list[str]:
        return [part[1:].split(":")[0] for part in self.path.split("/") if part.startswith("{")]


def _plain(path: str) -> str:
    return "/".join(
        "{" + part[1:].split(":")[0].rstrip("}") + "}" if part.startswith("{") else part
        for part in path.split("/")
    )


class OpenApiDocument(BaseModel):
    """Stands in for the document itself in the route table (it is plain JSON)."""

    model_config = ConfigDict(extra="allow")


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/members/lookup",
        find_member,
        "Find a member by phone, card code or card token",
        MemberOut,
        LookupBody,
        errors=(400, 404, 422),
    ),
    Route(
        "POST",
        "/quote",
        quote,
        "Points a basket earns per line and the most that can be redeemed",
        QuoteOut,
        QuoteBody,
        errors=(400, 404, 422),
    ),
    Route(
        "POST",
        "/purchases",
        commit_purchase,
        "Record a purchase (Idempotency-Key required)",
        PurchaseOut,
        PurchaseBody,
        errors=(400, 404, 409, 422),
        idempotent=True,
    ),
    Route(
        "POST",
        "/purchases/" + ID % "purchase_id" + "/refunds",
        refund_purchase,
        "Refund all or part of a purchase (Idempotency-Key required)",
        RefundOut,
        RefundBody,
        errors=(400, 404, 409, 422),
        idempotent=True,
    ),
    Route(
        "POST",
        "/redemptions",
        request_redemption,
        "Ask the customer to confirm a redemption in Telegram",
        RedemptionOut,
        RedemptionBody,
        status=202,
        errors=(400, 404, 409, 422),
    ),
    Route(
        "GET",
        "/redemptions/" + ID % "request_id",
        redemption_status,
        "A redemption request's status",
        RedemptionOut,
        errors=(404,),
    ),
    Route(
        "GET",
        "/members/" + ID % "member_id" + "/balance",
        balance,
        "A member's balance",
        BalanceOut,
        errors=(404,),
    ),
    Route(
        "GET",
        "/members/" + ID % "member_id" + "/offers",
        offers,
        "A member's active offers",
        OffersOut,
        errors=(404,),
    ),
    Route("GET", OPENAPI_PATH, openapi, "This document", OpenApiDocument, authenticated=False),
)


def route_statuses(route: Route) -> set[int]:
    """Every status the route may answer with (what the fuzz test holds it to)."""
    statuses = {route.status, *route.errors}
    if route.authenticated:
        statuses |= set(AUTH_ERRORS)
    return statuses


def openapi_document() -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorOut}
    for route in ROUTES:
        models.add(route.response)
        if route.body is not None:
            models.add(route.body)
    models.discard(OpenApiDocument)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, schema = models_json_schema(
        [(m, "validation") for m in ordered], ref_template="#/components/schemas/{model}"
    )
    components: dict[str, Any] = schema.get("$defs", {})

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        if model is OpenApiDocument:
            return {"type": "object"}
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    paths: dict[str, Any] = {}
    for route in ROUTES:
        operation: dict[str, Any] = {
            "operationId": route.handler.__name__,
            "summary": route.summary,
            "parameters": [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 10**9 - 1},
                }
                for name in route.parameters
            ],
            "responses": {
                str(route.status): {
                    "description": "OK",
                    "content": {"application/json": {"schema": ref(route.response)}},
                }
            },
        }
        if route.idempotent:
            operation["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX},
                }
            )
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(route.body)}},
            }
        for status in sorted(route_statuses(route) - {route.status}):
            operation["responses"][str(status)] = {
                "description": "error",
                "content": {"application/json": {"schema": ref(ErrorOut)}},
            }
        if not route.authenticated:
            operation["security"] = []
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Loyalty bot POS API", "version": "1"},
        "servers": [{"url": "/"}],
        "security": [{"apiKey": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
    }


def add_pos_api(app: web.Application, api: PosApi) -> None:
    """Mount the API under /api/v1."""
    sub = web.Application(middlewares=[guard])
    sub[POS_API] = api
    for route in ROUTES:
        sub.router.add_route(route.method, route.path, route.handler)
    app.add_subapp(PREFIX, sub)
