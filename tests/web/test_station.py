"""The station page: a unit's step run by scans alone, refusals loud, double taps booked once."""

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import (
    Plant,
    make_blade_plant,
    make_item,
    make_plant,
    statements_run,
    transactions_begun,
)
from tests.web.test_trace_page import BROWSER, sign_in
from tracemes import services
from tracemes.app import create_app
from tracemes.domain.boms import BomLine
from tracemes.domain.characteristics import Characteristic, Kind
from tracemes.domain.routings import Operation
from tracemes.services.context import Context

from ..conftest import NOW

D = Decimal


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    return make_plant(db, ctx, bikes=2, packs=1)


@pytest.fixture
def station(db: Engine, ctx: Context, plant: Plant) -> Iterator[TestClient]:
    """An operator's browser at station L1-S1 (where BIKE's OP10 binds the frame)."""
    with TestClient(create_app(db, clock=lambda: NOW), headers=BROWSER) as client:
        sign_in(client, db, ctx, "operator")
        chooser = client.get("/station")
        assert "Use this station" in chooser.text
        chosen = client.post("/station/choose", data={"station": "L1-S1"}, follow_redirects=False)
        assert chosen.status_code == 303
        yield client


def _event_id(page: str) -> str:
    found = re.search(r'name="event" value="([0-9a-f]{32})"', page)
    assert found is not None
    return found.group(1)


def _scan(client: TestClient, code: str, unit: str = "", event: str = "") -> str:
    response = client.post("/station/scan", data={"code": code, "unit": unit, "event": event})
    return response.text


def test_scan_unit_then_part_then_pass(
    db: Engine, ctx: Context, station: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    page = _scan(station, bike)
    assert "Started OP10" in page
    assert "FRAME: 0 / 1" in page
    page = _scan(station, "FR-00001", bike, _event_id(page))
    assert "Part bound: FR-00001" in page
    assert "FRAME: 1 / 1" in page
    page = _scan(station, "PASS", bike, _event_id(page))
    assert "Passed. Scan the next unit." in page
    trace = services.trace.backward(db, ctx, bike)
    assert [node.edge.serial for node in trace.parts] == ["FR-00001"]
    assert [(run.operation, run.result) for run in trace.step_runs] == [("OP10", "pass")]


def test_a_part_in_another_unit_is_refused_loud_and_nothing_changes(
    db: Engine, ctx: Context, station: TestClient, plant: Plant
) -> None:
    first, second = plant.bikes
    page = _scan(station, first)
    _scan(station, "FR-00001", first, _event_id(page))
    page = _scan(station, second)
    response = station.post(
        "/station/scan", data={"code": "FR-00001", "unit": second, "event": _event_id(page)}
    )
    assert response.status_code == 409
    assert 'role="alert"' in response.text
    assert "This part is already in another unit" in response.text
    assert f"in unit {first}" in response.text  # the reason from the service
    assert 'id="scan"' in response.text  # the scan field is there again
    assert services.trace.backward(db, ctx, second).parts == ()


def test_a_resent_scan_is_booked_once(
    db: Engine, ctx: Context, station: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    page = _scan(station, bike)
    event = _event_id(page)
    for _ in range(2):  # a double tap sends the same form twice
        _scan(station, "FR-00001", bike, event)
    history = services.trace.history(db, ctx, bike)
    assert [e.type for e in history].count("part.bound") == 1


def test_pass_needs_the_key_parts_and_says_which(
    db: Engine, ctx: Context, station: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    page = _scan(station, bike)
    response = station.post(
        "/station/finish", data={"unit": bike, "result": "pass", "event": _event_id(page)}
    )
    assert response.status_code == 409
    assert "Key parts are missing" in response.text
    assert "FRAME (0 of 1)" in response.text


def test_a_part_before_a_unit_asks_for_the_unit(station: TestClient) -> None:
    response = station.post("/station/scan", data={"code": "FR-00001"})
    assert response.status_code == 409
    assert "Scan a unit first" in response.text


def test_the_station_page_speaks_chinese_by_default(
    db: Engine, ctx: Context, station: TestClient, plant: Plant
) -> None:
    station.headers["Accept-Language"] = "zh-CN"
    page = station.post("/station/scan", data={"code": plant.bikes[0]}).text
    assert "已开工 OP10" in page
    assert "本工序关键件" in page


def test_a_station_label_moves_the_device_and_its_events_there(
    db: Engine, ctx: Context, station: TestClient, plant: Plant
) -> None:
    bike = plant.bikes[0]
    page = _scan(station, bike)
    page = _scan(station, "FR-00001", bike, _event_id(page))
    page = _scan(station, "PASS", bike, _event_id(page))
    page = _scan(station, "L1-S2", "", _event_id(page))
    assert "Now at station L1-S2" in page
    assert "Station L1-S2" in page
    assert station.cookies.get("tracemes_station") == "L1-S2"
    page = _scan(station, bike, "", _event_id(page))
    assert "Started OP20" in page
    runs = services.trace.backward(db, ctx, bike).step_runs
    assert [(run.operation, run.station) for run in runs] == [("OP10", "L1-S1"), ("OP20", "L1-S2")]


@pytest.fixture
def charger(db: Engine, ctx: Context, plant: Plant) -> str:
    """CH-1 of a charger whose one operation measures top speed (<= 25 km/h) and judges the
    lights."""
    make_item(db, ctx, "CHARGER")
    services.boms.replace(db, ctx, "CHARGER", [BomLine("GREASE", Decimal(2), False)])
    checks = (
        Characteristic("top_speed_kmh", "Top speed", usl=Decimal(25), unit="km/h"),
        Characteristic("lights", "Lights", Kind.ATTRIBUTE),
    )
    test = Operation(10, "T10", "Function test", Decimal(60), "L1", checks=checks)
    services.routings.replace(db, ctx, "CHARGER", [test])
    services.work_orders.create(db, ctx, "CHARGER", 1, "L1", code="WO-CH")
    services.work_orders.release(db, ctx, "WO-CH")
    services.work_orders.add_units(db, ctx, "WO-CH", serials=["CH-1"])
    return "CH-1"


def _finish(client: TestClient, unit: str, result: str, value: str, defects: str = "") -> str:
    response = client.post(
        "/station/finish",
        data={
            "unit": unit,
            "result": result,
            "check": ["top_speed_kmh"],
            "value": [value],
            "defects": defects,
        },
    )
    return f"{response.status_code} {response.text}"


def test_a_measured_check_is_asked_for_and_judged_by_its_limits(
    db: Engine, ctx: Context, station: TestClient, charger: str
) -> None:
    page = _scan(station, charger)
    assert "Checks at this operation" in page
    assert re.search(r'<input id="m-top_speed_kmh" name="value"[^>]*autofocus', page)
    assert re.search(r'id="scan"[^>]*autofocus', page) is None  # the cursor goes to the value
    assert "≤ 25 km/h" in page
    assert "Lights" in page

    refused = _finish(station, charger, "pass", "27.1")
    assert refused.startswith("409")
    assert "Out of limits: record it as a fail" in refused
    assert "27.1 km/h is above the upper limit 25 km/h" in refused
    assert 'value="27.1"' in refused  # kept for the fail
    assert re.search(r'id="defects"[^>]*autofocus', refused)

    not_a_number = _finish(station, charger, "pass", "fast")
    assert not_a_number.startswith("422")
    assert "A measurement is not a number" in not_a_number
    missing = _finish(station, charger, "pass", "")
    assert "Enter every measurement first" in missing

    assert "Failed" in _finish(station, charger, "fail", "27.1", "SPEED-LIMIT")
    _scan(station, charger)
    assert "Passed" in _finish(station, charger, "pass", "24.0")
    runs = services.trace.backward(db, ctx, charger).step_runs
    assert [(r.result, r.measurements, r.defects) for r in runs] == [
        ("fail", {"top_speed_kmh": 27.1}, ["SPEED-LIMIT"]),
        ("pass", {"top_speed_kmh": 24.0}, []),
    ]


def test_a_part_scan_on_the_page_is_one_transaction(
    db: Engine, station: TestClient, plant: Plant
) -> None:
    """Before issue #13 the page loaded the floor, asked whether the text was a station,
    recorded and loaded again: 5 transactions and 29 statements for one part. The session
    was checked by the scan before (services.recent_tokens), so it is not asked again."""
    bike = plant.bikes[0]
    page = _scan(station, bike)

    with transactions_begun(db) as begun, statements_run(db) as statements:
        page = _scan(station, "FR-00001", bike, _event_id(page))

    assert "Part bound: FR-00001" in page
    sent = [s for s, _ in statements if not s.lstrip().upper().startswith(("SET", "BEGIN"))]
    assert len(begun) == 1
    assert len(sent) <= 20, "\n".join(sent)


def test_a_transfer_card_opens_its_lot_to_report_and_send_on(
    db: Engine, ctx: Context, station: TestClient
) -> None:
    make_blade_plant(db, ctx)
    (lot,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [100])

    page = _scan(station, f"http://127.0.0.1:8000/lots/BLADE/{lot}")
    assert f"Lot {lot}" in page
    assert "CUT Cutting" in page
    assert "Send on to GRIND" in page

    form = {"item": "BLADE", "lot": lot, "operation": "CUT", "event": "card-1-report"}
    reported = station.post("/station/lot", data={**form, "good": "90", "scrap": "4"})
    assert reported.status_code == 200
    assert "Reported at CUT" in reported.text
    again = station.post("/station/lot", data={**form, "good": "90", "scrap": "4"})
    assert again.status_code == 200  # a resent form is booked once

    too_much = station.post("/station/lot", data={**form, "event": "card-2-report", "good": "7"})
    assert too_much.status_code == 409
    assert "The quantities do not add up" in too_much.text
    typo = station.post("/station/lot", data={**form, "event": "card-3-report", "good": "9O"})
    assert typo.status_code == 422

    sent = station.post(
        "/station/lot",
        data={**form, "kind": "send", "event": "card-1-send", "quantity": "90"},
    )
    assert "Sent on from CUT" in sent.text
    cut, grind, _ = services.production_lots.get(db, ctx, "BLADE", lot).operations
    assert (cut[2].good, cut[2].scrap, cut[2].in_process, grind[2].received) == (
        D(90),
        D(4),
        D(6),
        D(90),
    )
