"""Numbers at the door (issue #12): every quantity, cost, time and measurement the API takes
has one declared range and precision. Whatever falls outside is a 422 naming the field, the
same on SQLite and PostgreSQL, and nothing is stored, so the lists keep answering."""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_blade_plant
from tracemes import services
from tracemes.services.context import Context
from tracemes.store.schema import items


@dataclass(frozen=True)
class Door:
    """One numeric field of one request, and a read that must not change when it is refused."""

    method: str
    path: str
    body: Callable[[object], dict[str, Any]]
    field: str
    read: str


def _event(type_: str, **fields: Any) -> Callable[[object], dict[str, Any]]:
    def fill(part: Any, value: object) -> Any:
        if isinstance(part, dict):
            return {k: fill(v, value) for k, v in part.items()}
        return value if part is _VALUE else part

    def body(value: object) -> dict[str, Any]:
        return {"id": str(uuid.uuid4()), "type": type_, **fill(fields, value)}

    return body


_VALUE = object()  # where the value under test goes
_LOT = {"item": "BLADE", "lot": "BL0001"}
_BLADE_LOT = "/api/v1/production-lots/BLADE/BL0001"

QUANTITIES = {
    "work order": Door(
        "POST",
        "/api/v1/work-orders",
        lambda v: {"item": "BLADE", "quantity": v, "line": "L1"},
        "quantity",
        "/api/v1/work-orders",
    ),
    "bom line": Door(
        "PUT",
        "/api/v1/boms/BLADE",
        lambda v: {"components": [{"item": "STEEL", "quantity": v, "operation": "CUT"}]},
        "components[0].quantity",
        "/api/v1/boms/BLADE",
    ),
    "lot receipt": Door(
        "POST",
        "/api/v1/lots",
        lambda v: {"item": "STEEL", "lot": "K-9", "quantity": v},
        "quantity",
        "/api/v1/items",
    ),
    "production lots": Door(
        "POST",
        "/api/v1/work-orders/WO-BLADE/lots",
        lambda v: {"quantities": [v]},
        "lots[0]",
        "/api/v1/work-orders/WO-BLADE/lots",
    ),
    "lot step good": Door(
        "POST",
        "/api/v1/events",
        _event("lot.step_reported", **_LOT, operation="CUT", good=_VALUE),
        "good",
        _BLADE_LOT,
    ),
    "lot transfer": Door(
        "POST",
        "/api/v1/events",
        _event("lot.transferred", **_LOT, operation="CUT", quantity=_VALUE),
        "quantity",
        _BLADE_LOT,
    ),
    "material consumed": Door(
        "POST",
        "/api/v1/events",
        _event(
            "material.consumed",
            **_LOT,
            material={"item": "STEEL", "lot": "K-1", "quantity": _VALUE},
        ),
        "material.quantity",
        "/api/v1/lots/STEEL/K-1",
    ),
    "lot shipped": Door(
        "POST",
        "/api/v1/events",
        _event("lot.shipped", **_LOT, quantity=_VALUE, customer="Acme Saws"),
        "quantity",
        _BLADE_LOT,
    ),
}
COSTS = {
    "standard cost": Door(
        "POST",
        "/api/v1/items",
        lambda v: {"code": "BOLT", "name": "Bolt", "tracking": "lot", "standard_cost": v},
        "standard_cost",
        "/api/v1/items",
    ),
    "lot unit cost": Door(
        "POST",
        "/api/v1/lots",
        lambda v: {"item": "STEEL", "lot": "K-9", "quantity": 1, "unit_cost": v},
        "unit_cost",
        "/api/v1/items",
    ),
    "serial unit cost": Door(
        "POST",
        "/api/v1/serials",
        lambda v: {"item": "SAW", "serials": ["SW-X1"], "unit_cost": v},
        "unit_cost",
        "/api/v1/work-orders",
    ),
    "standard time": Door(
        "PUT",
        "/api/v1/routings/BLADE",
        lambda v: {"operations": [{"seq": 10, "code": "CUT", "name": "Cut", "std_time_s": v}]},
        "operations[0].std_time_s",
        "/api/v1/routings/BLADE",
    ),
}
MEASUREMENTS = {
    "routing limit": Door(
        "PUT",
        "/api/v1/routings/BLADE",
        lambda v: {
            "operations": [
                {
                    "seq": 10,
                    "code": "CUT",
                    "name": "Cut",
                    "checks": [{"code": "len", "name": "Length", "usl": v}],
                }
            ]
        },
        "operations[0].checks[0].usl",
        "/api/v1/routings/BLADE",
    ),
    "inspection plan limit": Door(
        "PUT",
        "/api/v1/quality/inspection-plans/IQC-STEEL",
        lambda v: {
            "item": "STEEL",
            "stage": "incoming",
            "aql_major": "1.0",
            "characteristics": [{"code": "t", "name": "Thickness", "lsl": v}],
        },
        "characteristics[0].lsl",
        "/api/v1/items",
    ),
}

TOO_BIG_OR_NOT_A_NUMBER = [1e30, "1e400", "NaN", "-Infinity"]
TOO_PRECISE = ["0.0000001"]


@pytest.fixture
def blade_client(db: Engine, ctx: Context, client: TestClient) -> TestClient:
    make_blade_plant(db, ctx)
    services.production_lots.open_lots(db, ctx, "WO-BLADE", [100])
    return client


def _post_json(client: TestClient, path: str, body: dict[str, Any]) -> httpx2.Response:
    """Post JSON as a careless client may write it: NaN and Infinity as bare tokens."""
    content = json.dumps(body, allow_nan=True)
    return client.post(path, content=content, headers={"Content-Type": "application/json"})


def _refused(client: TestClient, door: Door, value: object) -> dict[str, Any]:
    before = client.get(door.read)
    assert before.status_code == 200, before.text

    response = client.request(door.method, door.path, json=door.body(value))

    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == "validation"
    named = [body.get("field")] + [e["field"] for e in body.get("errors", [])]
    assert any(f is not None and f.endswith(door.field) for f in named), body
    after = client.get(door.read)
    assert (after.status_code, after.json()) == (200, before.json())  # nothing stored
    return body


@pytest.mark.parametrize("value", [*TOO_BIG_OR_NOT_A_NUMBER, *TOO_PRECISE, "-1"])
@pytest.mark.parametrize("door", QUANTITIES.values(), ids=QUANTITIES.keys())
def test_a_quantity_out_of_range_is_refused_naming_the_field(
    blade_client: TestClient, door: Door, value: object
) -> None:
    _refused(blade_client, door, value)


@pytest.mark.parametrize("value", [1e308, "Infinity", *TOO_PRECISE, "-0.01"])
@pytest.mark.parametrize("door", COSTS.values(), ids=COSTS.keys())
def test_a_cost_or_time_out_of_range_is_refused_naming_the_field(
    blade_client: TestClient, door: Door, value: object
) -> None:
    _refused(blade_client, door, value)


@pytest.mark.parametrize("value", ["1e400", "NaN", -1e13])
@pytest.mark.parametrize("door", MEASUREMENTS.values(), ids=MEASUREMENTS.keys())
def test_a_limit_out_of_range_is_refused_naming_the_field(
    blade_client: TestClient, door: Door, value: object
) -> None:
    _refused(blade_client, door, value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "NaN", -1e12])
def test_a_measurement_out_of_range_is_refused_and_the_step_stays_open(
    blade_client: TestClient, value: object
) -> None:
    serial = blade_client.get("/api/v1/work-orders/WO-SAW").json()["units"][0]["serial"]
    started = blade_client.post(
        "/api/v1/events",
        json={"id": str(uuid.uuid4()), "type": "step.started", "unit": serial, "operation": "S10"},
    )
    assert started.status_code == 201, started.text
    event = {
        "id": str(uuid.uuid4()),
        "type": "step.completed",
        "unit": serial,
        "operation": "S10",
        "result": "fail",
        "measurements": {"runout_mm": value},
    }

    refused = _post_json(blade_client, "/api/v1/events", event)

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "measurements.runout_mm"
    unit = blade_client.get(f"/api/v1/trace/units/{serial}").json()["unit"]
    assert (unit["status"], unit["operation"]) == ("in_progress", "S10")
    history = blade_client.get(f"/api/v1/trace/units/{serial}/history").json()["events"]
    assert event["id"] not in [e["id"] for e in history]


@pytest.mark.parametrize("value", ["NaN", "-Infinity", "1e400", 1e13])
def test_an_inspection_sample_out_of_range_is_refused(
    db: Engine, ctx: Context, blade_client: TestClient, value: object
) -> None:
    plan = {
        "item": "STEEL",
        "stage": "incoming",
        "aql_major": "1.0",
        "characteristics": [{"code": "t_mm", "name": "Thickness", "lsl": "1.9"}],
    }
    assert blade_client.put("/api/v1/quality/inspection-plans/IQC-STEEL", json=plan).is_success
    assert blade_client.post(
        "/api/v1/lots", json={"item": "STEEL", "lot": "K-9", "quantity": 500}
    ).is_success
    (opened,) = blade_client.get("/api/v1/quality/inspection-lots?status=open").json()
    sample = {"id": str(uuid.uuid4()), "index": 1, "measurements": {"t_mm": value}}

    refused = blade_client.post(
        f"/api/v1/quality/inspection-lots/{opened['number']}/samples", json={"samples": [sample]}
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "measurements.t_mm"
    lot = blade_client.get(f"/api/v1/quality/inspection-lots/{opened['number']}").json()
    assert lot["samples"] == []


@pytest.mark.parametrize(
    ("key", "values", "field"),
    [
        ("values", [1.0, 2.0, 1e300], "values[2]"),
        ("values", [1.0, 2.0, "NaN"], "values[2]"),
        ("lsl", float("nan"), "lsl"),
        ("usl", 1e13, "usl"),
    ],
)
def test_spc_refuses_values_out_of_range_instead_of_failing(
    client: TestClient, key: str, values: object, field: str
) -> None:
    body: dict[str, Any] = {"chart": "imr", "values": [1.0, 2.0, 1.5, 1.7]} | {key: values}

    refused = _post_json(client, "/api/v1/quality/spc", body)

    assert refused.status_code == 422, refused.text
    named = [refused.json().get("field")] + [e["field"] for e in refused.json().get("errors", [])]
    assert any(f is not None and f.endswith(field) for f in named)


BAD_TIMES = [
    ("0001-01-01T00:00:00+01:00", "not between 1970-01-01 and 2200-01-01"),
    ("0001-01-01T00:00:00Z", "not between 1970-01-01 and 2200-01-01"),
    ("9999-12-31T23:59:59-05:00", "not between 1970-01-01 and 2200-01-01"),
    ("1969-12-31T23:59:59Z", "not between 1970-01-01 and 2200-01-01"),
    ("2026-03-16T08:30:00", "has no UTC offset"),
]


@pytest.mark.parametrize(("at", "reason"), BAD_TIMES)
def test_an_event_time_out_of_range_or_without_offset_is_refused(
    blade_client: TestClient, at: str, reason: str
) -> None:
    serial = blade_client.get("/api/v1/work-orders/WO-SAW").json()["units"][0]["serial"]
    started = {"type": "step.started", "unit": serial, "operation": "S10", "at": at}
    lot_event = {"type": "lot.step_reported", **_LOT, "operation": "CUT", "good": 5, "at": at}

    single = blade_client.post("/api/v1/events", json={"id": str(uuid.uuid4()), **started})
    batch = blade_client.post(
        "/api/v1/events/batch",
        json={"events": [{"id": "e-1", **started}, {"id": "e-2", **lot_event}]},
    )

    assert single.status_code == 422, single.text
    assert (single.json()["field"], reason in single.json()["detail"]) == ("at", True)
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [(r["status"], r["field"]) for r in results] == [("refused", "at")] * 2
    assert all(reason in r["detail"] for r in results)
    unit = blade_client.get(f"/api/v1/trace/units/{serial}").json()["unit"]
    assert unit["status"] == "queued"
    lot = blade_client.get(_BLADE_LOT).json()
    assert lot["operations"][0]["good"] == "0"


@pytest.mark.parametrize(("at", "reason"), BAD_TIMES)
def test_a_receipt_time_out_of_range_or_without_offset_is_refused(
    blade_client: TestClient, at: str, reason: str
) -> None:
    lot = {"item": "STEEL", "lot": "K-9", "quantity": 5, "received_at": at}
    serials = {"item": "SAW", "serials": ["SW-X1"], "received_at": at}

    for path, body in (("/api/v1/lots", lot), ("/api/v1/serials", serials)):
        refused = blade_client.post(path, json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["field"] == "received_at"
        assert reason in refused.json()["detail"]
    assert blade_client.get("/api/v1/lots/STEEL/K-9").status_code == 404


def test_a_lot_of_a_hundred_billion_is_received_and_inspected_on_both_databases(
    blade_client: TestClient,
) -> None:
    plan = {"item": "STEEL", "stage": "incoming", "aql_major": "1.0"}
    assert blade_client.put("/api/v1/quality/inspection-plans/IQC-STEEL", json=plan).is_success

    received = blade_client.post(
        "/api/v1/lots",
        json={"item": "STEEL", "lot": "K-9", "quantity": "99999999999.999999", "unit_cost": "0.5"},
    )

    assert received.status_code == 201, received.text
    assert received.json()["quantity"] == "99999999999.999999"
    (opened,) = blade_client.get("/api/v1/quality/inspection-lots?status=open").json()
    assert opened["lot_size"] == 100_000_000_000  # whole items, rounded


def test_the_smallest_and_largest_quantities_are_kept_exactly_on_both_databases(
    blade_client: TestClient,
) -> None:
    for lot, quantity in (("K-8", "0.000001"), ("K-9", "999999999999.999999")):
        received = blade_client.post(
            "/api/v1/lots", json={"item": "STEEL", "lot": lot, "quantity": quantity}
        )
        assert received.status_code == 201, received.text
        assert blade_client.get(f"/api/v1/lots/STEEL/{lot}").json()["quantity"] == quantity


def test_a_huge_number_stored_before_the_fix_no_longer_breaks_the_lists(
    db: Engine, ctx: Context, blade_client: TestClient
) -> None:
    if db.dialect.name != "sqlite":
        pytest.skip("only SQLite could store it: PostgreSQL refused it with a 500")
    with db.begin() as conn:  # what POST /items with "standard_cost": 1e30 stored before
        conn.execute(sa.text("UPDATE items SET standard_cost = '1E+30' WHERE code = 'STEEL'"))

    listed = blade_client.get("/api/v1/items")

    assert listed.status_code == 200, listed.text
    steel = next(i for i in listed.json() if i["code"] == "STEEL")
    assert steel["standard_cost"] == "1" + "0" * 30
    assert blade_client.get("/api/v1/exports/master-data.xlsx").status_code == 200


def test_the_store_refuses_a_quantity_that_would_be_rounded_or_overflow(
    db: Engine, ctx: Context
) -> None:
    for bad in (Decimal("0.0000001"), Decimal(10) ** 14, Decimal("NaN")):
        with (
            pytest.raises(sa.exc.StatementError, match="does not fit a quantity column"),
            db.begin() as conn,
        ):
            conn.execute(
                sa.insert(items).values(
                    tenant_id=ctx.tenant_id,
                    code="X",
                    name="X",
                    uom="pcs",
                    tracking="lot",
                    standard_cost=bad,
                )
            )
