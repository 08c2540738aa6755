"""Odd text and days at the door: refused with a 422 naming the field, never a 500.

Bodies are sent as JSON text written by `json.dumps` (ASCII escapes), the way a client
sends a lone surrogate: "\\ud800" is valid JSON that Python decodes to a broken string.
"""

import json
import types
import typing
from datetime import date
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from tests.factories import make_plant, make_work_order
from tests.web.test_pages import BROWSER, sign_in
from tracemes import services
from tracemes.api.models import Day, Note, Text
from tracemes.app import create_app
from tracemes.domain import text
from tracemes.services.context import Context


def post_json(client: TestClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


def refused_field(response: Any) -> str:
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation"
    fields = [error["field"] for error in problem["errors"]]
    assert len(fields) == 1, fields
    return str(fields[0])


@pytest.mark.parametrize(
    "name", ["E-bike \ud800", "E-bike \udfff A1", "E-bike\x00", "E\x07bike", "E-bike\nA1"]
)
def test_an_item_name_with_a_broken_or_control_character_is_refused(
    client: TestClient, db: Engine, ctx: Context, name: str
) -> None:
    body = {"code": "EBIKE", "name": name, "tracking": "serial"}

    response = post_json(client, "/api/v1/items", body)

    assert refused_field(response) == "body.name"
    assert "character" in response.json()["detail"]
    assert services.items.list_all(db, ctx) == []
    assert client.get("/api/v1/items").status_code == 200


def test_a_nul_in_any_text_field_is_refused_and_names_it(client: TestClient) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/api/v1/lines", {"code": "L9", "name": "Line 9", "site": "Plant\x00"}, "body.site"),
        (
            "/api/v1/stations",
            {"code": "S\x00", "name": "Station", "line": "L1"},
            "body.code",
        ),
        (
            "/api/v1/lots",
            {"item": "CELL", "lot": "C-9", "quantity": 5, "supplier": "Tianjin\x00"},
            "body.supplier",
        ),
        ("/api/v1/holds", {"reason": "bad\x00cells", "units": ["BK0001"]}, "body.reason"),
    ]
    for path, body, field in cases:
        assert refused_field(post_json(client, path, body)) == field


def test_a_control_character_in_an_item_name_no_longer_breaks_the_excel_export(
    client: TestClient,
) -> None:
    refused = post_json(client, "/api/v1/items", {"code": "A", "name": "a\x07b", "tracking": "lot"})
    stored = post_json(client, "/api/v1/items", {"code": "B", "name": "Bell", "tracking": "lot"})

    export = client.get("/api/v1/exports/master-data.xlsx")

    assert refused.status_code == 422
    assert stored.status_code == 201
    assert export.status_code == 200


def test_a_reason_may_span_lines_but_not_hold_nul(
    client: TestClient, db: Engine, ctx: Context
) -> None:
    first = make_work_order(db, ctx)
    second = make_work_order(db, ctx)

    cancelled = post_json(
        client, f"/api/v1/work-orders/{first.code}/cancel", {"reason": "Customer\n\tcancelled"}
    )
    refused = post_json(client, f"/api/v1/work-orders/{second.code}/cancel", {"reason": "x\x00"})

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert refused_field(refused) == "body.reason"
    assert services.work_orders.get(db, ctx, second.code).order.status.value == "planned"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/items/%00", "path.code"),
        ("/api/v1/lots/CELL%00/C-1", "path.item"),
        ("/api/v1/stations?line=L1%00", "query.line"),
        ("/api/v1/trace/units/BK%1B0001", "path.serial"),
        ("/api/v1/quality/report/daily?item=BIKE%7F", "query.item"),
    ],
)
def test_a_control_character_in_the_url_is_refused_naming_the_parameter(
    client: TestClient, path: str, field: str
) -> None:
    assert refused_field(client.get(path)) == field


def test_a_nul_in_the_idempotency_key_is_refused_and_stores_nothing(
    client: TestClient, db: Engine, ctx: Context
) -> None:
    response = client.post(
        "/api/v1/lines", json={"code": "L9", "name": "Line 9"}, headers={"Idempotency-Key": "k\x00"}
    )

    assert refused_field(response) == "header.idempotency-key"
    assert services.lines.list_all(db, ctx) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=0001-01-01", "query.from"),
        ("to=9999-12-31", "query.to"),
        ("from=1969-12-31&to=1970-01-05", "query.from"),
        ("from=2200-12-01&to=2201-01-01", "query.to"),
    ],
)
@pytest.mark.parametrize("report", ["/api/v1/quality/report", "/api/v1/quality/report/daily"])
def test_report_days_outside_1970_to_2200_are_refused(
    client: TestClient, report: str, query: str, field: str
) -> None:
    response = client.get(f"{report}?{query}")

    assert refused_field(response) == field
    assert "is not between 1970 and 2200" in response.json()["detail"]


def test_report_days_at_the_edges_of_the_range_are_answered(client: TestClient) -> None:
    assert client.get("/api/v1/quality/report?from=1970-01-01&to=1970-01-31").status_code == 200
    daily = client.get("/api/v1/quality/report/daily?from=2200-12-01&to=2200-12-31")
    assert daily.status_code == 200
    assert daily.json()[-1]["day"] == "2200-12-31"


def test_a_due_date_in_year_one_is_refused(client: TestClient, db: Engine, ctx: Context) -> None:
    make_plant(db, ctx)
    body = {"item": "BIKE", "quantity": 1, "line": "L1", "due": "0001-01-01"}

    response = post_json(client, "/api/v1/work-orders", body)

    assert refused_field(response) == "body.due"
    assert sorted(o.code for o in services.work_orders.list_all(db, ctx)) == ["WO-BIKE", "WO-PACK"]


def test_page_forms_and_the_board_refuse_odd_input_too(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    make_plant(db, ctx)
    app_client.headers.update(BROWSER)
    sign_in(app_client, db, ctx, "admin")

    item = app_client.post("/admin/items", data={"code": "X1", "name": "X\x00", "tracking": "lot"})
    order = app_client.post(
        "/work-orders", data={"item": "BIKE", "quantity": "1", "line": "L1", "due": "0001-01-01"}
    )
    board = app_client.get("/board?line=L1&day=0001-01-01")

    assert item.status_code == 422
    assert "name" in item.text
    assert order.status_code == 422
    assert "is not between 1970 and 2200" in order.text
    assert board.status_code == 422
    assert services.items.get(db, ctx, "BIKE").name == "Test item"
    assert [i.code for i in services.items.list_all(db, ctx)].count("X1") == 0


def test_the_domain_names_what_is_wrong_with_text_and_days() -> None:
    assert text.problem("Zhōngwén 中文 ok") is None
    assert text.problem("line one\nline two") == (
        "contains a control character (U+000A) at position 9"
    )
    assert text.problem("line one\nline two", multiline=True) is None
    assert text.problem("a\x00", multiline=True) == (
        "contains a control character (U+0000) at position 2"
    )
    assert text.problem("\ud83d") == (
        "contains a broken character (a lone UTF-16 surrogate) at position 1"
    )
    assert text.day_problem(date(1970, 1, 1)) is None
    assert text.day_problem(date(2200, 12, 31)) is None
    assert text.day_problem(date(2201, 1, 1)) == "2201-01-01 is not between 1970 and 2200"


# The guard: every text and day a route takes in goes through the shared types, so a new
# field declared as a plain `str` or `date` fails here instead of answering 500 one day.
def _guarding_functions() -> set[Any]:
    return {typing.get_args(t)[1].func for t in (Text, Note, Day)}


def _unguarded(annotation: Any, where: str, seen: set[type]) -> list[str]:
    if annotation in (str, date):
        return [where]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *metadata = typing.get_args(annotation)
        guards = _guarding_functions()
        if base in (str, date) and any(getattr(m, "func", None) in guards for m in metadata):
            return []
        return _unguarded(base, where, seen)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return []
        seen.add(annotation)
        return [
            problem
            for name, field in annotation.model_fields.items()
            for problem in _unguarded(
                _annotated(field.annotation, field.metadata), f"{where}.{name}", seen
            )
        ]
    if origin in (typing.Union, types.UnionType) and {int, float} & set(
        typing.get_args(annotation)
    ):
        return []  # a number that may come as text (NumberIn): the domain parses it exactly
    if origin in (list, dict, tuple, typing.Union, types.UnionType):
        return [p for arg in typing.get_args(annotation) for p in _unguarded(arg, where, seen)]
    return []


def _annotated(annotation: Any, metadata: list[Any]) -> Any:
    return typing.Annotated[annotation, *metadata] if metadata else annotation


def test_every_text_and_day_a_route_takes_in_uses_the_guarded_types(db: Engine) -> None:
    routes = [route for route in create_app(db).routes if isinstance(route, APIRoute)]
    unguarded: list[str] = []
    assert len(routes) > 80
    for route in routes:
        fields = list(route.dependant.body_params)
        for dependency in route.dependant.dependencies:
            fields += dependency.body_params
        for field in fields:
            where = f"{route.path} {field.name}"
            info = field.field_info
            unguarded += _unguarded(_annotated(info.annotation, info.metadata), where, set())
    # A batch holds raw events; each is parsed by EventIn (guarded) and answered on its own.
    assert unguarded == ["/api/v1/events/batch body.events"]
