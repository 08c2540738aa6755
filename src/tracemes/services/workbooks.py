"""Excel import and export of master data: items, BOMs and routings in one workbook."""

import dataclasses
import zipfile
from collections.abc import Sequence
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, services, store
from tracemes.domain.boms import Bom
from tracemes.domain.errors import (
    DomainError,
    ImportRejectedError,
    InvalidInputError,
    RowProblem,
)
from tracemes.domain.items import Item
from tracemes.domain.routings import Routing
from tracemes.domain.workbooks import (
    BOMS,
    ITEMS,
    ROUTINGS,
    BomRows,
    ImportSummary,
    ItemRow,
    RawSheet,
    RoutingRows,
    Sheet,
)
from tracemes.services.context import Context

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 20 * 1024 * 1024
_NUMBER_COLUMNS = frozenset({"standard_cost", "quantity", "seq", "std_time_s"})

# What openpyxl raises on a file that is not a readable .xlsx (a zip missing its parts, broken
# XML, odd cell data); nothing else happens inside the reading code, so these mean "bad file".
_UNREADABLE = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    SyntaxError,
    EOFError,
)


def import_master_data(db: Engine, ctx: Context, data: bytes) -> ImportSummary:
    """Store every item, BOM and routing of a workbook, or nothing of it if any row is wrong.

    Items go first, then routings and BOMs, so a file may define the parts it uses. A file
    imported twice changes nothing the second time, so an idempotency key is not needed.
    """
    contents = domain.workbooks.read(_raw_sheets(data))
    problems = list(contents.problems)
    # Several ledger events come from one request, so one client key cannot name them all.
    ctx = dataclasses.replace(ctx, idempotency_key=None)
    with db.begin() as conn:
        item_outcomes = [_save_item(conn, ctx, row, problems) for row in contents.items]
        routing_outcomes = [_save_routing(conn, ctx, rows, problems) for rows in contents.routings]
        bom_outcomes = [_save_bom(conn, ctx, rows, problems) for rows in contents.boms]
        if problems:
            raise ImportRejectedError(problems)  # rolls the whole file back
    return ImportSummary(
        items=domain.workbooks.tally(item_outcomes),
        boms=domain.workbooks.tally(bom_outcomes),
        routings=domain.workbooks.tally(routing_outcomes),
    )


def template() -> bytes:
    """An empty workbook with the Items, BOM and Routing sheets for engineers to fill in."""
    return _workbook([], [], [])


def export_master_data(db: Engine, ctx: Context) -> bytes:
    """The tenant's items, current BOMs and current routings as a workbook that re-imports."""
    with store.db.reading(db) as conn:
        all_items = store.items.list_all(conn, ctx.tenant_id)
        all_boms = store.boms.list_current(conn, ctx.tenant_id)
        all_routings = store.routings.list_current(conn, ctx.tenant_id)
    return _workbook(all_items, all_boms, all_routings)


def _save_item(conn: Connection, ctx: Context, row: ItemRow, problems: list[RowProblem]) -> str:
    try:
        return services.items.save(conn, ctx, row.item)
    except DomainError as error:
        problems.append(domain.workbooks.problem(ITEMS, row.sheet, [row.row], error))
        return "refused"


def _save_bom(conn: Connection, ctx: Context, rows: BomRows, problems: list[RowProblem]) -> str:
    try:
        before = store.boms.current(conn, ctx.tenant_id, rows.item_code)
        after = services.boms.replace_in(conn, ctx, rows.item_code, rows.lines)
    except DomainError as error:
        problems.append(domain.workbooks.problem(BOMS, rows.sheet, rows.rows, error))
        return "refused"
    return _outcome(None if before is None else before.version, after.version)


def _save_routing(
    conn: Connection, ctx: Context, rows: RoutingRows, problems: list[RowProblem]
) -> str:
    try:
        before = store.routings.current(conn, ctx.tenant_id, rows.item_code)
        after = services.routings.replace_in(conn, ctx, rows.item_code, rows.operations)
    except DomainError as error:
        problems.append(domain.workbooks.problem(ROUTINGS, rows.sheet, rows.rows, error))
        return "refused"
    return _outcome(None if before is None else before.version, after.version)


def _outcome(version_before: int | None, version_after: int) -> str:
    if version_before is None:
        return "created"
    return "unchanged" if version_before == version_after else "updated"


def _raw_sheets(data: bytes) -> list[RawSheet]:
    """The cells of the sheets we read, from the bytes of an .xlsx file."""
    if len(data) > MAX_BYTES:
        raise InvalidInputError("file", f"is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            return [
                _raw_sheet(sheet)
                for sheet in book.worksheets
                if domain.workbooks.sheet_of(sheet.title) is not None
            ]
        finally:
            book.close()
    except _UNREADABLE as error:
        raise InvalidInputError(
            "file", "is not an Excel workbook (.xlsx)", code="not_a_workbook"
        ) from error


def _raw_sheet(sheet: Any) -> RawSheet:
    """One worksheet: the first non-empty row is the header row, the rest are data."""
    sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
    headers: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[int, dict[str, object]]] = []
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        if not any(value is not None for value in values):
            continue
        if headers is None:
            headers = tuple("" if value is None else str(value).strip() for value in values)
            header_row = number
            continue
        # Rows may be shorter or longer than the header row; cells past it have no column.
        cells = zip(headers, values, strict=False)
        rows.append((number, {header: value for header, value in cells if header}))
    named = tuple(header for header in headers or () if header)
    return RawSheet(sheet.title, named, tuple(rows), header_row)


def _workbook(items: Sequence[Item], boms: Sequence[Bom], routings: Sequence[Routing]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    _add_sheet(book, ITEMS, [domain.workbooks.item_cells(item) for item in items])
    _add_sheet(book, BOMS, [row for bom in boms for row in domain.workbooks.bom_cells(bom)])
    _add_sheet(
        book,
        ROUTINGS,
        [row for routing in routings for row in domain.workbooks.routing_cells(routing)],
    )
    notes = book.create_sheet(domain.workbooks.NOTES_TITLE)
    notes.append(["主题 Topic", "说明 Notes"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for topic, text in domain.workbooks.NOTES:
        notes.append([topic, text])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 120
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _add_sheet(book: Any, sheet: Sheet, rows: Sequence[tuple[object, ...]]) -> None:
    """A sheet with its bold bilingual header row, frozen, and columns wide enough to read."""
    worksheet = book.create_sheet(sheet.title)
    worksheet.append(list(domain.workbooks.header_row(sheet)))
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = max(12, _display_width(column.header) + 4)
        if column.key not in _NUMBER_COLUMNS:
            worksheet.column_dimensions[letter].number_format = "@"  # codes keep leading zeros
    for number, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            cell = worksheet.cell(row=number, column=index, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula (a name like "=1+1" stays text)


def _display_width(text: str) -> int:
    """Columns a header needs: Chinese characters take two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)
