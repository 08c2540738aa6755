"""Shop-floor events through HTTP: what a station app or integrator is told, and what is kept."""

import uuid
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import Plant, build_pack, make_plant, token_for
from tracemes.services.context import Context

CELL_LABEL = "(01)06901234567816(10)C-1"  # GS1 label of lot C-1 of CELL (GTIN of make_plant)


def an_event(type_: str, unit: str, **fields: Any) -> dict[str, Any]:
    """An event body with a fresh client id."""
    return {"id": str(uuid.uuid4()), "type": type_, "unit": unit, **fields}


def accept_all(client: TestClient, *events: dict[str, Any]) -> None:
    """Post a batch that must be accepted whole."""
    response = client.post("/api/v1/events/batch", json={"events": list(events)})
    assert response.status_code == 200, response.text
    refused = [r for r in response.json()["results"] if r["status"] != "accepted"]
    assert refused == []


def problem_of(response: httpx2.Response, status: int, code: str) -> dict[str, Any]:
    """The problem details of a refusal, checked for its status and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def history_ids(client: TestClient, serial: str) -> list[str]:
    """The ids of every event in a unit's history, in order."""
    response = client.get(f"/api/v1/trace/units/{serial}/history")
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["events"]]


def lot_remaining(client: TestClient, item: str, lot: str) -> str:
    remaining: str = client.get(f"/api/v1/lots/{item}/{lot}").json()["remaining"]
    return remaining


def unit_state(client: TestClient, serial: str) -> dict[str, Any]:
    unit: dict[str, Any] = client.get(f"/api/v1/trace/units/{serial}").json()["unit"]
    return unit


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    """Two queued bikes (BK0001, BK0002) and two queued packs (PK0001, PK0002)."""
    return make_plant(db, ctx, bikes=2, packs=2)


# -- one event at a time --------------------------------------------------------------------


def test_every_event_type_is_accepted_and_answered_with_its_id(
    db: Engine, ctx: Context, client: TestClient, plant: Plant
) -> None:
    bike, pack = plant.bikes[0], plant.packs[0]
    build_pack(db, ctx, pack)
    events = [
        an_event("step.started", bike, operation="OP10", station="L1-S1"),
        an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-1"}),
        an_event("step.completed", bike, operation="OP10", result="pass"),
        an_event("step.started", bike, operation="OP20", station="L1-S2"),
        an_event("part.bound", bike, component={"item": "MOTOR", "serial": "M-1"}),
        an_event("part.bound", bike, component={"item": "SCREW", "lot": "S-1", "quantity": 4}),
        an_event(
            "step.completed",
            bike,
            operation="OP20",
            result="pass",
            measurements={"torque_nm": 4.2},
        ),
        an_event("step.started", bike, operation="OP30"),
        an_event("part.bound", bike, component={"serial": pack}),
        an_event("step.completed", bike, operation="OP30", result="pass"),
        an_event("part.unbound", bike, component={"serial": "F-1"}, reason="scratched frame"),
        an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-2"}),
        an_event("unit.shipped", bike, customer="Velo Shop", order="SO-1", delivery="DN-1"),
        an_event("unit.scrapped", plant.bikes[1], reason="dropped"),
    ]

    answers = [client.post("/api/v1/events", json=event) for event in events]

    for event, answer in zip(events, answers, strict=True):
        assert answer.status_code == 201, answer.text
        assert (answer.json()["id"], answer.json()["status"]) == (event["id"], "accepted")
    history = client.get(f"/api/v1/trace/units/{bike}/history").json()["events"]
    bike_events = [e for e in history if e["subject"] == bike]
    assert [e["id"] for e in bike_events] == [e["id"] for e in events[:-1]]
    assert {e["type"] for e in bike_events} == {
        "step.started",
        "step.completed",
        "part.bound",
        "part.unbound",
        "unit.shipped",
    }
    assert unit_state(client, bike)["status"] == "shipped"
    assert unit_state(client, plant.bikes[1])["status"] == "scrapped"
    assert history_ids(client, plant.bikes[1])[-1] == events[-1]["id"]


def test_the_same_event_sent_twice_is_answered_the_same_and_stored_once(
    client: TestClient, plant: Plant
) -> None:
    pack = plant.packs[0]
    accept_all(client, an_event("step.started", pack, operation="P10"))
    bound = an_event("part.bound", pack, component={"item": "CELL", "lot": "C-1"})

    first = client.post("/api/v1/events", json=bound)
    second = client.post("/api/v1/events", json=bound)

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert first.json()["status"] == "accepted"
    assert history_ids(client, pack).count(bound["id"]) == 1
    assert lot_remaining(client, "CELL", "C-1") == "96"


# -- refusals, each a problem that changes nothing ------------------------------------------


def test_a_step_out_of_order_is_a_wrong_operation_conflict(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    started = an_event("step.started", bike, operation="OP20")

    body = problem_of(client.post("/api/v1/events", json=started), 409, "wrong_operation")

    assert body["detail"] == f"unit {bike} is due at OP10, not OP20"
    assert started["id"] not in history_ids(client, bike)
    assert (unit_state(client, bike)["status"], unit_state(client, bike)["operation"]) == (
        "queued",
        "OP10",
    )


def test_completing_a_step_that_was_not_started_is_refused(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    completed = an_event("step.completed", bike, operation="OP10", result="pass")

    body = problem_of(client.post("/api/v1/events", json=completed), 409, "step_not_started")

    assert body["detail"] == f"unit {bike} has not started operation OP10"
    assert completed["id"] not in history_ids(client, bike)


def test_passing_a_step_with_a_key_part_missing_is_refused_and_the_step_stays_open(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    accept_all(client, an_event("step.started", bike, operation="OP10"))
    passed = an_event("step.completed", bike, operation="OP10", result="pass")

    body = problem_of(client.post("/api/v1/events", json=passed), 409, "key_part_missing")

    assert "FRAME (0 of 1)" in body["detail"]
    runs = client.get(f"/api/v1/trace/units/{bike}").json()["step_runs"]
    assert [(r["operation"], r["completed_at"], r["result"]) for r in runs] == [
        ("OP10", None, None)
    ]


def test_a_part_not_in_the_bom_is_refused_and_the_lot_is_not_drawn(
    client: TestClient, plant: Plant
) -> None:
    pack = plant.packs[0]
    accept_all(client, an_event("step.started", pack, operation="P10"))
    bound = an_event("part.bound", pack, component={"item": "SCREW", "lot": "S-1"})

    body = problem_of(client.post("/api/v1/events", json=bound), 409, "not_in_bom")

    assert body["detail"] == f"SCREW is not in the BOM of PACK (unit {pack})"
    assert lot_remaining(client, "SCREW", "S-1") == "1000"
    assert client.get(f"/api/v1/trace/units/{pack}").json()["parts"] == []


@pytest.mark.parametrize(
    "component", [{"item": "FRAME", "serial": "F-1"}, {"serial": "F-1"}], ids=["item", "alone"]
)
def test_a_serial_bound_in_another_unit_is_refused_naming_that_unit(
    client: TestClient, plant: Plant, component: dict[str, str]
) -> None:
    first, second = plant.bikes
    accept_all(
        client,
        an_event("step.started", first, operation="OP10"),
        an_event("part.bound", first, component={"item": "FRAME", "serial": "F-1"}),
        an_event("step.started", second, operation="OP10"),
    )
    bound = an_event("part.bound", second, component=component)

    body = problem_of(client.post("/api/v1/events", json=bound), 409, "part_already_bound")

    assert body["detail"] == f"FRAME F-1 is already bound in unit {first}"
    assert client.get(f"/api/v1/trace/units/{second}").json()["parts"] == []
    where = client.get("/api/v1/trace/serials/F-1/where-used").json()["units"]
    assert [u["serial"] for u in where] == [first]


def test_a_lot_on_hold_cannot_be_bound(client: TestClient, plant: Plant) -> None:
    pack = plant.packs[0]
    held = client.post(
        "/api/v1/holds",
        json={"reason": "cell voltage drift", "lots": [{"item": "CELL", "lot": "C-2"}]},
    )
    assert held.status_code == 201, held.text
    accept_all(client, an_event("step.started", pack, operation="P10"))
    bound = an_event("part.bound", pack, component={"item": "CELL", "lot": "C-2"})

    body = problem_of(client.post("/api/v1/events", json=bound), 409, "lot_on_hold")

    assert body["detail"] == "lot C-2 of CELL is on hold"
    assert client.get("/api/v1/lots/CELL/C-2").json()["remaining"] == "100"
    assert client.get("/api/v1/lots/CELL/C-2").json()["status"] == "on_hold"


def test_a_lot_with_too_little_left_is_refused_and_keeps_what_it_has(
    client: TestClient, plant: Plant
) -> None:
    pack = plant.packs[0]
    received = client.post("/api/v1/lots", json={"item": "CELL", "lot": "C-3", "quantity": 3})
    assert received.status_code == 201, received.text
    accept_all(client, an_event("step.started", pack, operation="P10"))
    bound = an_event("part.bound", pack, component={"item": "CELL", "lot": "C-3"})

    body = problem_of(client.post("/api/v1/events", json=bound), 409, "lot_insufficient")

    assert body["detail"] == "lot C-3 of CELL has 3 left; 4 asked"
    assert lot_remaining(client, "CELL", "C-3") == "3"
    assert bound["id"] not in history_ids(client, pack)


def test_more_of_a_part_than_the_bom_asks_is_refused(client: TestClient, plant: Plant) -> None:
    pack = plant.packs[0]
    accept_all(
        client,
        an_event("step.started", pack, operation="P10"),
        an_event("part.bound", pack, component={"item": "CELL", "lot": "C-1", "quantity": 3}),
    )
    bound = an_event("part.bound", pack, component={"item": "CELL", "lot": "C-2", "quantity": 2})

    body = problem_of(client.post("/api/v1/events", json=bound), 409, "bom_quantity_exceeded")

    assert body["detail"] == f"unit {pack} needs 4 of CELL and has 3; 2 would be too many"
    assert lot_remaining(client, "CELL", "C-1") == "97"
    assert lot_remaining(client, "CELL", "C-2") == "100"


def test_an_unknown_unit_is_not_found(client: TestClient, plant: Plant) -> None:
    started = an_event("step.started", "BK9999", operation="OP10")

    body = problem_of(client.post("/api/v1/events", json=started), 404, "not_found")

    assert body["detail"] == "unit BK9999 not found"


def test_an_unknown_serial_without_its_item_is_refused_and_not_registered(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    accept_all(client, an_event("step.started", bike, operation="OP10"))
    bound = an_event("part.bound", bike, component={"serial": "F-404"})

    body = problem_of(client.post("/api/v1/events", json=bound), 422, "unknown_serial")

    assert body["field"] == "component.serial"
    assert "F-404" in body["detail"]
    assert client.get("/api/v1/trace/serials/F-404/where-used").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit": None}, "unit"),
        ({"result": "maybe"}, "result"),
        ({"operation": ""}, "operation"),
        ({"measurements": {"torque_nm": "tight"}}, "measurements.torque_nm"),
    ],
    ids=["no unit", "bad result", "empty operation", "measurement not a number"],
)
def test_a_malformed_event_is_a_validation_problem_naming_the_field(
    client: TestClient, plant: Plant, change: dict[str, Any], field: str
) -> None:
    bike = plant.bikes[0]
    accept_all(client, an_event("step.started", bike, operation="OP10"))
    event = an_event("step.completed", bike, operation="OP10", result="fail") | change
    sent = {k: v for k, v in event.items() if v is not None}

    body = problem_of(client.post("/api/v1/events", json=sent), 422, "validation")

    fields = [e["field"] for e in body["errors"]]
    assert fields == [f"body.step.completed.{field}"]
    assert field in body["detail"]
    assert sent["id"] not in history_ids(client, bike)


def test_an_event_of_an_unknown_type_is_a_validation_problem(
    client: TestClient, plant: Plant
) -> None:
    response = client.post("/api/v1/events", json=an_event("unit.painted", plant.bikes[0]))

    body = problem_of(response, 422, "validation")

    assert "step.started" in body["detail"]


def test_an_unknown_station_is_refused(client: TestClient, plant: Plant) -> None:
    bike = plant.bikes[0]
    started = an_event("step.started", bike, operation="OP10", station="L9-S9")

    body = problem_of(client.post("/api/v1/events", json=started), 422, "unknown_station")

    assert (body["field"], body["detail"]) == ("station", "station: unknown station L9-S9")
    assert unit_state(client, bike)["status"] == "queued"


def test_an_unknown_operator_is_refused(client: TestClient, plant: Plant) -> None:
    started = an_event("step.started", plant.bikes[0], operation="OP10", operator="nobody")

    body = problem_of(client.post("/api/v1/events", json=started), 422, "unknown_operator")

    assert body["field"] == "operator"


# -- batches --------------------------------------------------------------------------------


def test_a_batch_answers_each_event_and_applies_those_around_a_refusal(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    events = [
        an_event("step.started", bike, operation="OP10"),
        an_event("step.completed", bike, operation="OP20", result="pass"),
        an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-1"}),
        an_event("step.completed", bike, operation="OP10", result="pass"),
    ]

    response = client.post("/api/v1/events/batch", json={"events": events})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["refused"]) == (3, 1)
    assert [(r["id"], r["status"], r["code"]) for r in body["results"]] == [
        (events[0]["id"], "accepted", None),
        (events[1]["id"], "refused", "step_not_started"),
        (events[2]["id"], "accepted", None),
        (events[3]["id"], "accepted", None),
    ]
    assert body["results"][1]["detail"] == f"unit {bike} has not started operation OP20"
    assert unit_state(client, bike)["operation"] == "OP20"
    parts = client.get(f"/api/v1/trace/units/{bike}").json()["parts"]
    assert [(p["item"], p["serial"]) for p in parts] == [("FRAME", "F-1")]
    ids = history_ids(client, bike)
    assert events[1]["id"] not in ids
    assert [i for i in ids if i in {e["id"] for e in events}] == [
        events[0]["id"],
        events[2]["id"],
        events[3]["id"],
    ]


def test_a_malformed_event_in_a_batch_is_refused_as_validation_and_the_rest_go_through(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    malformed = an_event("step.completed", bike, operation="OP10", result="maybe")
    events = [
        an_event("step.started", bike, operation="OP10"),
        malformed,
        {"type": "step.started", "unit": bike, "operation": "OP10"},
        an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-1"}),
    ]

    response = client.post("/api/v1/events/batch", json={"events": events})

    body = response.json()
    assert (body["accepted"], body["refused"]) == (2, 2)
    results = body["results"]
    assert [(r["id"], r["status"], r["code"]) for r in results] == [
        (events[0]["id"], "accepted", None),
        (malformed["id"], "refused", "validation"),
        ("#2", "refused", "validation"),
        (events[3]["id"], "accepted", None),
    ]
    assert "result" in results[1]["detail"]
    assert "id" in results[2]["detail"]
    parts = client.get(f"/api/v1/trace/units/{bike}").json()["parts"]
    assert [p["serial"] for p in parts] == ["F-1"]


def test_replaying_a_batch_answers_all_accepted_and_stores_nothing_twice(
    client: TestClient, plant: Plant
) -> None:
    pack = plant.packs[0]
    events = [
        an_event("step.started", pack, operation="P10"),
        an_event("part.bound", pack, component={"item": "CELL", "lot": "C-1", "quantity": 2}),
        an_event("part.bound", pack, component={"item": "CELL", "lot": "C-2", "quantity": 2}),
        an_event("step.completed", pack, operation="P10", result="pass"),
    ]
    first = client.post("/api/v1/events/batch", json={"events": events})

    again = client.post("/api/v1/events/batch", json={"events": events})

    assert first.json() == again.json()
    assert (again.json()["accepted"], again.json()["refused"]) == (4, 0)
    ids = history_ids(client, pack)
    assert all(ids.count(e["id"]) == 1 for e in events)
    assert lot_remaining(client, "CELL", "C-1") == lot_remaining(client, "CELL", "C-2") == "98"
    runs = client.get(f"/api/v1/trace/units/{pack}").json()["step_runs"]
    assert [(r["operation"], r["result"]) for r in runs] == [("P10", "pass")]


def test_replaying_a_batch_with_a_refusal_answers_each_event_as_before(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    events = [
        an_event("step.started", bike, operation="OP10"),
        an_event("step.started", bike, operation="OP20"),
        an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-1"}),
    ]
    first = client.post("/api/v1/events/batch", json={"events": events})

    again = client.post("/api/v1/events/batch", json={"events": events})

    assert [(r["status"], r["code"]) for r in again.json()["results"]] == [
        ("accepted", None),
        ("refused", "step_already_started"),
        ("accepted", None),
    ]
    assert [r["status"] for r in first.json()["results"]] == ["accepted", "refused", "accepted"]
    ids = history_ids(client, bike)
    assert ids.count(events[0]["id"]) == ids.count(events[2]["id"]) == 1


def test_a_batch_of_more_than_ten_thousand_events_is_refused_whole(
    client: TestClient, plant: Plant
) -> None:
    started = an_event("step.started", plant.bikes[0], operation="OP10")
    events = [started] + [an_event("unit.scrapped", plant.bikes[1], reason="x")] * 10_000

    response = client.post("/api/v1/events/batch", json={"events": events})

    body = problem_of(response, 422, "validation")
    assert "body.events" in body["detail"]
    assert unit_state(client, plant.bikes[0])["status"] == "queued"


# -- scanned labels -------------------------------------------------------------------------


def test_a_scanned_gs1_label_binds_the_lot_it_names(client: TestClient, plant: Plant) -> None:
    pack = plant.packs[0]
    accept_all(client, an_event("step.started", pack, operation="P10"))

    bound = client.post(
        "/api/v1/events", json=an_event("part.bound", pack, component={"scan": CELL_LABEL})
    )

    assert bound.status_code == 201, bound.text
    parts = client.get(f"/api/v1/trace/units/{pack}").json()["parts"]
    assert [(p["item"], p["lot"], p["quantity"]) for p in parts] == [("CELL", "C-1", "4")]
    assert lot_remaining(client, "CELL", "C-1") == "96"


def test_a_gs1_label_with_a_wrong_check_digit_is_a_bad_scan(
    client: TestClient, plant: Plant
) -> None:
    pack = plant.packs[0]
    accept_all(client, an_event("step.started", pack, operation="P10"))
    misprinted = "(01)06901234567817(10)C-1"
    bound = an_event("part.bound", pack, component={"scan": misprinted})

    body = problem_of(client.post("/api/v1/events", json=bound), 422, "bad_scan")

    assert "check digit" in body["detail"]
    assert lot_remaining(client, "CELL", "C-1") == "100"
    assert bound["id"] not in history_ids(client, pack)


def test_a_bad_scan_in_a_batch_is_refused_alone(client: TestClient, plant: Plant) -> None:
    first, second = plant.packs
    events = [
        an_event("step.started", first, operation="P10"),
        an_event("part.bound", first, component={"scan": "(01)06901234567817(10)C-1"}),
        an_event("step.started", second, operation="P10"),
        an_event("part.bound", second, component={"scan": CELL_LABEL}),
    ]

    results = client.post("/api/v1/events/batch", json={"events": events}).json()["results"]

    assert [(r["status"], r["code"]) for r in results] == [
        ("accepted", None),
        ("refused", "bad_scan"),
        ("accepted", None),
        ("accepted", None),
    ]
    assert lot_remaining(client, "CELL", "C-1") == "96"


# -- who may post ---------------------------------------------------------------------------


def test_an_operator_may_post_events(
    db: Engine, ctx: Context, app_client: TestClient, plant: Plant
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'operator')}"

    response = app_client.post(
        "/api/v1/events", json=an_event("step.started", plant.bikes[0], operation="OP10")
    )

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "accepted"


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/events/batch"])
def test_a_viewer_may_not_post_events_and_nothing_changes(
    db: Engine, ctx: Context, app_client: TestClient, plant: Plant, path: str
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'viewer')}"
    started = an_event("step.started", plant.bikes[0], operation="OP10")
    body = started if path.endswith("events") else {"events": [started]}

    response = app_client.post(path, json=body)

    assert problem_of(response, 403, "forbidden")["detail"].startswith("role viewer may not")
    assert unit_state(app_client, plant.bikes[0])["status"] == "queued"
