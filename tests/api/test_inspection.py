"""Incoming inspection through HTTP: plan, receipt, samples, verdict, hold; roles and walls."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.api.test_events import problem_of
from tests.factories import build_bike, build_pack, make_item, make_plant, token_for
from tracemes.services.context import Context

PLAN = {
    "item": "CELL",
    "stage": "incoming",
    "level": "II",
    "aql_major": "1.0",
    "aql_minor": "4.0",
    "characteristics": [{"code": "capacity_mah", "name": "Capacity", "lsl": 4800, "unit": "mAh"}],
    "defects": [
        {"code": "SWELL", "name": "Swollen can", "class": "critical"},
        {"code": "DENT", "name": "Dented can", "class": "major"},
    ],
}


@pytest.fixture
def number(db: Engine, ctx: Context, client: TestClient) -> str:
    make_item(db, ctx, "CELL", "lot")
    assert client.put("/api/v1/quality/inspection-plans/IQC-CELL", json=PLAN).status_code == 200
    received = client.post(
        "/api/v1/lots", json={"item": "CELL", "lot": "C-7", "quantity": 500, "supplier": "Lishen"}
    )
    assert received.status_code == 201, received.text
    (opened,) = client.get("/api/v1/quality/inspection-lots?status=open").json()
    assert (opened["item"], opened["lot"], opened["lot_size"]) == ("CELL", "C-7", 500)
    return str(opened["number"])


def _sample(index: int, *defects: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "index": index,
        "measurements": {"capacity_mah": 4900},
        "defects": list(defects),
    }


def test_a_plan_is_kept_as_sent(client: TestClient, number: str) -> None:
    plan = client.get("/api/v1/quality/inspection-plans/IQC-CELL").json()
    assert plan["aql_major"] == "1.0"
    assert plan["defects"][0] == {"code": "SWELL", "name": "Swollen can", "class": "critical"}
    assert plan["characteristics"][0]["lsl"] == "4800"


def test_a_critical_defect_rejects_and_holds_the_lot(client: TestClient, number: str) -> None:
    lot = client.get(f"/api/v1/quality/inspection-lots/{number}").json()
    assert (lot["sample_size"], lot["class_plans"][1]) == (
        50,
        {"class": "major", "sample_size": 50, "ac": 1, "re": 2},  # lot 500: code H, n 50
    )
    recorded = client.post(
        f"/api/v1/quality/inspection-lots/{number}/samples",
        json={"samples": [_sample(1), _sample(2, "SWELL")]},
    )
    assert recorded.status_code == 200, recorded.text
    assert len(recorded.json()["samples"]) == 2
    decided = client.post(f"/api/v1/quality/inspection-lots/{number}/decide").json()
    assert decided["status"] == "rejected"
    assert decided["verdict"]["reasons"] == ["critical: 1 defective in 50 (Re 1)"]
    assert decided["hold"].startswith("H")
    assert client.get("/api/v1/lots/CELL/C-7").json()["status"] == "on_hold"


def test_accepting_needs_every_sample(client: TestClient, number: str) -> None:
    url = f"/api/v1/quality/inspection-lots/{number}"
    client.post(f"{url}/samples", json={"samples": [_sample(i) for i in range(1, 50)]})
    problem_of(client.post(f"{url}/decide"), 409, "inspection_incomplete")
    client.post(f"{url}/samples", json={"samples": [_sample(50, "DENT")]})
    assert client.post(f"{url}/decide").json()["status"] == "accepted"  # 1 major: Ac 1
    late = client.post(f"{url}/samples", json={"samples": [_sample(3)]})
    problem_of(late, 409, "inspection_decided")


def test_a_bad_sample_is_a_problem_and_nothing_is_kept(client: TestClient, number: str) -> None:
    url = f"/api/v1/quality/inspection-lots/{number}"
    bad = client.post(f"{url}/samples", json={"samples": [_sample(1), _sample(2, "RUST")]})
    problem = problem_of(bad, 422, "validation")
    assert "RUST is not a defect code" in problem["detail"]
    assert client.get(url).json()["samples"] == []


def test_a_viewer_reads_but_does_not_inspect(
    db: Engine, ctx: Context, client: TestClient, number: str
) -> None:
    viewer = {"Authorization": f"Bearer {token_for(db, ctx, 'viewer')}"}
    url = f"/api/v1/quality/inspection-lots/{number}"
    assert client.get(url, headers=viewer).status_code == 200
    refused = client.post(f"{url}/samples", json={"samples": [_sample(1)]}, headers=viewer)
    assert refused.status_code == 403


def test_another_tenant_sees_no_inspection(
    db: Engine, other_ctx: Context, client: TestClient, number: str
) -> None:
    beta = {"Authorization": f"Bearer {token_for(db, other_ctx, 'admin')}"}
    assert client.get(f"/api/v1/quality/inspection-lots/{number}", headers=beta).status_code == 404
    assert client.get("/api/v1/quality/inspection-lots", headers=beta).json() == []
    plan = client.get("/api/v1/quality/inspection-plans/IQC-CELL", headers=beta)
    assert plan.status_code == 404


def test_a_final_inspection_opens_on_a_work_order_with_finished_units(
    db: Engine, ctx: Context, other_ctx: Context, client: TestClient
) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
    plan = {
        "item": "BIKE",
        "stage": "final",
        "full": True,
        "defects": [{"code": "SCRATCH", "name": "Scratch", "class": "minor"}],
    }
    assert client.put("/api/v1/quality/inspection-plans/FQC-BIKE", json=plan).status_code == 200
    opened = client.post("/api/v1/quality/inspection-lots", json={"work_order": "WO-BIKE"})
    assert opened.status_code == 201, opened.text
    assert (opened.json()["work_order"], opened.json()["sample_size"]) == ("WO-BIKE", 1)
    again = client.post("/api/v1/quality/inspection-lots", json={"work_order": "WO-BIKE"})
    problem_of(again, 409, "inspection_open")
    beta = {"Authorization": f"Bearer {token_for(db, other_ctx, 'admin')}"}
    walled = client.post(
        "/api/v1/quality/inspection-lots", json={"work_order": "WO-BIKE"}, headers=beta
    )
    assert walled.status_code == 404


def test_an_in_process_inspection_opens_at_an_operation_with_its_units(
    db: Engine, ctx: Context, other_ctx: Context, client: TestClient
) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=2)
    for pack in plant.packs:
        build_pack(db, ctx, pack)
    plan = {
        "item": "PACK",
        "stage": "in_process",
        "operation": "P10",
        "aql_major": "1.0",
        "defects": [{"code": "WELD", "name": "Cold weld", "class": "major"}],
    }
    put = client.put("/api/v1/quality/inspection-plans/IPQC-P10", json=plan)
    assert put.status_code == 200, put.text
    wrong = client.put(
        "/api/v1/quality/inspection-plans/IPQC-X", json={**plan, "operation": "OP99"}
    )
    problem_of(wrong, 422, "unknown_operation")
    body = {"work_order": "WO-PACK", "operation": "P10"}
    opened = client.post("/api/v1/quality/inspection-lots", json=body)
    assert opened.status_code == 201, opened.text
    lot = opened.json()
    assert (lot["operation"], lot["units"], lot["lot_size"]) == ("P10", plant.packs, 2)
    (listed,) = client.get("/api/v1/quality/inspection-lots").json()
    assert (listed["number"], listed["operation"]) == (lot["number"], "P10")
    elsewhere = client.post(
        "/api/v1/quality/inspection-lots", json={"work_order": "WO-PACK", "operation": "P20"}
    )
    problem_of(elsewhere, 409, "no_inspection_plan")
    beta = {"Authorization": f"Bearer {token_for(db, other_ctx, 'admin')}"}
    walled = client.post("/api/v1/quality/inspection-lots", json=body, headers=beta)
    assert walled.status_code == 404


def test_a_rejection_is_a_nonconformance_until_its_hold_is_released(
    db: Engine, other_ctx: Context, client: TestClient, number: str
) -> None:
    url = f"/api/v1/quality/inspection-lots/{number}"
    client.post(f"{url}/samples", json={"samples": [_sample(1, "SWELL")]})
    hold = client.post(f"{url}/decide").json()["hold"]
    (record,) = client.get("/api/v1/quality/nonconformances").json()
    assert (record["inspection"], record["lot"], record["supplier"], record["hold"]) == (
        number,
        "C-7",
        "Lishen",
        hold,
    )
    assert record["reasons"] == ["critical: 1 defective in 50 (Re 1)"]
    assert record["shipped"] == []  # nothing built from the lot had left the factory
    assert (record["status"], record["disposition"]) == ("open", None)
    released = client.post(
        f"/api/v1/holds/{hold}/release",
        json={"disposition": "return_to_supplier", "note": "RMA 2611-07"},
    )
    assert released.status_code == 200, released.text
    (closed,) = client.get("/api/v1/quality/nonconformances").json()
    assert (closed["status"], closed["disposition"], closed["note"]) == (
        "closed",
        "return_to_supplier",
        "RMA 2611-07",
    )
    assert client.get("/api/v1/lots/CELL/C-7").json()["status"] == "rejected"
    beta = {"Authorization": f"Bearer {token_for(db, other_ctx, 'admin')}"}
    assert client.get("/api/v1/quality/nonconformances", headers=beta).json() == []


def test_a_hold_raised_by_hand_is_a_nonconformance_too(
    db: Engine, ctx: Context, client: TestClient, number: str
) -> None:
    """A customer complaint: the quality engineer holds lot C-7 before its inspection ends."""
    placed = client.post(
        "/api/v1/holds",
        json={
            "reason": "customer complaint: pack swelled",
            "lots": [{"item": "CELL", "lot": "C-7"}],
        },
    )
    assert placed.status_code == 201, placed.text
    (record,) = client.get("/api/v1/quality/nonconformances").json()
    assert (record["source"], record["hold"], record["inspection"]) == (
        "hold",
        placed.json()["code"],
        None,
    )
    assert record["reasons"] == ["customer complaint: pack swelled"]
    assert (record["held_lots"], record["held_units"], record["status"]) == (1, 0, "open")
    assert record["raised_by"].startswith("admin-")  # the signed-in user (token_for)
    url = f"/api/v1/quality/inspection-lots/{number}"
    client.post(f"{url}/samples", json={"samples": [_sample(1, "SWELL")]})
    client.post(f"{url}/decide")
    newest, older = client.get("/api/v1/quality/nonconformances").json()
    assert (newest["source"], newest["inspection"]) == ("inspection", number)
    assert older["hold"] == placed.json()["code"]
    engineer = {"Authorization": f"Bearer {token_for(db, ctx, 'inspector')}"}  # another user
    released = client.post(
        f"/api/v1/holds/{older['hold']}/release",
        json={"disposition": "use_as_is"},
        headers=engineer,
    )
    assert released.status_code == 200, released.text
    closed = client.get("/api/v1/quality/nonconformances").json()[1]
    assert (closed["status"], closed["disposition"]) == ("closed", "use_as_is")
    assert closed["closed_by"].startswith("inspector-")
    assert closed["raised_by"] == record["raised_by"]
