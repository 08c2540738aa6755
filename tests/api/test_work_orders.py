"""Work orders through HTTP: lifecycle, illegal moves, units, idempotent retries."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_bike
from tracemes.services.context import Context


def planned(client: TestClient, code: str = "WO-1", quantity: int = 5) -> dict[str, object]:
    response = client.post(
        "/api/v1/work-orders",
        json={
            "code": code,
            "item": "BIKE",
            "quantity": quantity,
            "line": "L1",
            "due": "2026-03-20",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_whole_lifecycle_over_http(db: Engine, ctx: Context, client: TestClient) -> None:
    make_bike(db, ctx, "BIKE")
    order = planned(client)
    assert order["status"] == "planned"
    assert order["due"] == "2026-03-20"

    released = client.post("/api/v1/work-orders/WO-1/release")
    units = client.post("/api/v1/work-orders/WO-1/units", json={"count": 2})
    detail = client.get("/api/v1/work-orders/WO-1").json()

    assert released.json()["status"] == "released"
    assert (released.json()["bom_version"], released.json()["routing_version"]) == (1, 1)
    assert units.status_code == 201
    assert units.json() == {"serials": ["BK2603160001", "BK2603160002"]}
    assert detail["quantities"] == {"planned": "5", "started": 0, "completed": 0, "scrapped": 0}
    assert [u["serial"] for u in detail["units"]] == units.json()["serials"]
    assert detail["units"][0]["created_at"] == "2026-03-16T08:30:00Z"


def test_illegal_transitions_are_conflicts_that_change_nothing(
    db: Engine, ctx: Context, client: TestClient
) -> None:
    make_bike(db, ctx, "BIKE")
    planned(client)
    client.post("/api/v1/work-orders/WO-1/release")

    twice = client.post("/api/v1/work-orders/WO-1/release")
    close = client.post("/api/v1/work-orders/WO-1/close", json={"reason": "done"})

    assert twice.status_code == close.status_code == 409
    assert twice.json()["code"] == "invalid_transition"
    assert "WO-1 is released; it cannot become released" in twice.json()["detail"]
    assert client.get("/api/v1/work-orders/WO-1").json()["status"] == "released"


def test_cancel_needs_no_body_and_cancelled_orders_stay_listed(
    db: Engine, ctx: Context, client: TestClient
) -> None:
    make_bike(db, ctx, "BIKE")
    planned(client, "WO-1")
    planned(client, "WO-2")

    assert client.post("/api/v1/work-orders/WO-1/cancel").json()["status"] == "cancelled"
    listed = client.get("/api/v1/work-orders", params={"status": "cancelled"}).json()
    assert [o["code"] for o in listed] == ["WO-1"]
    assert len(client.get("/api/v1/work-orders").json()) == 2


def test_a_retried_post_with_an_idempotency_key_is_carried_out_once(
    db: Engine, ctx: Context, client: TestClient
) -> None:
    make_bike(db, ctx, "BIKE")
    body = {"item": "BIKE", "quantity": 5, "line": "L1"}
    key = {"Idempotency-Key": "3f1c5a52-7e0f-4c1e-9d7b-2f5d1a9b6c11"}

    first = client.post("/api/v1/work-orders", json=body, headers=key)
    second = client.post("/api/v1/work-orders", json=body, headers=key)
    reused = client.post(
        "/api/v1/items", json={"code": "X", "name": "X", "tracking": "none"}, headers=key
    )

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert len(client.get("/api/v1/work-orders").json()) == 1
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"


def test_units_request_needs_count_or_serials(db: Engine, ctx: Context, client: TestClient) -> None:
    make_bike(db, ctx, "BIKE")
    planned(client)
    client.post("/api/v1/work-orders/WO-1/release")

    neither = client.post("/api/v1/work-orders/WO-1/units", json={})
    too_many = client.post("/api/v1/work-orders/WO-1/units", json={"count": 6})
    given = client.post("/api/v1/work-orders/WO-1/units", json={"serials": ["A-1", "A-2"]})

    assert neither.status_code == 422
    assert "either count or serials" in neither.json()["detail"]
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "quantity_exceeded"
    assert given.json() == {"serials": ["A-1", "A-2"]}


def test_an_unknown_item_in_an_order_is_a_validation_problem(
    db: Engine, ctx: Context, client: TestClient
) -> None:
    make_bike(db, ctx, "BIKE")
    response = client.post(
        "/api/v1/work-orders", json={"item": "NOPE", "quantity": 1, "line": "L1"}
    )

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("unknown_item", "item")
