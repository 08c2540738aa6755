"""Master data through HTTP: status codes, problem details, exact decimals."""

from fastapi.testclient import TestClient

BIKE = {
    "code": "EB-A1",
    "name": "城市电动自行车 A1",
    "uom": "pcs",
    "tracking": "serial",
    "gtin": "4006381333931",
    "standard_cost": "1299.50",
    "serial_pattern": "EB{yy}{MM}{dd}{seq:4}",
}


def test_an_item_is_created_and_read_back(client: TestClient) -> None:
    created = client.post("/api/v1/items", json=BIKE)

    assert created.status_code == 201
    assert created.json() == {**BIKE, "gtin": "04006381333931", "standard_cost": "1299.5"}
    assert client.get("/api/v1/items/EB-A1").json() == created.json()
    assert [i["code"] for i in client.get("/api/v1/items").json()] == ["EB-A1"]


def test_a_bad_gtin_is_a_problem_naming_the_field(client: TestClient) -> None:
    response = client.post("/api/v1/items", json={**BIKE, "gtin": "4006381333932"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "bad_gtin"
    assert problem["field"] == "gtin"
    assert "expected 1" in problem["detail"]
    assert {"type", "title", "status"} <= problem.keys()
    assert client.get("/api/v1/items/EB-A1").status_code == 404


def test_a_malformed_body_names_each_wrong_field(client: TestClient) -> None:
    response = client.post("/api/v1/items", json={"code": "X", "tracking": "batch"})

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation"
    fields = {error["field"] for error in problem["errors"]}
    assert {"body.name", "body.tracking"} <= fields
    assert "body.tracking" in problem["detail"]


def test_a_duplicate_code_is_a_conflict(client: TestClient) -> None:
    client.post("/api/v1/items", json=BIKE)

    response = client.post("/api/v1/items", json={**BIKE, "name": "Other"})

    assert response.status_code == 409
    assert response.json()["code"] == "already_exists"
    assert client.get("/api/v1/items/EB-A1").json()["name"] == BIKE["name"]


def test_an_unknown_item_is_not_found(client: TestClient) -> None:
    response = client.get("/api/v1/items/NOPE")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_bom_and_routing_are_replaced_and_versioned(client: TestClient) -> None:
    client.post("/api/v1/items", json=BIKE)
    client.post("/api/v1/items", json={"code": "FRAME", "name": "Frame", "tracking": "serial"})
    client.post("/api/v1/items", json={"code": "SCREW", "name": "Screw", "tracking": "lot"})
    client.post("/api/v1/lines", json={"code": "L1", "name": "Final assembly"})
    client.post("/api/v1/stations", json={"code": "S1", "name": "Frame", "line": "L1"})
    bom = {
        "components": [
            {"item": "FRAME", "quantity": 1, "key": True, "operation": "OP10"},
            {"item": "SCREW", "quantity": "0.5"},
        ]
    }

    first = client.put("/api/v1/boms/EB-A1", json=bom)
    second = client.put("/api/v1/boms/EB-A1", json={"components": bom["components"][:1]})
    routing = client.put(
        "/api/v1/routings/EB-A1",
        json={
            "operations": [
                {
                    "seq": 10,
                    "code": "OP10",
                    "name": "Frame",
                    "line": "L1",
                    "station": "S1",
                    "std_time_s": 75,
                    "binds": ["FRAME"],
                },
            ]
        },
    )

    assert first.status_code == 200
    assert first.json()["components"][1] == {
        "item": "SCREW",
        "quantity": "0.5",
        "key": False,
        "operation": None,
    }
    assert second.json()["version"] == 2
    assert client.get("/api/v1/boms/EB-A1").json()["version"] == 2
    assert routing.status_code == 200
    assert routing.json()["operations"][0]["std_time_s"] == "75"
    assert client.get("/api/v1/routings/EB-A1").json() == routing.json()


def test_a_bom_refusal_names_the_component_position(client: TestClient) -> None:
    client.post("/api/v1/items", json=BIKE)

    response = client.put(
        "/api/v1/boms/EB-A1", json={"components": [{"item": "GHOST", "quantity": 1}]}
    )

    assert response.status_code == 422
    assert response.json()["field"] == "components[0].item"
    assert response.json()["code"] == "unknown_item"
    assert client.get("/api/v1/boms/EB-A1").status_code == 404


def test_lines_and_stations_are_listed(client: TestClient) -> None:
    client.post("/api/v1/lines", json={"code": "L1", "name": "Final assembly", "site": "Plant 1"})
    client.post("/api/v1/lines", json={"code": "L2", "name": "Battery line"})
    client.post("/api/v1/stations", json={"code": "S1", "name": "Frame", "line": "L1"})
    client.post("/api/v1/stations", json={"code": "S2", "name": "Cells", "line": "L2"})

    assert [line["code"] for line in client.get("/api/v1/lines").json()] == ["L1", "L2"]
    assert client.get("/api/v1/lines/L1").json()["site"] == "Plant 1"
    assert [s["code"] for s in client.get("/api/v1/stations?line=L2").json()] == ["S2"]
    assert client.get("/api/v1/stations/S1").json() == {"code": "S1", "name": "Frame", "line": "L1"}
    assert (
        client.post("/api/v1/stations", json={"code": "S3", "name": "x", "line": "L9"}).json()[
            "code"
        ]
        == "unknown_line"
    )
