"""Holds through HTTP: what a hold covers, what it stops, and what each disposition does."""

import uuid
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import Plant, accept, build_bike, build_pack, make_plant, token_for
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.services.context import Context

CELL_C1 = {"item": "CELL", "lot": "C-1"}


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


def place(client: TestClient, **body: Any) -> dict[str, Any]:
    """Place a hold that must be accepted."""
    response = client.post("/api/v1/holds", json={"reason": "cell voltage drift", **body})
    assert response.status_code == 201, response.text
    hold: dict[str, Any] = response.json()
    return hold


def release(client: TestClient, code: str, disposition: str) -> httpx2.Response:
    return client.post(
        f"/api/v1/holds/{code}/release", json={"disposition": disposition, "note": "8D-17"}
    )


def unit_of(client: TestClient, serial: str) -> dict[str, Any]:
    unit: dict[str, Any] = client.get(f"/api/v1/trace/units/{serial}").json()["unit"]
    return unit


def lot_status(client: TestClient, item: str, lot: str) -> str:
    status: str = client.get(f"/api/v1/lots/{item}/{lot}").json()["status"]
    return status


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    """Cell lot C-1 went into PK0001 (in BK0001, completed) and PK0002 (in BK0002, in work at
    OP30); PK0003 holds lot C-2 and BK0003 waits at OP10."""
    plant = make_plant(db, ctx, bikes=3, packs=3)
    (shipped, in_work, _), (first, second, third) = plant.bikes, plant.packs
    build_pack(db, ctx, first)
    build_pack(db, ctx, second)
    build_pack(db, ctx, third, lot="C-2")
    build_bike(db, ctx, shipped, first, 1)
    accept(
        db,
        ctx,
        StartStep(in_work, "OP10"),
        BindPart(in_work, ComponentRef(serial="F-2", item="FRAME")),
        CompleteStep(in_work, "OP10", True),
        StartStep(in_work, "OP20"),
        BindPart(in_work, ComponentRef(serial="M-2", item="MOTOR")),
        BindPart(in_work, ComponentRef(item="SCREW", lot="S-1")),
        CompleteStep(in_work, "OP20", True),
        StartStep(in_work, "OP30"),
        BindPart(in_work, ComponentRef(serial=second)),
    )
    return plant


@pytest.fixture
def shipped_first(client: TestClient, plant: Plant) -> Plant:
    """The plant once BK0001 has left for a customer."""
    shipped = an_event("unit.shipped", plant.bikes[0], customer="Velo Shop")
    assert client.post("/api/v1/events", json=shipped).status_code == 201
    return plant


# -- placing ----------------------------------------------------------------------------------


def test_a_hold_on_a_lot_extends_to_the_units_still_in_the_factory_that_hold_it(
    client: TestClient, shipped_first: Plant
) -> None:
    (shipped, in_work, waiting), (_, second, third) = shipped_first.bikes, shipped_first.packs

    hold = place(client, lots=[CELL_C1], extend_to_where_used=True)

    assert hold["code"] == "H20260316-001"
    assert hold["lots"] == [CELL_C1]
    assert {in_work, second} <= set(hold["units"])
    assert not {shipped, waiting, third} & set(hold["units"])
    assert client.get(f"/api/v1/holds/{hold['code']}").json() == hold
    assert lot_status(client, "CELL", "C-1") == "on_hold"
    assert lot_status(client, "CELL", "C-2") == "available"
    assert [unit_of(client, s)["on_hold"] for s in (in_work, second)] == [True, True]
    assert [unit_of(client, s)["on_hold"] for s in (shipped, waiting, third)] == [False] * 3


def test_a_hold_does_not_reach_the_pack_inside_a_shipped_bike(
    client: TestClient, shipped_first: Plant
) -> None:
    in_shipped_bike = shipped_first.packs[0]

    hold = place(client, lots=[CELL_C1], extend_to_where_used=True)

    assert in_shipped_bike not in hold["units"]
    assert unit_of(client, in_shipped_bike)["on_hold"] is False


def test_a_hold_on_a_pack_extends_to_the_bike_it_went_into(
    client: TestClient, plant: Plant
) -> None:
    in_work, pack = plant.bikes[1], plant.packs[1]

    hold = place(client, units=[pack], extend_to_where_used=True)

    assert (hold["lots"], hold["units"]) == ([], [in_work, pack])
    assert lot_status(client, "CELL", "C-1") == "available"


def test_without_extending_only_the_lot_is_held(client: TestClient, plant: Plant) -> None:
    hold = place(client, lots=[CELL_C1])

    assert (hold["lots"], hold["units"]) == ([CELL_C1], [])
    assert unit_of(client, plant.bikes[1])["on_hold"] is False


def test_a_held_unit_cannot_move_on(client: TestClient, plant: Plant) -> None:
    in_work, waiting = plant.bikes[1], plant.bikes[2]
    place(client, units=[waiting])
    place(client, lots=[CELL_C1], extend_to_where_used=True)
    refused = [
        an_event("step.started", waiting, operation="OP10"),
        an_event("step.started", in_work, operation="OP30"),
        an_event("step.completed", in_work, operation="OP30", result="pass"),
    ]

    answers = [client.post("/api/v1/events", json=event) for event in refused]

    details = [problem_of(answer, 409, "unit_on_hold")["detail"] for answer in answers]
    assert details == [f"unit {waiting} is on hold"] + [f"unit {in_work} is on hold"] * 2
    assert unit_of(client, waiting)["status"] == "queued"
    assert unit_of(client, in_work)["status"] == "in_progress"


def test_a_held_bike_cannot_be_shipped(
    db: Engine, ctx: Context, client: TestClient, plant: Plant
) -> None:
    in_work = plant.bikes[1]
    accept(db, ctx, CompleteStep(in_work, "OP30", True))
    place(client, units=[in_work])

    shipped = an_event("unit.shipped", in_work, customer="Velo Shop")

    problem_of(client.post("/api/v1/events", json=shipped), 409, "unit_on_hold")
    assert unit_of(client, in_work)["status"] == "completed"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"units": ["BK9999"]}, "unknown_serial", "units[0]"),
        ({"lots": [{"item": "CELL", "lot": "C-404"}]}, "unknown_lot", "lots[0]"),
        ({}, "validation", "lots"),
        ({"units": ["BK0001"], "reason": ""}, "validation", "body.reason"),
    ],
    ids=["unknown unit", "unknown lot", "nothing named", "no reason"],
)
def test_a_bad_hold_request_is_refused_and_nothing_is_held(
    client: TestClient, plant: Plant, body: dict[str, Any], code: str, field: str
) -> None:
    response = client.post("/api/v1/holds", json={"reason": "suspect", **body})

    answer = problem_of(response, 422, code)

    assert answer["detail"].startswith(f"{field}: ")
    assert unit_of(client, "BK0001")["on_hold"] is False
    assert client.get("/api/v1/holds/H20260316-001").status_code == 404


# -- releasing --------------------------------------------------------------------------------


def test_releasing_as_is_clears_the_holds_and_work_goes_on(
    client: TestClient, plant: Plant
) -> None:
    in_work, pack = plant.bikes[1], plant.packs[1]
    hold = place(client, lots=[CELL_C1], extend_to_where_used=True)

    released = release(client, hold["code"], "use_as_is")

    assert released.status_code == 200, released.text
    body = released.json()
    assert (body["disposition"], body["note"]) == ("use_as_is", "8D-17")
    assert body["released_at"] == "2026-03-16T08:30:00Z"
    assert lot_status(client, "CELL", "C-1") == "available"
    assert [unit_of(client, s)["on_hold"] for s in (in_work, pack)] == [False, False]
    passed = an_event("step.completed", in_work, operation="OP30", result="pass")
    assert client.post("/api/v1/events", json=passed).status_code == 201
    assert unit_of(client, in_work)["status"] == "completed"


def test_releasing_a_hold_twice_is_a_conflict(client: TestClient, plant: Plant) -> None:
    hold = place(client, lots=[CELL_C1], extend_to_where_used=True)
    release(client, hold["code"], "use_as_is")

    again = release(client, hold["code"], "scrap")

    body = problem_of(again, 409, "hold_released")
    assert body["detail"] == f"hold {hold['code']} was already released"
    assert client.get(f"/api/v1/holds/{hold['code']}").json()["disposition"] == "use_as_is"
    assert unit_of(client, plant.bikes[1])["status"] == "in_progress"


def test_releasing_an_unknown_hold_is_not_found(client: TestClient, plant: Plant) -> None:
    problem_of(release(client, "H20260316-999", "use_as_is"), 404, "not_found")


def test_a_unit_under_another_open_hold_stays_held(client: TestClient, plant: Plant) -> None:
    in_work = plant.bikes[1]
    by_lot = place(client, lots=[CELL_C1], extend_to_where_used=True)
    by_unit = place(client, units=[in_work])

    release(client, by_lot["code"], "use_as_is")

    assert by_unit["code"] == "H20260316-002"
    assert unit_of(client, in_work)["on_hold"] is True
    assert unit_of(client, plant.packs[1])["on_hold"] is False


def test_releasing_for_scrap_scraps_the_held_units_still_here_and_rejects_the_lot(
    client: TestClient, shipped_first: Plant
) -> None:
    (shipped, in_work, waiting), second = shipped_first.bikes, shipped_first.packs[1]
    hold = place(client, lots=[CELL_C1], extend_to_where_used=True)

    released = release(client, hold["code"], "scrap")

    assert released.status_code == 200, released.text
    assert unit_of(client, in_work)["status"] == "scrapped"
    # The pack goes with the bike it is bound in: scrapped through it, not on its own.
    assert unit_of(client, second)["status"] == "completed"
    affected = client.get("/api/v1/trace/lots/CELL/C-1/where-used").json()["units"]
    pack = next(u for u in affected if u["serial"] == second)
    assert (pack["location"], pack["inside"]) == ("scrapped", in_work)
    history = client.get(f"/api/v1/trace/units/{in_work}/history").json()["events"]
    assert [e["type"] for e in history][-2:] == ["hold.released", "unit.scrapped"]
    assert unit_of(client, shipped)["status"] == "shipped"
    assert unit_of(client, waiting)["status"] == "queued"
    assert lot_status(client, "CELL", "C-1") == "rejected"
    counts = client.get("/api/v1/trace/lots/CELL/C-1/where-used").json()["finished"]
    assert counts == {"wip": 0, "in_stock": 0, "shipped": 1, "scrapped": 1}


def test_releasing_for_scrap_leaves_the_pack_inside_a_shipped_bike_alone(
    client: TestClient, shipped_first: Plant
) -> None:
    shipped, in_shipped_bike = shipped_first.bikes[0], shipped_first.packs[0]
    hold = place(client, lots=[CELL_C1], extend_to_where_used=True)

    release(client, hold["code"], "scrap")

    assert unit_of(client, in_shipped_bike)["status"] == "completed"
    parts = client.get(f"/api/v1/trace/units/{shipped}").json()["parts"]
    assert next(p for p in parts if p["item"] == "PACK")["status"] == "completed"


def test_a_lot_returned_to_the_supplier_can_never_be_bound_again(
    client: TestClient, plant: Plant
) -> None:
    hold = place(client, lots=[CELL_C1])
    release(client, hold["code"], "return_to_supplier")
    order = {"code": "WO-PACK-2", "item": "PACK", "quantity": 1, "line": "L1"}
    assert client.post("/api/v1/work-orders", json=order).status_code == 201
    assert client.post("/api/v1/work-orders/WO-PACK-2/release").status_code == 200
    (pack,) = client.post("/api/v1/work-orders/WO-PACK-2/units", json={"count": 1}).json()[
        "serials"
    ]
    assert client.post(
        "/api/v1/events", json=an_event("step.started", pack, operation="P10")
    ).is_success

    bound = an_event("part.bound", pack, component=CELL_C1)

    body = problem_of(client.post("/api/v1/events", json=bound), 409, "lot_rejected")
    assert body["detail"] == "lot C-1 of CELL was rejected"
    assert lot_status(client, "CELL", "C-1") == "rejected"
    assert client.get("/api/v1/lots/CELL/C-1").json()["remaining"] == "92"


# -- who may hold -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "viewer", "engineer", "supervisor"])
def test_roles_without_quality_may_not_place_or_release_holds(
    db: Engine, ctx: Context, client: TestClient, app_client: TestClient, plant: Plant, role: str
) -> None:
    hold = place(client, units=[plant.bikes[2]])
    headers = {"Authorization": f"Bearer {token_for(db, ctx, role)}"}

    placed = app_client.post(
        "/api/v1/holds", json={"reason": "suspect", "lots": [CELL_C1]}, headers=headers
    )
    released = app_client.post(
        f"/api/v1/holds/{hold['code']}/release",
        json={"disposition": "use_as_is"},
        headers=headers,
    )

    problem_of(placed, 403, "forbidden")
    problem_of(released, 403, "forbidden")
    assert lot_status(client, "CELL", "C-1") == "available"
    assert client.get(f"/api/v1/holds/{hold['code']}").json()["released_at"] is None


def test_an_inspector_may_place_and_release_holds(
    db: Engine, ctx: Context, app_client: TestClient, plant: Plant
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'inspector')}"

    placed = app_client.post(
        "/api/v1/holds", json={"reason": "suspect", "lots": [CELL_C1], "extend_to_where_used": True}
    )
    released = app_client.post(
        f"/api/v1/holds/{placed.json()['code']}/release", json={"disposition": "rework"}
    )

    assert placed.status_code == 201, placed.text
    assert placed.json()["units"] == [*plant.bikes[:2], *plant.packs[:2]]
    assert released.status_code == 200, released.text
    assert released.json()["disposition"] == "rework"


def test_an_operator_may_post_events_but_not_hold(
    db: Engine, ctx: Context, app_client: TestClient, plant: Plant
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'operator')}"

    started = app_client.post(
        "/api/v1/events", json=an_event("step.started", plant.bikes[2], operation="OP10")
    )
    held = app_client.post("/api/v1/holds", json={"reason": "suspect", "lots": [CELL_C1]})

    assert started.status_code == 201, started.text
    assert problem_of(held, 403, "forbidden")["detail"].startswith("role operator may not")
    assert app_client.get("/api/v1/lots/CELL/C-1").json()["status"] == "available"
