"""Production lots over HTTP: open, move in parts, refuse what does not add up, trace."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_blade_plant, token_for
from tracemes.services.context import Context


@pytest.fixture
def lot(db: Engine, ctx: Context, client: TestClient) -> str:
    """BL0001: 500 blades of WO-BLADE."""
    make_blade_plant(db, ctx)
    response = client.post("/api/v1/work-orders/WO-BLADE/lots", json={"quantities": [500]})
    assert response.status_code == 201, response.text
    assert response.json() == {"work_order": "WO-BLADE", "lots": ["BL0001"]}
    number: str = response.json()["lots"][0]
    return number


def _event(kind: str, n: int, lot: str, **fields: object) -> dict[str, object]:
    return {"id": f"{kind}-{n}", "type": kind, "item": "BLADE", "lot": lot, **fields}


def test_a_lot_moves_in_parts_and_its_card_shows_the_numbers(client: TestClient, lot: str) -> None:
    batch = [
        _event(
            "material.consumed", 1, lot, material={"item": "STEEL", "lot": "K-1", "quantity": 100}
        ),
        _event(
            "lot.step_reported", 2, lot, operation="CUT", good=200, scrap=3, defects={"BURR": 3}
        ),
        _event("lot.transferred", 3, lot, operation="CUT", quantity=200, station="L1-S1"),
        _event("lot.step_reported", 4, lot, operation="GRIND", good="150.0", rework=10),
    ]
    response = client.post("/api/v1/events/batch", json={"events": batch})
    assert response.json()["accepted"] == 4, response.text

    card = client.get(f"/api/v1/production-lots/BLADE/{lot}").json()
    cut, grind, coat = card["operations"]
    assert (cut["received"], cut["good"], cut["scrap"], cut["in_process"]) == (
        "510",
        "200",
        "3",
        "307",
    )
    assert cut["defects"] == {"BURR": "3"}
    assert coat["received"] == "0"  # nothing has left grinding yet
    assert (grind["received"], grind["good"], grind["in_process"], grind["waiting"]) == (
        "200",
        "150",
        "40",
        "150",
    )
    assert grind["yield_rate"] == "0.9375"
    assert card["consumed"] == {"STEEL": "100"}
    yield_ = client.get("/api/v1/work-orders/WO-BLADE/yield").json()
    assert yield_["lots"] == 1
    assert [op["good"] for op in yield_["operations"]] == ["200", "150", "0"]


def test_a_report_beyond_the_balance_is_a_409_that_names_the_numbers(
    client: TestClient, lot: str
) -> None:
    response = client.post(
        "/api/v1/events",
        json=_event("lot.step_reported", 1, lot, operation="CUT", good=490, scrap=20),
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "quantity_balance"
    assert "490 good + 20 scrap + 0 rework = 510, but only 500 is in process" in problem["detail"]
    card = client.get(f"/api/v1/production-lots/BLADE/{lot}").json()
    assert card["operations"][0]["good"] == "0"


def test_negative_quantities_are_invalid_input(client: TestClient, lot: str) -> None:
    response = client.post(
        "/api/v1/events", json=_event("lot.transferred", 1, lot, operation="CUT", quantity=-5)
    )
    assert response.status_code == 422
    assert response.json()["field"] == "quantity"


def test_replaying_a_lot_event_books_it_once(client: TestClient, lot: str) -> None:
    event = _event("lot.step_reported", 1, lot, operation="CUT", good=100)
    for _ in range(3):
        assert client.post("/api/v1/events", json=event).status_code == 201
    assert (
        client.get(f"/api/v1/production-lots/BLADE/{lot}").json()["operations"][0]["good"] == "100"
    )


def test_split_lot_is_traced_backward_and_the_coil_forward(client: TestClient, lot: str) -> None:
    batch = [
        _event(
            "material.consumed", 1, lot, material={"item": "STEEL", "lot": "K-2", "quantity": 90}
        ),
        _event("lot.split", 2, lot, operation="CUT", quantity=100),
        _event("lot.step_reported", 3, f"{lot}-1", operation="CUT", good=100),
        _event("lot.transferred", 4, f"{lot}-1", operation="CUT", quantity=100),
    ]
    assert client.post("/api/v1/events/batch", json={"events": batch}).json()["accepted"] == 4
    back = client.get(f"/api/v1/trace/lots/BLADE/{lot}-1").json()
    assert [(p["item"], p["lot"], p["quantity"]) for p in back["parts"]] == [("BLADE", lot, "100")]
    assert [(p["item"], p["lot"]) for p in back["parts"][0]["parts"]] == [("STEEL", "K-2")]
    forward = client.get("/api/v1/trace/lots/STEEL/K-2/where-used").json()
    assert [(x["lot"], x["depth"]) for x in forward["lots"]] == [(lot, 1), (f"{lot}-1", 2)]
    recall = client.get("/api/v1/trace/lots/STEEL/K-2/where-used?format=csv").text
    assert f"lot,,BLADE,,wip,wip,,,WO-BLADE,no,,,,,{lot}-1,0" in recall


def test_operators_may_not_open_lots(
    db: Engine, ctx: Context, client: TestClient, lot: str
) -> None:
    client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'operator')}"
    response = client.post("/api/v1/work-orders/WO-BLADE/lots", json={"quantities": [1]})
    assert response.status_code == 403
    assert len(client.get("/api/v1/work-orders/WO-BLADE/lots").json()) == 1
