"""Master-data workbooks through HTTP: upload, download, problems as 422 details."""

from collections.abc import Sequence
from io import BytesIO

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_bike, token_for
from tracemes import services
from tracemes.services.context import Context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def a_workbook(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    """An .xlsx file with these sheets, each given as its rows (the first is the header)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client: TestClient, data: bytes) -> tuple[int, dict[str, object]]:
    """POST a workbook as the multipart field `file`; the status and JSON answer."""
    response = client.post(
        "/api/v1/imports/master-data", files={"file": ("master-data.xlsx", data, XLSX)}
    )
    return response.status_code, response.json()


ITEMS = ["Code", "Name", "UoM", "Tracking"]


def test_uploading_a_good_workbook_answers_what_was_stored(
    client: TestClient, db: Engine, ctx: Context
) -> None:
    workbook = a_workbook(
        {
            "Items": [ITEMS, ["CART", "Cart", "pcs", "serial"], ["WHEEL", "Wheel", "pcs", "lot"]],
            "物料清单": [["父项", "子项", "数量", "关键件"], ["CART", "WHEEL", 4, "是"]],
        }
    )

    status, body = upload(client, workbook)

    assert status == 200
    assert body == {
        "items": {"created": 2, "updated": 0, "unchanged": 0},
        "boms": {"created": 1, "updated": 0, "unchanged": 0},
        "routings": {"created": 0, "updated": 0, "unchanged": 0},
        "lines": {"created": 0, "updated": 0, "unchanged": 0},
        "stations": {"created": 0, "updated": 0, "unchanged": 0},
        "inspection_plans": {"created": 0, "updated": 0, "unchanged": 0},
    }
    assert client.get("/api/v1/boms/CART").json()["components"][0]["key"] is True


def test_uploading_a_bad_workbook_is_422_with_each_problem_and_stores_nothing(
    client: TestClient,
) -> None:
    workbook = a_workbook(
        {
            "Items": [
                ITEMS,
                ["CART", "Cart", "pcs", "serial"],
                ["WHEEL", "", "pcs", "lot"],
                ["AXLE", "Axle", "pcs", "lot"],
            ],
            "BOM": [["Parent item", "Component", "Quantity"], ["CART", "AXLE", -1]],
        }
    )

    status, body = upload(client, workbook)

    assert status == 422
    assert body["code"] == "import_rejected"
    assert body["problems"] == [
        {"sheet": "Items", "row": 3, "reason": "名称 Name: must not be empty"},
        {"sheet": "BOM", "row": 2, "reason": "数量 Quantity: must be greater than zero, got -1"},
    ]
    assert "Items!row 3" in str(body["detail"])
    assert client.get("/api/v1/items/CART").status_code == 404


def test_numbers_out_of_range_in_a_workbook_are_refused_like_the_api_refuses_them(
    client: TestClient,
) -> None:
    workbook = a_workbook(
        {
            "Items": [
                [*ITEMS, "Standard cost"],
                ["CART", "Cart", "pcs", "serial", "1e400"],
                ["WHEEL", "Wheel", "pcs", "lot", 1e300],
                ["AXLE", "Axle", "pcs", "lot", "NaN"],
            ],
            "BOM": [["Parent item", "Component", "Quantity"], ["CART", "AXLE", "0.0000001"]],
            "Routing": [
                ["Item", "Seq", "Operation code", "Operation name", "Std time (s)"],
                ["CART", 10, "OP10", "Build", "Infinity"],
            ],
        }
    )

    status, body = upload(client, workbook)

    assert status == 422
    reasons = [(p["sheet"], p["row"], p["reason"]) for p in body["problems"]]  # type: ignore[attr-defined]
    assert [r[:2] for r in reasons] == [
        ("Items", 2),
        ("Items", 3),
        ("Items", 4),
        ("BOM", 2),
        ("Routing", 2),
    ]
    assert "too large" in reasons[0][2]
    assert "too large" in reasons[1][2]
    assert "not a finite number" in reasons[2][2]
    assert "more than 6 decimals" in reasons[3][2]
    assert "not a finite number" in reasons[4][2]
    assert client.get("/api/v1/items").json() == []


def test_a_file_that_is_not_a_workbook_is_422(client: TestClient) -> None:
    status, body = upload(client, b"just text")

    assert status == 422
    assert body["code"] == "not_a_workbook"


def test_a_viewer_may_not_import(app_client: TestClient, db: Engine, ctx: Context) -> None:
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'viewer')}"

    status, body = upload(app_client, services.workbooks.template())

    assert status == 403
    assert body["code"] == "forbidden"


def test_the_export_downloads_the_companys_master_data_as_xlsx(
    app_client: TestClient, db: Engine, ctx: Context
) -> None:
    make_bike(db, ctx, "BIKE")
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'viewer')}"

    response = app_client.get("/api/v1/exports/master-data.xlsx")

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == (
        'attachment; filename="master-data-20260316.xlsx"'
    )
    book = openpyxl.load_workbook(BytesIO(response.content))
    assert book["物料 Items"]["A2"].value == "BIKE"


def test_the_template_downloads_with_its_file_name(client: TestClient) -> None:
    response = client.get("/api/v1/imports/template.xlsx")

    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert "master-data-template.xlsx" in response.headers["content-disposition"]
    assert openpyxl.load_workbook(BytesIO(response.content)).sheetnames[:3] == [
        "物料 Items",
        "物料清单 BOM",
        "工艺路线 Routing",
    ]


def test_downloads_need_a_signed_in_user(app_client: TestClient) -> None:
    assert app_client.get("/api/v1/imports/template.xlsx").status_code == 401
    assert app_client.get("/api/v1/exports/master-data.xlsx").status_code == 401
