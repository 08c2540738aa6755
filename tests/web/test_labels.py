"""Unit labels as PDF and ZPL, and the GS1 Digital Link their QR codes carry."""

import io
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from tests.factories import accept, make_plant, token_for
from tracemes import services
from tracemes.app import create_app
from tracemes.config import Settings
from tracemes.domain.unit_events import ScrapUnit
from tracemes.exports import labels
from tracemes.services.context import Context
from tracemes.services.labels import LabelData

MM = 72 / 25.4  # points per millimetre


@pytest.fixture
def bikes(db: Engine, ctx: Context) -> list[str]:
    """WO-BIKE with 4 bike units (BIKE has GTIN 06901234567892) and WO-PACK with 4 packs."""
    return make_plant(db, ctx, bikes=4, packs=4).bikes


def _size_mm(page: object) -> tuple[int, int]:
    box = page.mediabox  # type: ignore[attr-defined]
    return round(float(box.width) / MM), round(float(box.height) / MM)


def test_a4_sheets_hold_every_unit_of_the_order(client: TestClient, bikes: list[str]) -> None:
    response = client.get("/work-orders/WO-BIKE/labels.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    sheet = PdfReader(io.BytesIO(response.content))
    assert len(sheet.pages) == 1
    assert _size_mm(sheet.pages[0]) == (210, 297)
    text = sheet.pages[0].extract_text()
    assert all(serial in text for serial in bikes)


def test_single_labels_are_60_by_40_mm_one_per_unit(client: TestClient, bikes: list[str]) -> None:
    labels = PdfReader(
        io.BytesIO(client.get("/work-orders/WO-BIKE/labels.pdf?layout=single").content)
    )
    assert len(labels.pages) == len(bikes)
    assert {_size_mm(page) for page in labels.pages} == {(60, 40)}
    assert bikes[0] in labels.pages[0].extract_text()
    one = PdfReader(io.BytesIO(client.get(f"/units/{bikes[2]}/label.pdf").content))
    assert len(one.pages) == 1
    assert bikes[2] in one.pages[0].extract_text()


def test_zpl_has_a_digital_link_qr_and_a_code_128_per_unit(
    client: TestClient, bikes: list[str]
) -> None:
    response = client.get("/work-orders/WO-BIKE/labels.zpl")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.zebra-zpl")
    zpl = response.text
    assert zpl.count("^XA") == zpl.count("^XZ") == len(bikes)
    assert "^PW480" in zpl  # 60 mm at 203 dpi
    assert "^LL320" in zpl
    for serial in bikes:
        assert f"^FDMA,https://id.gs1.org/01/06901234567892/21/{serial}^FS" in zpl
        assert re.search(rf"\^BCN[^\n]*\^FD{serial}\^FS", zpl)


def test_an_item_without_gtin_puts_the_serial_in_the_qr_code(
    client: TestClient, bikes: list[str]
) -> None:
    zpl = client.get("/work-orders/WO-PACK/labels.zpl").text
    assert "^FDMA,PK0001^FS" in zpl
    assert "/01/" not in zpl


def test_the_digital_link_opens_the_units_trace(client: TestClient, bikes: list[str]) -> None:
    response = client.get(f"/01/06901234567892/21/{bikes[0]}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/trace?q={bikes[0]}"
    wrong_item = client.get("/01/06901234567809/21/" + bikes[0], follow_redirects=False)
    assert wrong_item.status_code == 404


def test_scrapped_units_get_no_label(
    db: Engine, ctx: Context, client: TestClient, bikes: list[str]
) -> None:
    accept(db, ctx, ScrapUnit(bikes[1], "dropped"))
    zpl = client.get("/work-orders/WO-BIKE/labels.zpl").text
    assert zpl.count("^XA") == len(bikes) - 1
    assert bikes[1] not in zpl


def test_another_companys_labels_are_not_found(
    db: Engine, ctx: Context, other_ctx: Context, app_client: TestClient, bikes: list[str]
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, other_ctx, 'admin')}"
    assert app_client.get("/work-orders/WO-BIKE/labels.pdf").status_code == 404
    assert app_client.get(f"/units/{bikes[0]}/label.pdf").status_code == 404
    assert app_client.get(f"/01/06901234567892/21/{bikes[0]}").status_code == 404
    assert services.labels.of_work_order(db, ctx, "WO-BIKE")


def test_label_qr_codes_lead_to_the_public_url_whatever_host_the_request_names(
    db: Engine, ctx: Context, bikes: list[str]
) -> None:
    settings = Settings(public_url="https://mes.example.cn")
    with TestClient(
        create_app(db, clock=lambda: ctx.now, settings=settings),
        base_url="https://testserver",
    ) as client:
        client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'admin')}"
        zpl = client.get("/work-orders/WO-BIKE/labels.zpl", headers={"Host": "evil.example"}).text

    assert f"^FDMA,https://mes.example.cn/01/06901234567892/21/{bikes[0]}^FS" in zpl
    assert "evil.example" not in zpl


def test_a_label_built_without_a_public_url_never_carries_the_host_header(
    client: TestClient, bikes: list[str]
) -> None:
    zpl = client.get("/work-orders/WO-BIKE/labels.zpl", headers={"Host": "evil.example"}).text

    assert "evil.example" not in zpl
    assert f"https://id.gs1.org/01/06901234567892/21/{bikes[0]}" in zpl


def _printed_fields(zpl: str) -> list[str]:
    """What a printer prints for each field: ^FH\\ fields with their \\XX escapes undone."""
    fields = re.findall(r"\^FH\\\^FD(.*?)\^FS", zpl)
    return [
        re.sub(rb"\\([0-9A-F]{2})", lambda m: bytes([int(m[1], 16)]), f.encode()).decode()
        for f in fields
    ]


def test_a_serial_with_zpl_commands_in_it_prints_as_itself_and_starts_no_command() -> None:
    serial = "SN^XA^FO0,0^FDpwned^FS~JR\\1"
    label = LabelData(serial, "BIKE^XZ", "Bike", "06901234567892", date(2026, 3, 16))

    zpl = labels.zpl([label], "https://mes.example.cn")

    assert zpl.count("^XA") == 1
    assert zpl.count("^XZ") == 1
    assert zpl.count("^FS") == 5  # one per field: the serial ends none early
    assert "~" not in zpl
    printed = _printed_fields(zpl)
    assert printed[1:] == ["BIKE^XZ", "2026-03-16", serial, serial]
    assert printed[0].startswith("MA,https://mes.example.cn/01/06901234567892/21/SN%5EXA")
