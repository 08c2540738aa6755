"""Checks measured at an operation, through HTTP: a routing asks for them, a pass must bring
them within limits, a fail records whatever was measured."""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.api.test_events import accept_all, an_event, problem_of
from tests.factories import Plant, make_item, make_plant
from tracemes import services
from tracemes.domain.boms import BomLine
from tracemes.services.context import Context

TEST_OP: dict[str, Any] = {
    "seq": 10,
    "code": "T10",
    "name": "Function test",
    "line": "L1",
    "std_time_s": 60,
    "checks": [
        {"code": "top_speed_kmh", "name": "Top speed", "unit": "km/h", "usl": 25},
        {"code": "ocv_v", "name": "Voltage", "unit": "V", "lsl": "52.0", "usl": 54.6},
        {"code": "lights", "name": "Lights", "kind": "attribute"},
    ],
    "rework_operation": None,
}


@pytest.fixture
def plant(db: Engine, ctx: Context, client: TestClient) -> Plant:
    """CHARGER's routing is one function test with two measured values and one judgement;
    WO-TEST is released after it, so its units carry the checks."""
    plant = make_plant(db, ctx, bikes=1, packs=1)
    make_item(db, ctx, "CHARGER")
    services.boms.replace(db, ctx, "CHARGER", [BomLine("GREASE", Decimal(2), False)])
    answer = client.put("/api/v1/routings/CHARGER", json={"operations": [TEST_OP]})
    assert answer.status_code == 200, answer.text
    services.work_orders.create(db, ctx, "CHARGER", 3, "L1", code="WO-TEST")
    services.work_orders.release(db, ctx, "WO-TEST")
    services.work_orders.add_units(db, ctx, "WO-TEST", serials=["CH-1", "CH-2", "CH-3"])
    return plant


def test_a_routing_keeps_its_checks_exactly(client: TestClient, plant: Plant) -> None:
    checks = client.get("/api/v1/routings/CHARGER").json()["operations"][0]["checks"]
    assert checks == [
        {
            "code": "top_speed_kmh",
            "name": "Top speed",
            "kind": "variable",
            "unit": "km/h",
            "lsl": None,
            "usl": "25",
        },
        {
            "code": "ocv_v",
            "name": "Voltage",
            "kind": "variable",
            "unit": "V",
            "lsl": "52",  # decimals come back normalised, as everywhere in the API
            "usl": "54.6",
        },
        {
            "code": "lights",
            "name": "Lights",
            "kind": "attribute",
            "unit": None,
            "lsl": None,
            "usl": None,
        },
    ]


def test_a_pass_without_a_measured_value_is_refused_and_changes_nothing(
    client: TestClient, plant: Plant
) -> None:
    accept_all(client, an_event("step.started", "CH-1", operation="T10"))
    response = client.post(
        "/api/v1/events",
        json=an_event(
            "step.completed",
            "CH-1",
            operation="T10",
            result="pass",
            measurements={"top_speed_kmh": 24.0},
        ),
    )
    problem = problem_of(response, 409, "measurement_missing")
    assert "ocv_v" in problem["detail"]
    unit = client.get("/api/v1/trace/units/CH-1").json()
    assert unit["unit"]["status"] == "in_progress"
    assert unit["step_runs"][0]["result"] is None


def test_a_pass_outside_a_limit_is_refused_naming_value_and_limit(
    client: TestClient, plant: Plant
) -> None:
    accept_all(client, an_event("step.started", "CH-2", operation="T10"))
    response = client.post(
        "/api/v1/events",
        json=an_event(
            "step.completed",
            "CH-2",
            operation="T10",
            result="pass",
            measurements={"top_speed_kmh": 27.1, "ocv_v": 53.0},
        ),
    )
    problem = problem_of(response, 409, "measurement_out_of_limits")
    assert "top_speed_kmh = 27.1 km/h is above the upper limit 25 km/h" in problem["detail"]


def test_a_fail_keeps_what_was_measured_and_a_good_pass_completes(
    client: TestClient, plant: Plant
) -> None:
    accept_all(
        client,
        an_event("step.started", "CH-3", operation="T10"),
        an_event(
            "step.completed",
            "CH-3",
            operation="T10",
            result="fail",
            measurements={"top_speed_kmh": 27.1},
            defects=["SPEED-LIMIT"],
        ),
        an_event("step.started", "CH-3", operation="T10"),
        an_event(
            "step.completed",
            "CH-3",
            operation="T10",
            result="pass",
            measurements={"top_speed_kmh": 24.6, "ocv_v": 54.6, "noise_db": 71},
        ),
    )
    trace = client.get("/api/v1/trace/units/CH-3").json()
    assert trace["unit"]["status"] == "completed"
    runs = trace["step_runs"]
    assert [(r["result"], r["measurements"]) for r in runs] == [
        ("fail", {"top_speed_kmh": 27.1}),
        ("pass", {"top_speed_kmh": 24.6, "ocv_v": 54.6, "noise_db": 71}),
    ]


def test_a_bad_limit_is_a_problem_naming_the_field(client: TestClient, plant: Plant) -> None:
    bad = {**TEST_OP, "checks": [{"code": "t", "name": "T", "lsl": 5, "usl": 1}]}
    response = client.put("/api/v1/routings/CHARGER", json={"operations": [bad]})
    problem = problem_of(response, 422, "validation")
    assert problem["detail"] == "operations[0].checks[0]: lsl 5 is above usl 1"
    assert (
        client.get("/api/v1/routings/CHARGER").json()["operations"][0]["checks"][0]["usl"] == "25"
    )


def test_an_order_released_before_the_checks_keeps_its_routing(
    db: Engine, ctx: Context, client: TestClient, plant: Plant
) -> None:
    """WO-BIKE was released before BIKE's routing got a check: its units pass without one."""
    bike = plant.bikes[0]
    routing = client.get("/api/v1/routings/BIKE").json()
    routing["operations"][0]["checks"] = [{"code": "torque_nm", "name": "Torque", "lsl": 5}]
    assert client.put("/api/v1/routings/BIKE", json=routing).status_code == 200
    accept_all(
        client,
        an_event("step.started", bike, operation="OP10"),
        an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-9"}),
        an_event("step.completed", bike, operation="OP10", result="pass"),
    )
    assert client.get(f"/api/v1/trace/units/{bike}").json()["unit"]["operation"] == "OP20"
