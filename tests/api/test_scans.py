"""POST /api/v1/scans: a handheld or a fixed scanner drives a station the way the page does."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.api.test_events import history_ids, problem_of
from tests.factories import Plant, make_blade_plant, make_plant, token_for
from tracemes import services
from tracemes.services.context import Context


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    return make_plant(db, ctx, bikes=2, packs=1)


@pytest.fixture
def scanner(db: Engine, ctx: Context, app_client: TestClient) -> TestClient:
    """A handheld terminal signed in with an operator's token."""
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'operator')}"
    return app_client


def scan(client: TestClient, text: str, unit: str = "", **more: Any) -> dict[str, Any]:
    response = client.post(
        "/api/v1/scans", json={"text": text, "station": "L1-S1", "unit": unit, **more}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_unit_its_frame_and_pass_by_scans_alone(scanner: TestClient, plant: Plant) -> None:
    bike = plant.bikes[0]

    started = scan(scanner, bike)
    bound = scan(scanner, "FR-00001", bike)
    passed = scan(scanner, "PASS", bike)

    assert (started["meaning"], started["started"]) == ("unit", "OP10")
    assert started["unit"]["operation_name"] == "Frame"
    assert started["unit"]["due"] == [{"item": "FRAME", "needed": "1", "bound": "0"}]
    assert bound["meaning"] == "part"
    assert bound["unit"]["due"] == [{"item": "FRAME", "needed": "1", "bound": "1"}]
    assert (passed["meaning"], passed["unit"]) == ("verdict", None)
    unit = scanner.get(f"/api/v1/trace/units/{bike}").json()
    assert [p["serial"] for p in unit["parts"]] == ["FR-00001"]
    assert [(r["operation"], r["result"], r["station"]) for r in unit["step_runs"]] == [
        ("OP10", "pass", "L1-S1")
    ]


def test_a_resent_scan_is_booked_once(scanner: TestClient, plant: Plant) -> None:
    bike = plant.bikes[0]
    scan(scanner, bike, id="start-1")
    scan(scanner, "FR-00001", bike, id="bind-1")
    scan(scanner, "FR-00001", bike, id="bind-1")

    ids = history_ids(scanner, bike)
    assert ids[-2:] == ["start-1", "bind-1"]
    assert ids.count("bind-1") == 1


def test_a_refused_scan_is_a_problem_and_changes_nothing(scanner: TestClient, plant: Plant) -> None:
    first, second = plant.bikes
    scan(scanner, first)
    scan(scanner, "FR-00001", first)
    scan(scanner, second)
    before = history_ids(scanner, second)

    taken = scanner.post(
        "/api/v1/scans", json={"text": "FR-00001", "station": "L1-S1", "unit": second}
    )
    nothing_shown = scanner.post("/api/v1/scans", json={"text": "FR-00002", "station": "L1-S1"})

    problem_of(taken, 409, "part_already_bound")
    assert problem_of(nothing_shown, 409, "scan_a_unit_first")["detail"].startswith("FR-00002")
    assert history_ids(scanner, second) == before


def test_a_station_label_answers_the_new_station(scanner: TestClient, plant: Plant) -> None:
    moved = scan(scanner, "L1-S2", plant.bikes[0])
    assert (moved["meaning"], moved["station"], moved["unit"]) == ("station", "L1-S2", None)


def test_a_viewer_may_not_scan(
    db: Engine, ctx: Context, app_client: TestClient, plant: Plant
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'viewer')}"
    response = app_client.post("/api/v1/scans", json={"text": plant.bikes[0]})
    problem_of(response, 403, "forbidden")


def test_the_scan_route_is_in_the_openapi_document(app_client: TestClient) -> None:
    document = app_client.get("/api/v1/openapi.json").json()
    answer = document["paths"]["/api/v1/scans"]["post"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/StationScanOut"
    }


def test_a_transfer_cards_qr_code_answers_with_its_lot_at_this_station(
    db: Engine, ctx: Context, scanner: TestClient
) -> None:
    make_blade_plant(db, ctx)
    (lot,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [100])

    body = scan(scanner, f"https://mes.example.cn/lots/BLADE/{lot}")

    assert body["meaning"] == "lot"
    assert body["unit"] is None
    shown = body["lot"]
    assert (shown["lot"], shown["operation"], shown["next_operation"]) == (lot, "CUT", "GRIND")
    assert (shown["in_process"], shown["waiting"]) == ("100", "0")
    assert [op["operation"] for op in shown["operations"]] == ["CUT", "GRIND", "COAT"]
