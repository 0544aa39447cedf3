"""The OpenAPI document matches the routes aiohttp serves, and a property-based fuzz run
against it (hypothesis, bodies generated from the document's JSON schemas) finds no 5xx and no
answer outside the document: an undocumented status or a body that breaks its schema."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.web.pos_api import ID, PREFIX, ROUTES, ErrorOut, OpenApiDocument, Route, route_statuses
from tests.conftest import BotUnderTest
from tests.integration.pos_api.conftest import Pos, anna

EXAMPLES_PER_ROUTE = 60


async def test_the_document_lists_exactly_the_registered_routes(pos: Pos) -> None:
    status, document = await pos.call("GET", "/openapi.json", headers={"Authorization": ""})
    assert status == 200
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    registered = set()
    for resource in pos.client.server.app.router.resources():  # type: ignore[union-attr]
        sub = getattr(resource, "_app", None)
        if sub is None:
            continue
        for inner in sub.router.resources():
            for route in inner:
                if route.method != "HEAD" and inner.canonical.startswith(PREFIX + "/"):
                    registered.add((route.method, inner.canonical))
    assert registered == documented
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for response in operation["responses"].values():
                ref = response["content"]["application/json"]["schema"].get("$ref")
                if ref:
                    assert ref.split("/")[-1] in document["components"]["schemas"], path


# --- JSON schema -> hypothesis strategy ---------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def from_schema(schema: dict[str, Any], defs: dict[str, Any], hints: dict[str, Any]) -> Any:
    if "$ref" in schema:
        return from_schema(defs[schema["$ref"].split("/")[-1]], defs, hints)
    if "anyOf" in schema:
        return st.one_of([from_schema(s, defs, hints) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low = schema.get(
            "minimum",
            schema.get("exclusiveMinimum", -(2**63)) + 1
            if "exclusiveMinimum" in schema
            else -(2**63),
        )
        high = schema.get(
            "maximum",
            schema.get("exclusiveMaximum", 2**63) - 1 if "exclusiveMaximum" in schema else 2**63,
        )
        return st.integers(min_value=low, max_value=high)  # fmt: skip
    if kind == "string":
        return st.text(
            alphabet=st.characters(codec="utf-8"),
            min_size=schema.get("minLength", 0),
            max_size=schema.get("maxLength", 40),
        )
    if kind == "array":
        return st.lists(
            from_schema(schema["items"], defs, hints),
            min_size=schema.get("minItems", 0),
            max_size=min(schema.get("maxItems", 5), 5),
        )
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))

        def field(name: str) -> Any:
            generated = from_schema(properties[name], defs, hints)
            return st.one_of(hints[name], generated) if name in hints else generated

        return st.fixed_dictionaries(
            {name: field(name) for name in properties if name in required},
            optional={name: field(name) for name in properties if name not in required},
        )
    return JSON


def examples(strategy: Any, count: int) -> list[Any]:
    """`count` values drawn by hypothesis (generation only: the server is async, so the
    requests are replayed afterwards)."""
    drawn: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


def request_strategy(route: Route, document: dict[str, Any], hints: dict[str, Any]) -> Any:
    defs = document["components"]["schemas"]
    operation = document["paths"][route.openapi_path][route.method.lower()]
    body: Any = st.none()
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        # Mostly bodies of the documented shape, sometimes anything at all.
        body = st.one_of(from_schema(schema, defs, hints), from_schema(schema, defs, hints), JSON)
    path_values = {
        name: st.one_of(hints[name], st.integers(min_value=1, max_value=10**9 - 1))
        for name in route.parameters
    }
    key = st.one_of(
        st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=100),
        st.none(),
        # Anything a header can carry, spaces and over-long values included.
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=110),
    )
    return st.fixed_dictionaries({"body": body, "path": st.fixed_dictionaries(path_values),
                                  "key": key})  # fmt: skip


def check_answer(route: Route, status: int, body: Any) -> None:
    assert status < 500
    assert status in route_statuses(route), (route.path, status, body)
    try:
        if status == route.status and route.response is not OpenApiDocument:
            route.response.model_validate(body)
        elif status != route.status:
            ErrorOut.model_validate(body)
    except ValidationError as error:
        raise AssertionError((route.path, status, body)) from error


async def test_fuzzing_finds_no_5xx_and_no_answer_off_the_document(
    app: BotUnderTest, pos: Pos
) -> None:
    member = await anna(app)
    _, bought = await pos.call(
        "POST", "/purchases", {"member_id": member.id, "amount": 100_000}, idempotency_key="p"
    )
    _, asked = await pos.call(
        "POST", "/redemptions", {"member_id": member.id, "check_amount": 100_000}
    )
    hints = {
        "member_id": st.just(member.id),
        "purchase_id": st.just(bought["purchase_id"]),
        "request_id": st.just(asked["request_id"]),
        "category": st.sampled_from(["coffee", "food", "merch"]),
        "card_code": st.just(member.card_code),
    }
    status, document = await pos.call("GET", "/openapi.json")
    assert status == 200
    for route in ROUTES:
        if route.body is None and not route.parameters:
            continue
        for case in examples(request_strategy(route, document, hints), EXAMPLES_PER_ROUTE):
            path = route.path
            for name, value in case["path"].items():
                path = path.replace(ID % name, str(value))
            headers = {"Authorization": f"Bearer {pos.key}"}
            if case["key"] is not None:
                headers["Idempotency-Key"] = case["key"]
            kwargs: dict[str, Any] = {"headers": headers}
            if route.body is not None:
                kwargs["json"] = case["body"]
            response = await pos.client.request(route.method, PREFIX + path, **kwargs)
            check_answer(route, response.status, await response.json())
    assert (await app.container.services.ledger.check_consistency()).consistent
