"""The inspector's pages: open inspections, one sample at a time, the verdict and its hold."""

import html
import io
import json
import re
import uuid
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from tests.factories import accept, build_bike, build_pack, make_item, make_line, make_plant
from tests.web.test_pages import BROWSER, sign_in
from tracemes import services
from tracemes.domain.boms import BomLine
from tracemes.domain.characteristics import Characteristic
from tracemes.domain.routings import Operation
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.unit_events import ShipUnit
from tracemes.services.context import Context

DEFECTS = [
    {"code": "SWELL", "name": "Swollen can", "class": "critical"},
    {"code": "DENT", "name": "Dented can", "class": "major"},
]


@pytest.fixture
def inspector(db: Engine, ctx: Context, app_client: TestClient) -> TestClient:
    """An inspector's browser, and lot C-7 of 500 cells waiting for incoming inspection."""
    make_item(db, ctx, "CELL", "lot")
    voltage = Characteristic(
        "voltage_v", "Voltage", unit="V", lsl=Decimal("3.5"), usl=Decimal("3.7")
    )
    services.inspection.put_plan(
        db, ctx, "IQC-CELL", "CELL", "incoming", [voltage], DEFECTS, "II", "1.0"
    )
    services.lots.receive(db, ctx, "CELL", "C-7", 500, supplier="Lishen")
    return _browser(app_client, db, ctx, "inspector")


def _browser(client: TestClient, db: Engine, ctx: Context, role: str) -> TestClient:
    """A browser signed in with a role."""
    client.headers.update(BROWSER)
    sign_in(client, db, ctx, role)
    return client


def _number(client: TestClient) -> str:
    found = re.search(r'href="/quality/inspections/([^"]+)"', client.get("/quality").text)
    assert found is not None
    return found.group(1)


def test_the_inspector_records_samples_one_after_another(
    db: Engine, ctx: Context, inspector: TestClient
) -> None:
    number = _number(inspector)
    page = inspector.get(f"/quality/inspections/{number}").text
    assert "Sample 1 of 50" in page
    assert re.search(r'<input id="m-voltage_v"[^>]*autofocus', page)
    assert "3.5–3.7 V" in page
    event = re.search(r'name="event" value="([0-9a-f]{32})"', page)
    assert event is not None
    form = {"index": "1", "event": event.group(1), "check": "voltage_v", "value": "3.61"}
    for _ in range(2):  # a double tap
        answer = inspector.post(f"/quality/inspections/{number}/samples", data=form)
    assert "Sample 1 recorded" in answer.text
    assert "Sample 2 of 50" in answer.text
    lot = services.inspection.get_lot(db, ctx, number)
    assert [(s.index, float(s.measurements["voltage_v"])) for s in lot.samples] == [(1, 3.61)]


def test_a_critical_defect_and_decide_reject_and_hold_the_lot(
    db: Engine, ctx: Context, inspector: TestClient
) -> None:
    number = _number(inspector)
    url = f"/quality/inspections/{number}"
    inspector.post(f"{url}/samples", data={"index": "1", "defect": "SWELL"})
    early = inspector.post(f"{url}/decide")
    assert "Rejected: the lot is on hold" in early.text
    assert "critical: 1 defective in 50 (Re 1)" in early.text
    assert services.lots.get(db, ctx, "CELL", "C-7").status == "on_hold"
    listed = inspector.get("/quality").text
    assert "No inspection is waiting." in listed
    assert "rejected" in listed


def test_deciding_too_early_says_how_many_samples_are_missing(inspector: TestClient) -> None:
    number = _number(inspector)
    answer = inspector.post(f"/quality/inspections/{number}/decide")
    assert answer.status_code == 409
    assert "50 samples still to record" in answer.text


def test_a_viewer_cannot_record_and_another_tenant_cannot_see(
    db: Engine, ctx: Context, other_ctx: Context, inspector: TestClient, app_client: TestClient
) -> None:
    number = _number(inspector)
    inspector.post("/logout")
    sign_in(inspector, db, ctx, "viewer")
    assert inspector.get(f"/quality/inspections/{number}").status_code == 200
    refused = inspector.post(f"/quality/inspections/{number}/samples", data={"index": "1"})
    assert refused.status_code == 403
    inspector.post("/logout")
    sign_in(inspector, db, other_ctx, "inspector", tenant="BETA")
    assert inspector.get(f"/quality/inspections/{number}").status_code == 404


def test_the_quality_page_reports_suppliers_pareto_and_offers_charts(
    db: Engine, ctx: Context, inspector: TestClient
) -> None:
    number = _number(inspector)
    inspector.post(f"/quality/inspections/{number}/samples", data={"index": "1", "defect": "DENT"})
    inspector.post(f"/quality/inspections/{number}/samples", data={"index": "2", "defect": "DENT"})
    inspector.post(f"/quality/inspections/{number}/decide")  # 2 majors: Re 2 at lot 500
    page = inspector.get("/quality").text
    assert "Supplier quality" in page
    assert re.search(r"Lishen</a></th><td class=\"number\">1</td>", page)
    assert re.search(r"<th scope=\"row\">DENT</th><td class=\"number\">2</td>", page)
    assert "No routing measures anything yet." in page


def test_a_measured_characteristic_gets_an_individuals_chart(
    db: Engine, ctx: Context, inspector: TestClient
) -> None:
    make_item(db, ctx, "CHARGER", serial_pattern="CH{seq:3}")
    services.boms.replace(db, ctx, "CHARGER", [BomLine("CELL", Decimal(1), False)])
    speed = Characteristic("top_speed_kmh", "Top speed", usl=Decimal(25), unit="km/h")
    test = Operation(10, "T10", "Function test", Decimal(60), "L1", checks=(speed,))
    pack = Operation(20, "T20", "Packing", Decimal(30), "L1")  # checks nothing
    make_line(db, ctx, "L1")
    services.routings.replace(db, ctx, "CHARGER", [test, pack])
    services.work_orders.create(db, ctx, "CHARGER", 5, "L1", code="WO-CH")
    services.work_orders.release(db, ctx, "WO-CH")
    chargers = services.work_orders.add_units(db, ctx, "WO-CH", count=5)
    for serial, value in zip(chargers, (24.0, 24.4, 23.8, 24.1, 24.2), strict=True):
        accept(
            db,
            ctx,
            StartStep(serial, "T10"),
            CompleteStep(serial, "T10", True, {"top_speed_kmh": value}),
        )
    listed = inspector.get("/quality").text
    assert "/quality/spc?item=CHARGER&amp;operation=T10&amp;characteristic=top_speed_kmh" in listed
    page = inspector.get(
        "/quality/spc",
        params={"item": "CHARGER", "operation": "T10", "characteristic": "top_speed_kmh"},
    ).text
    assert 'id="spc-chart"' in page
    assert re.search(r'data-figure="center">24\.100<', page)
    assert 'data-figure="cpk"' in page  # the routing's USL 25 km/h as specification


def test_the_work_order_page_opens_its_final_inspection(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    inspector = _browser(app_client, db, ctx, "inspector")
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
    defects = [{"code": "SCRATCH", "name": "Scratch", "class": "minor"}]
    services.inspection.put_plan(db, ctx, "FQC-BIKE", "BIKE", "final", [], defects, full=True)
    page = inspector.get("/work-orders/WO-BIKE").text
    assert "Open final inspection" in page
    opened = inspector.post(
        "/quality/final-inspections", data={"work_order": "WO-BIKE"}, follow_redirects=False
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == "/quality/inspections/FQC20260316-001"
    inspection = inspector.get(opened.headers["location"]).text
    assert 'href="/work-orders/WO-BIKE"' in inspection
    assert "Sample 1 of 1" in inspection


def test_the_work_order_page_opens_an_in_process_inspection(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    """Packs past P10 are sampled where they are made; the page names the units to take."""
    inspector = _browser(app_client, db, ctx, "inspector")
    plant = make_plant(db, ctx, bikes=1, packs=2)
    for pack in plant.packs:
        build_pack(db, ctx, pack)
    services.inspection.put_plan(
        db, ctx, "IPQC-P10", "PACK", "in_process", [], DEFECTS, "II", "1.0", operation="P10"
    )
    page = inspector.get("/work-orders/WO-PACK").text
    assert "Open in-process inspection" in page
    assert "<option>P10</option>" in page
    assert "Open in-process inspection" not in inspector.get("/work-orders/WO-BIKE").text
    opened = inspector.post(
        "/quality/in-process-inspections",
        data={"work_order": "WO-PACK", "operation": "P10"},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == "/quality/inspections/IPQC20260316-001"
    inspection = inspector.get(opened.headers["location"]).text
    assert "In-process inspection at P10" in inspection
    assert "Units in this lot (2)" in inspection
    assert all(f'href="/trace?q={pack}"' in inspection for pack in plant.packs)
    assert "WO-PACK · P10" in inspector.get("/quality").text
    again = inspector.post(  # a double tap, or a colleague: the lot already open
        "/quality/in-process-inspections",
        data={"work_order": "WO-PACK", "operation": "P10"},
        follow_redirects=False,
    )
    assert again.headers["location"] == "/quality/inspections/IPQC20260316-001"
    assert len(services.inspection.list_lots(db, ctx, "open")) == 1


def test_a_suppliers_lots_get_a_p_chart(db: Engine, ctx: Context, inspector: TestClient) -> None:
    first = _number(inspector)
    inspector.post(f"/quality/inspections/{first}/samples", data={"index": "1", "defect": "SWELL"})
    inspector.post(f"/quality/inspections/{first}/decide")
    services.lots.receive(db, ctx, "CELL", "C-8", 500, supplier="Lishen")
    (second,) = [r.number for r in services.inspection.list_lots(db, ctx, "open")]
    clean: list[tuple[str, int, dict[str, object], list[str]]] = [
        (uuid.uuid4().hex, i, {"voltage_v": 3.6}, []) for i in range(1, 51)
    ]
    services.inspection.record(db, ctx, second, clean)
    services.inspection.decide(db, ctx, second)
    assert "/quality/supplier-chart?supplier=Lishen" in inspector.get("/quality").text
    page = inspector.get("/quality/supplier-chart", params={"supplier": "Lishen"}).text
    assert 'id="spc-chart"' in page
    assert page.index(first) < page.index(second)  # in the order they were decided
    assert re.search(r'data-figure="center">2\.0%<', page)  # 1 defective in 51 sampled
    lonely = inspector.get("/quality/supplier-chart", params={"supplier": "Nobody"}).text
    assert "Fewer than 2 inspected lots" in lonely


def test_a_nonconformance_is_closed_with_a_disposition_on_the_page(
    db: Engine, ctx: Context, inspector: TestClient
) -> None:
    """Lot C-7 rejected; a complaint about lot C-8 held by hand; the engineer returns C-7."""
    number = _number(inspector)
    inspector.post(f"/quality/inspections/{number}/samples", data={"index": "1", "defect": "SWELL"})
    inspector.post(f"/quality/inspections/{number}/decide")
    services.lots.receive(db, ctx, "CELL", "C-8", 200, supplier="Lishen")
    complaint = services.holds.place(db, ctx, "complaint: cells hot", lots=[("CELL", "C-8")])
    assert "2 open" in inspector.get("/quality").text
    page = inspector.get("/quality/nonconformances").text
    assert number in page
    assert "complaint: cells hot" in page
    assert "critical: 1 defective in 50 (Re 1)" in page
    rejected = services.inspection.get_lot(db, ctx, number).hold_code
    assert rejected is not None
    form = {"disposition": "return_to_supplier", "note": "RMA 2611-07"}
    for _ in range(2):  # a double tap closes it once
        closed = inspector.post(
            f"/quality/nonconformances/{rejected}/close", data=form, follow_redirects=False
        )
        assert closed.status_code == 303
    hold = services.holds.get(db, ctx, rejected)
    assert (hold.disposition, hold.note) == ("return_to_supplier", "RMA 2611-07")
    assert services.lots.get(db, ctx, "CELL", "C-7").status == "rejected"
    after = inspector.get("/quality/nonconformances").text
    assert after.index(complaint.code) < after.index("Closed") < after.index(rejected)
    assert "Return to supplier" in after
    wrong = inspector.post(
        f"/quality/nonconformances/{complaint.code}/close", data={"disposition": "bin"}
    )
    assert wrong.status_code == 422
    assert services.holds.get(db, ctx, complaint.code).released_at is None
    other_mind = inspector.post(  # a colleague closed it meanwhile, differently
        f"/quality/nonconformances/{rejected}/close", data={"disposition": "use_as_is"}
    )
    assert other_mind.status_code == 409
    assert "already closed as return_to_supplier" in other_mind.text


def test_yields_by_day_are_charted_with_their_figures_in_a_table(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    inspector = _browser(app_client, db, ctx, "viewer")
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
    assert 'href="/quality/yields?item=BIKE"' in inspector.get("/quality").text
    page = inspector.get("/quality/yields").text
    assert 'id="yields-chart"' in page
    chart = re.search(r"data-chart='([^']+)'", page)
    assert chart is not None
    data = json.loads(html.unescape(chart.group(1)))
    assert len(data["days"]) == 30
    assert (data["days"][-1], data["pass_rate"][-1]) == ("2026-03-16", 100.0)
    assert data["pass_rate"][0] is None  # an idle day is a gap, not 0 %
    today = re.search(r'<tr data-day="2026-03-16">(.*?)</tr>', page, re.S)
    assert today is not None
    assert re.search(r"<td class=\"number\">4</td><td class=\"number\">0</td>", today.group(1))
    assert 'data-figure="pass-rate">100.0%<' in today.group(1)
    bikes = inspector.get("/quality/yields", params={"item": "BIKE"}).text
    assert re.search(
        r'<tr data-day="2026-03-16"><th scope="row">2026-03-16</th>\s*<td class="number">3</td>',
        bikes,
    )


def test_a_rejection_shows_the_units_already_shipped_to_recall(
    db: Engine, ctx: Context, app_client: TestClient
) -> None:
    inspector = _browser(app_client, db, ctx, "inspector")
    plant = make_plant(db, ctx, bikes=1, packs=1)
    services.inspection.put_plan(db, ctx, "IQC-CELL", "CELL", "incoming", [], DEFECTS, "II", "1.0")
    services.lots.receive(db, ctx, "CELL", "C-10", 100, supplier="Lishen")
    (number,) = [r.number for r in services.inspection.list_lots(db, ctx, "open")]
    build_pack(db, ctx, plant.packs[0], lot="C-10")
    bike = plant.bikes[0]
    build_bike(db, ctx, bike, plant.packs[0], 1)
    accept(db, ctx, ShipUnit(bike, "Hangzhou Ride"))
    inspector.post(f"/quality/inspections/{number}/samples", data={"index": "1", "defect": "SWELL"})
    inspector.post(f"/quality/inspections/{number}/decide")
    for page in (f"/quality/inspections/{number}", "/quality/nonconformances"):
        text = inspector.get(page).text
        assert "Already shipped, to recall (1):" in text
        assert f'href="/trace?q={bike}"' in text


def test_values_measured_in_inspections_have_a_control_chart(
    db: Engine, ctx: Context, inspector: TestClient
) -> None:
    number = _number(inspector)
    samples: list[tuple[str, int, dict[str, object], list[str]]] = [
        (uuid.uuid4().hex, i, {"voltage_v": v}, []) for i, v in enumerate((3.60, 3.62, 3.64), 1)
    ]
    services.inspection.record(db, ctx, number, samples)
    listed = inspector.get("/quality").text
    assert "/quality/spc?plan=IQC-CELL&amp;characteristic=voltage_v" in listed
    page = inspector.get(
        "/quality/spc", params={"plan": "IQC-CELL", "characteristic": "voltage_v"}
    ).text
    assert 'id="spc-chart"' in page
    assert re.search(r'data-figure="center">3\.620<', page)
    assert "on the inspection samples" in page
    missing = inspector.get("/quality/spc", params={"plan": "NOPE", "characteristic": "v"})
    assert missing.status_code == 404


def test_the_inspection_report_is_an_a4_pdf_with_every_sample_and_the_verdict(
    db: Engine, ctx: Context, inspector: TestClient
) -> None:
    number = _number(inspector)
    url = f"/quality/inspections/{number}/report.pdf"
    assert url in inspector.get(f"/quality/inspections/{number}").text
    draft = PdfReader(io.BytesIO(inspector.get(url).content))
    assert "draft: not decided" in draft.pages[0].extract_text()
    samples: list[tuple[str, int, dict[str, object], list[str]]] = [
        (uuid.uuid4().hex, 1, {"voltage_v": 3.61}, []),
        (uuid.uuid4().hex, 2, {"voltage_v": 3.75}, ["DENT"]),  # above 3.7 V, and dented
        (uuid.uuid4().hex, 3, {"voltage_v": 3.58}, ["SWELL"]),
    ]
    services.inspection.record(db, ctx, number, samples)
    services.inspection.decide(db, ctx, number)
    response = inspector.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    report = PdfReader(io.BytesIO(response.content))
    width, height = report.pages[0].mediabox.width, report.pages[0].mediabox.height
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    text = "\n".join(p.extract_text() for p in report.pages)
    for expected in (number, "CELL", "C-7", "Lishen", "3.75", "DENT Dented can", "拒收 Rejected"):
        assert expected in text, expected
    assert "critical: 1 defective in 50 (Re 1)" in text
    assert "检验报告" in text  # the CJK font is embedded
    other = inspector.get("/quality/inspections/IQC20990101-001/report.pdf")
    assert other.status_code == 404
