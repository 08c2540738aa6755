"""Receipts and labels through HTTP: lots, purchased serials, and what a scan names."""

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import Plant, make_plant
from tracemes.services.context import Context


def an_event(type_: str, unit: str, **fields: Any) -> dict[str, Any]:
    """An event body with a fresh client id."""
    return {"id": str(uuid.uuid4()), "type": type_, "unit": unit, **fields}


def problem_of(response: httpx2.Response, status: int, code: str) -> dict[str, Any]:
    """The problem details of a refusal, checked for its status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    """One queued bike (BK0001) and one queued pack (PK0001)."""
    return make_plant(db, ctx, bikes=1, packs=1)


# -- lots -----------------------------------------------------------------------------------


def test_a_received_lot_is_available_with_all_of_it_remaining(
    client: TestClient, plant: Plant
) -> None:
    received = client.post(
        "/api/v1/lots",
        json={
            "item": "CELL",
            "lot": "C2611-07",
            "quantity": "5200",
            "supplier": "Tianjin Cell Co.",
            "received_at": "2026-03-15T14:00:00+08:00",
            "unit_cost": 12.5,
        },
    )

    assert received.status_code == 201, received.text
    stored = {
        "item": "CELL",
        "lot": "C2611-07",
        "quantity": "5200",
        "remaining": "5200",
        "supplier": "Tianjin Cell Co.",
        "received_at": "2026-03-15T06:00:00Z",
        "unit_cost": "12.5",
        "status": "available",
    }
    read = client.get("/api/v1/lots/CELL/C2611-07")
    assert (read.status_code, read.json()) == (200, stored)
    answered = received.json()
    received_at = datetime.fromisoformat(answered.pop("received_at"))
    assert received_at == datetime(2026, 3, 15, 6, tzinfo=UTC)
    assert answered == {k: v for k, v in stored.items() if k != "received_at"}


def test_receiving_a_lot_number_twice_is_a_conflict_that_changes_nothing(
    client: TestClient, plant: Plant
) -> None:
    again = client.post("/api/v1/lots", json={"item": "CELL", "lot": "C-1", "quantity": 5})

    body = problem_of(again, 409, "already_exists")

    assert body["detail"] == "lot of CELL C-1 already exists"
    lot = client.get("/api/v1/lots/CELL/C-1").json()
    assert (lot["quantity"], lot["remaining"]) == ("100", "100")


def test_the_same_lot_number_may_be_received_for_another_item(
    client: TestClient, plant: Plant
) -> None:
    response = client.post("/api/v1/lots", json={"item": "SCREW", "lot": "C-1", "quantity": 50})

    assert response.status_code == 201, response.text
    assert client.get("/api/v1/lots/SCREW/C-1").json()["remaining"] == "50"
    assert client.get("/api/v1/lots/CELL/C-1").json()["remaining"] == "100"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"item": "NOPE", "lot": "X-1", "quantity": 5}, "unknown_item", "item"),
        ({"item": "CELL", "lot": "X-1", "quantity": -5}, "validation", "quantity"),
        ({"item": "CELL", "lot": "X-1"}, "validation", "body.quantity"),
    ],
    ids=["unknown item", "negative quantity", "no quantity"],
)
def test_a_bad_lot_receipt_is_a_validation_problem(
    client: TestClient, plant: Plant, body: dict[str, Any], code: str, field: str
) -> None:
    answer = problem_of(client.post("/api/v1/lots", json=body), 422, code)

    assert field in answer["detail"]
    assert client.get("/api/v1/lots/CELL/X-1").status_code == 404


def test_an_unknown_lot_is_not_found(client: TestClient, plant: Plant) -> None:
    body = problem_of(client.get("/api/v1/lots/CELL/C-404"), 404, "not_found")

    assert body["detail"] == "lot of CELL C-404 not found"


def test_a_lot_used_up_by_bindings_is_consumed(client: TestClient, plant: Plant) -> None:
    pack = plant.packs[0]
    client.post("/api/v1/lots", json={"item": "CELL", "lot": "C-4", "quantity": 4})
    events = [
        an_event("step.started", pack, operation="P10"),
        an_event("part.bound", pack, component={"item": "CELL", "lot": "C-4"}),
    ]
    client.post("/api/v1/events/batch", json={"events": events})

    lot = client.get("/api/v1/lots/CELL/C-4").json()

    assert (lot["quantity"], lot["remaining"], lot["status"]) == ("4", "0", "consumed")


# -- purchased serials ----------------------------------------------------------------------


def test_received_motors_are_bound_by_serial_alone_and_traced_to_their_supplier(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    received = client.post(
        "/api/v1/serials",
        json={
            "item": "MOTOR",
            "serials": ["MX-100", "MX-101"],
            "supplier": "Bafang",
            "lot": "BF-2603",
        },
    )
    assert received.status_code == 201, received.text
    assert received.json() == {"item": "MOTOR", "serials": ["MX-100", "MX-101"]}
    events = [
        an_event("step.started", bike, operation="OP10"),
        an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-1"}),
        an_event("step.completed", bike, operation="OP10", result="pass"),
        an_event("step.started", bike, operation="OP20"),
    ]
    client.post("/api/v1/events/batch", json={"events": events})

    bound = client.post(
        "/api/v1/events", json=an_event("part.bound", bike, component={"serial": "MX-101"})
    )

    assert bound.status_code == 201, bound.text
    parts = client.get(f"/api/v1/trace/units/{bike}").json()["parts"]
    motor = next(p for p in parts if p["item"] == "MOTOR")
    assert (motor["serial"], motor["supplier"], motor["supplier_lot"]) == (
        "MX-101",
        "Bafang",
        "BF-2603",
    )
    assert motor["operation"] == "OP20"
    motor_unit = client.get("/api/v1/trace/units/MX-101").json()["unit"]
    assert (motor_unit["status"], motor_unit["supplier"]) == ("received", "Bafang")


def test_receiving_a_known_serial_again_is_a_conflict(client: TestClient, plant: Plant) -> None:
    client.post("/api/v1/serials", json={"item": "MOTOR", "serials": ["MX-100"]})

    again = client.post("/api/v1/serials", json={"item": "MOTOR", "serials": ["MX-101", "MX-100"]})

    body = problem_of(again, 409, "serial_in_use")
    assert "MX-100" in body["detail"]
    assert client.get("/api/v1/trace/units/MX-101").status_code == 404


def test_serials_of_a_lot_tracked_item_are_refused(client: TestClient, plant: Plant) -> None:
    response = client.post("/api/v1/serials", json={"item": "CELL", "serials": ["X-1"]})

    body = problem_of(response, 422, "validation")

    assert body["field"] == "item"


# -- scans ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scan", "named"),
    [
        (
            "(01)06901234567816(10)C-1",
            {"serial": None, "item": "CELL", "lot": "C-1", "quantity": None},
        ),
        (
            "(01)06901234567816(10)C-1(30)50",
            {"serial": None, "item": "CELL", "lot": "C-1", "quantity": "50"},
        ),
        (
            "(01)06901234567809(21)MX-7",
            {"serial": "MX-7", "item": "MOTOR", "lot": None, "quantity": None},
        ),
        ("S-1", {"serial": None, "item": "SCREW", "lot": "S-1", "quantity": None}),
        ("FR-00012", {"serial": "FR-00012", "item": "FRAME", "lot": None, "quantity": None}),
    ],
    ids=["gs1 lot", "gs1 lot with count", "gs1 serial", "plain lot", "plain serial pattern"],
)
def test_resolving_a_scan_answers_what_the_label_names(
    client: TestClient, plant: Plant, scan: str, named: dict[str, Any]
) -> None:
    response = client.post("/api/v1/scans/resolve", json={"scan": scan})

    assert response.status_code == 200, response.text
    assert response.json() == named


@pytest.mark.parametrize(
    ("scan", "code"),
    [
        ("(01)06901234567817(10)C-1", "bad_scan"),
        ("(01)06901234567823(10)C-1", "unknown_gtin"),
    ],
    ids=["wrong check digit", "unknown gtin"],
)
def test_an_unreadable_scan_is_a_problem(
    client: TestClient, plant: Plant, scan: str, code: str
) -> None:
    body = problem_of(client.post("/api/v1/scans/resolve", json={"scan": scan}), 422, code)

    assert body["field"] == "scan"
