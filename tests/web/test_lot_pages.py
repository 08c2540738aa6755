"""A production lot's page and its printable transfer card."""

import io
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.engine import Engine

from tests.factories import accept, make_blade_plant, token_for
from tests.web.test_trace_page import BROWSER, sign_in
from tracemes import services
from tracemes.domain.production_lots import ReportLotStep, TransferLot
from tracemes.services.context import Context

D = Decimal


@pytest.fixture
def lot(db: Engine, ctx: Context) -> str:
    """BL0001 of 500 blades: 200 cut and sent on to grinding, 3 scrapped."""
    make_blade_plant(db, ctx)
    (number,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [500])
    accept(
        db,
        ctx,
        ReportLotStep("BLADE", number, "CUT", D(200), D(3)),
        TransferLot("BLADE", number, "CUT", D(200)),
    )
    return number


def test_the_lot_page_shows_its_live_numbers(
    db: Engine, ctx: Context, app_client: TestClient, lot: str
) -> None:
    app_client.headers.update(BROWSER)
    sign_in(app_client, db, ctx, "viewer")
    page = app_client.get(f"/lots/BLADE/{lot}")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "CUT Cutting</td><td>500</td> <td>200</td><td>3</td> <td>0</td><td>297</td>" in text
    assert f"/lots/BLADE/{lot}/card.pdf" in page.text


def test_the_transfer_card_is_an_a6_pdf_with_a_qr_code_of_the_lot_page(
    db: Engine, ctx: Context, client: TestClient, lot: str
) -> None:
    response = client.get(f"/lots/BLADE/{lot}/card.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    card = PdfReader(io.BytesIO(response.content))
    page = card.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (298, 420)
    text = page.extract_text()
    assert "流转单" in text  # Chinese text is embedded, not boxes
    assert lot in text
    assert "WO-BLADE" in text
    assert "CUT Cutting 500 200 3 0 297 0" in " ".join(text.split())
    assert f"/lots/BLADE/{lot}" in text  # what the QR code holds (no public URL set)
    assert "testserver" not in text  # never the Host header
    assert "/XObject" in str(page["/Resources"])  # the QR code, drawn as an image
    a5 = PdfReader(io.BytesIO(client.get(f"/lots/BLADE/{lot}/card.pdf?size=A5").content))
    size = a5.pages[0].mediabox
    assert (round(float(size.width)), round(float(size.height))) == (420, 595)


def test_another_companys_card_is_not_found(
    db: Engine, ctx: Context, other_ctx: Context, app_client: TestClient, lot: str
) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, other_ctx, 'admin')}"
    assert app_client.get(f"/lots/BLADE/{lot}/card.pdf").status_code == 404
