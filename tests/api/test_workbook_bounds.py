"""Uploads are bounded: zip bombs, endless rows and cells are refused quickly and clearly,
with little memory, and leave what is stored as it was; problems are listed up to a cap."""

import struct
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from io import BytesIO

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import make_bike
from tracemes import services
from tracemes.services.context import Context

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEMS_PART = "xl/worksheets/sheet1.xml"  # the template's first sheet, 物料 Items
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def a_workbook_with_items_sheet(chunks: Callable[[], Iterator[bytes]]) -> bytes:
    """The template with its Items sheet's XML replaced by `chunks`, streamed into the zip."""
    template = zipfile.ZipFile(BytesIO(services.workbooks.template()))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for member in template.infolist():
            if member.filename != ITEMS_PART:
                book.writestr(member, template.read(member))
                continue
            with book.open(ITEMS_PART, "w", force_zip64=True) as part:
                for chunk in chunks():
                    part.write(chunk)
    return buffer.getvalue()


def repeated(row: bytes, times: int) -> Callable[[], Iterator[bytes]]:
    """A sheet of `times` copies of one row, made a megabyte at a time."""

    def chunks() -> Iterator[bytes]:
        yield HEAD
        per_chunk = max(1, 1024 * 1024 // len(row))
        left = times
        while left > 0:
            yield row * min(per_chunk, left)
            left -= per_chunk
        yield TAIL

    return chunks


def with_declared_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with the unpacked size of member `name` made to lie, in both of its headers."""
    patched = bytearray(data)
    start = patched.find(b"PK\x01\x02")
    while start != -1:
        name_length = struct.unpack_from("<H", patched, start + 28)[0]
        if patched[start + 46 : start + 46 + name_length] == name.encode():
            extra_length = struct.unpack_from("<H", patched, start + 30)[0]
            local = struct.unpack_from("<I", patched, start + 42)[0]
            struct.pack_into("<I", patched, start + 24, size)
            struct.pack_into("<I", patched, local + 22, size)
            _patch_zip64_sizes(patched, start + 46 + name_length, extra_length, size)
            local_name = struct.unpack_from("<H", patched, local + 26)[0]
            local_extra = struct.unpack_from("<H", patched, local + 28)[0]
            _patch_zip64_sizes(patched, local + 30 + local_name, local_extra, size)
        start = patched.find(b"PK\x01\x02", start + 4)
    return bytes(patched)


def _patch_zip64_sizes(data: bytearray, at: int, length: int, size: int) -> None:
    end = at + length
    while at + 4 <= end:
        tag, field_length = struct.unpack_from("<HH", data, at)
        if tag == 0x0001:
            struct.pack_into("<Q", data, at + 4, size)  # the zip64 unpacked size comes first
        at += 4 + field_length


def refused(client: TestClient, data: bytes) -> tuple[int, dict[str, object], float, int]:
    """Upload; the status, the answer, the seconds taken and the peak Python memory."""
    tracemalloc.start()
    started = time.perf_counter()
    response = client.post("/api/v1/imports/master-data", files={"file": ("bomb.xlsx", data, XLSX)})
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return response.status_code, response.json(), seconds, peak


MB = 1024 * 1024
ROW = b'<row><c t="inlineStr"><is><t>BOMB</t></is></c></row>'


@pytest.fixture
def stored(db: Engine, ctx: Context) -> Iterator[list[object]]:
    """A bike already stored; every refusal must leave it as it was."""
    make_bike(db, ctx, "BIKE")
    before = [services.items.list_all(db, ctx), services.routings.get(db, ctx, "BIKE")]
    yield before
    assert [services.items.list_all(db, ctx), services.routings.get(db, ctx, "BIKE")] == before


def test_a_zip_bomb_is_refused_by_its_unpacked_size_at_once(
    client: TestClient, stored: list[object]
) -> None:
    bomb = a_workbook_with_items_sheet(repeated(ROW, 3_000_000))  # ~160 MB of XML
    assert len(bomb) < MB

    status, body, seconds, peak = refused(client, bomb)

    assert status == 413
    assert body["code"] == "workbook_too_large"
    assert "unpacks to 148 MB" in str(body["detail"])
    assert "at most 64 MB" in str(body["detail"])
    assert seconds < 5
    assert peak < 32 * MB


def test_a_zip_bomb_that_lies_about_its_size_is_refused_without_unpacking_it_all(
    client: TestClient, stored: list[object]
) -> None:
    honest = a_workbook_with_items_sheet(repeated(ROW, 1_500_000))  # ~80 MB of XML
    bomb = with_declared_size(honest, ITEMS_PART, 1000)

    status, body, seconds, peak = refused(client, bomb)

    assert status in {413, 422}
    assert body["code"] in {"workbook_too_large", "not_a_workbook"}
    assert seconds < 5
    assert peak < 32 * MB


def test_a_sheet_of_endless_empty_rows_is_refused_by_its_rows_before_parsing(
    client: TestClient, stored: list[object]
) -> None:
    bomb = a_workbook_with_items_sheet(repeated(b"<row/>", 150_000))

    status, body, seconds, peak = refused(client, bomb)

    assert (status, body["code"]) == (413, "too_many_rows")
    assert "more than 100,000 rows" in str(body["detail"])
    assert seconds < 10
    assert peak < 32 * MB


def test_a_row_wider_than_excel_allows_is_refused(client: TestClient, stored: list[object]) -> None:
    bomb = a_workbook_with_items_sheet(repeated(b"<row>" + b"<c/>" * 2_000_000 + b"</row>", 1))

    status, body, seconds, peak = refused(client, bomb)

    assert (status, body["code"]) == (413, "too_many_cells")
    assert "more than 16,384 cells" in str(body["detail"])
    assert seconds < 10
    assert peak < 32 * MB


def test_too_many_cells_in_all_are_refused(client: TestClient, stored: list[object]) -> None:
    bomb = a_workbook_with_items_sheet(repeated(b"<row>" + b"<c/>" * 200 + b"</row>", 6_000))

    status, body, _, peak = refused(client, bomb)

    assert (status, body["code"]) == (413, "too_many_cells")
    assert "more than 1,000,000 cells" in str(body["detail"])
    assert peak < 32 * MB


def test_a_workbook_declaring_entities_is_not_a_workbook(
    client: TestClient, stored: list[object]
) -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>'
        b"</worksheet>"
    )
    bomb = a_workbook_with_items_sheet(lambda: iter([laughs]))

    status, body, _, _ = refused(client, bomb)

    assert (status, body["code"]) == (422, "not_a_workbook")


def test_an_upload_larger_than_20_mb_is_refused_as_too_large(
    client: TestClient, stored: list[object]
) -> None:
    status, body, _, _ = refused(client, b"PK" + b"\0" * (20 * MB))

    assert (status, body["code"]) == (413, "file_too_large")


def test_thousands_of_wrong_rows_answer_the_first_100_problems_and_a_count_of_the_rest(
    client: TestClient, stored: list[object]
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Items"
    sheet.append(["Code", "Name", "UoM", "Tracking"])
    for number in range(5000):
        sheet.append([f"P{number}", "x" * 2000, "pcs", "sometimes"])
    buffer = BytesIO()
    book.save(buffer)

    response = client.post(
        "/api/v1/imports/master-data",
        files={"file": ("bad.xlsx", buffer.getvalue(), XLSX)},
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "import_rejected"
    assert len(body["problems"]) == 100
    assert body["more_problems"] == 4900
    assert body["problems"][0] == {
        "sheet": "Items",
        "row": 2,
        "reason": "追溯方式 Tracking: 'sometimes' is not serial, lot or none",
    }
    assert "5000 problems" in body["detail"]
    assert "and 4990 more" in body["detail"]
    assert len(response.content) < 64 * 1024
