"""Excel import and export of master data: lines, stations, items, BOMs, routings with their
checks, and inspection plans in one workbook; uploads bounded before and while reading."""

import dataclasses
import re
import time
import zipfile
from collections.abc import Callable, Sequence
from io import BytesIO
from typing import Any, TypeVar
from xml.parsers import expat

import openpyxl
from openpyxl.cell import WriteOnlyCell
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
    TooLargeError,
)
from tracemes.domain.inspection import InspectionPlan
from tracemes.domain.items import Item
from tracemes.domain.lines import Line, Station
from tracemes.domain.routings import Routing
from tracemes.domain.workbooks import (
    BOMS,
    CHECKS,
    DEFECTS,
    ITEMS,
    LINES,
    PLAN_CHECKS,
    PLANS,
    ROUTINGS,
    STATIONS,
    BomRows,
    ImportSummary,
    ItemRow,
    RawSheet,
    RoutingRows,
    Sheet,
)
from tracemes.services.context import Context

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MB = 1024 * 1024
MAX_BYTES = 20 * MB  # the upload as sent (compressed)
MAX_UNCOMPRESSED = 64 * MB  # every part of the workbook unpacked
MAX_MEMBERS = 1000  # parts of the zip
MAX_ROWS = 100_000  # rows over every sheet, empty ones included
MAX_CELLS = 1_000_000  # cells over every sheet, empty ones included
MAX_COLUMNS = 16_384  # cells in one row: Excel's own limit (column XFD)
MAX_SECONDS = 30  # time to unpack, scan and read the cells
_NUMBER_COLUMNS = frozenset(
    {"standard_cost", "quantity", "seq", "std_time_s", "lsl", "usl", "aql_major", "aql_minor"}
)
_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")

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
    expat.ExpatError,
)


def import_master_data(db: Engine, ctx: Context, data: bytes) -> ImportSummary:
    """Store every line, station, item, BOM, routing and inspection plan of a workbook, or
    nothing of it if any row is wrong.

    Lines and stations go first, then items, routings, BOMs and plans, so a file may define
    what it uses. A file imported twice changes nothing the second time, so an idempotency key
    is not needed.
    """
    contents = domain.workbooks.read(_raw_sheets(data))
    problems = list(contents.problems)
    # Several ledger events come from one request, so one client key cannot name them all.
    ctx = dataclasses.replace(ctx, idempotency_key=None)
    with db.begin() as conn:
        line_outcomes = [
            _saved(
                LINES, row.sheet, [row.row], problems, services.lines.save_line, conn, ctx, row.line
            )
            for row in contents.lines
        ]
        station_outcomes = [
            _saved(
                STATIONS,
                row.sheet,
                [row.row],
                problems,
                services.lines.save_station,
                conn,
                ctx,
                row.station,
            )
            for row in contents.stations
        ]
        item_outcomes = [_save_item(conn, ctx, row, problems) for row in contents.items]
        routing_outcomes = [_save_routing(conn, ctx, rows, problems) for rows in contents.routings]
        bom_outcomes = [_save_bom(conn, ctx, rows, problems) for rows in contents.boms]
        plan_outcomes = [
            _saved(
                PLANS,
                row.sheet,
                [row.row],
                problems,
                services.inspection.save_plan,
                conn,
                ctx,
                row.plan,
            )
            for row in contents.plans
        ]
        if problems:
            raise ImportRejectedError(problems)  # rolls the whole file back
    return ImportSummary(
        items=domain.workbooks.tally(item_outcomes),
        boms=domain.workbooks.tally(bom_outcomes),
        routings=domain.workbooks.tally(routing_outcomes),
        lines=domain.workbooks.tally(line_outcomes),
        stations=domain.workbooks.tally(station_outcomes),
        inspection_plans=domain.workbooks.tally(plan_outcomes),
    )


def template() -> bytes:
    """An empty workbook with every sheet of master data for engineers to fill in."""
    return _workbook(_Contents())


def export_master_data(db: Engine, ctx: Context) -> bytes:
    """The tenant's lines, stations, items, current BOMs, current routings (with their checks)
    and inspection plans as a workbook that imports back to the same master data."""
    with store.db.reading(db) as conn:
        contents = _Contents(
            lines=store.lines.list_all(conn, ctx.tenant_id),
            stations=store.lines.list_stations(conn, ctx.tenant_id),
            items=store.items.list_all(conn, ctx.tenant_id),
            boms=store.boms.list_current(conn, ctx.tenant_id),
            routings=store.routings.list_current(conn, ctx.tenant_id),
            plans=store.inspection.all_plans(conn, ctx.tenant_id),
        )
    return _workbook(contents)


_Record = TypeVar("_Record")


def _saved(
    sheet: Sheet,
    title: str,
    rows: Sequence[int],
    problems: list[RowProblem],
    save: Callable[[Connection, Context, _Record], str],
    conn: Connection,
    ctx: Context,
    record: _Record,
) -> str:
    try:
        return save(conn, ctx, record)
    except DomainError as error:
        problems.append(domain.workbooks.problem(sheet, title, rows, error))
        return "refused"


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
    """The cells of the sheets we read, from the bytes of an .xlsx file, within the bounds."""
    if len(data) > MAX_BYTES:
        raise TooLargeError("file", f"is larger than {MAX_BYTES // MB} MB", code="file_too_large")
    deadline = time.monotonic() + MAX_SECONDS
    budget = _Budget(deadline)
    try:
        _check_archive(data, deadline)
        book = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            return [
                _raw_sheet(sheet, budget)
                for sheet in book.worksheets
                if domain.workbooks.sheet_of(sheet.title) is not None
            ]
        finally:
            book.close()
    except _UNREADABLE as error:
        raise InvalidInputError(
            "file", "is not an Excel workbook (.xlsx)", code="not_a_workbook"
        ) from error


def _check_archive(data: bytes, deadline: float) -> None:
    """Refuse a workbook past the bounds before openpyxl builds anything from it.

    The sizes the zip declares are checked first; then every part is unpacked in chunks
    that are counted and dropped (declared sizes can lie), and the XML of the sheets and
    of the shared strings is scanned as it streams, counting rows and cells, so a sheet of
    millions of tiny rows or one row of millions of cells is refused before it is parsed.
    """
    with zipfile.ZipFile(BytesIO(data)) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise TooLargeError(
                "file",
                f"has {len(members)} parts; a workbook has at most {MAX_MEMBERS}",
                code="workbook_too_large",
            )
        declared = sum(member.file_size for member in members)
        if declared > MAX_UNCOMPRESSED:
            raise _unpacks_too_large(declared)
        unpacked = 0
        scan = _Scan()
        for member in members:
            parser = scan.parser(member.filename)
            with archive.open(member) as part:
                while chunk := part.read(MB):
                    unpacked += len(chunk)
                    if unpacked > MAX_UNCOMPRESSED:
                        raise _unpacks_too_large(unpacked, at_least=True)
                    if parser is not None:
                        parser.Parse(chunk, False)
                    _in_time(deadline)
            if parser is not None:
                parser.Parse(b"", True)


_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_STRINGS_PART = "xl/sharedStrings.xml"


@dataclasses.dataclass(slots=True)
class _Scan:
    """Counts of rows, cells and shared strings over the XML parts of one workbook."""

    rows: int = 0
    cells: int = 0
    cells_in_row: int = 0
    strings: int = 0
    part: str = ""

    def parser(self, name: str) -> Any:
        """An XML parser counting what the part holds; None for parts that are not XML."""
        if not name.endswith((".xml", ".rels")):
            return None
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = _no_doctype  # no entities, so no entity bombs
        if _SHEET_PART.fullmatch(name) or name == _STRINGS_PART:
            self.part = name
            parser.StartElementHandler = self._element
        return parser

    def _element(self, tag: str, attributes: object) -> None:
        local = tag.rpartition(" ")[2]
        if local == "row":
            self.rows += 1
            self.cells_in_row = 0
            if self.rows > MAX_ROWS:
                raise _too_many("rows", MAX_ROWS, self.part)
        elif local == "c":
            self.cells += 1
            self.cells_in_row += 1
            if self.cells_in_row > MAX_COLUMNS:
                raise TooLargeError(
                    "file",
                    f"has a row of more than {MAX_COLUMNS:,} cells ({self.part}); "
                    "Excel sheets have at most that many columns",
                    code="too_many_cells",
                )
            if self.cells > MAX_CELLS:
                raise _too_many("cells", MAX_CELLS, self.part)
        elif local == "si":
            self.strings += 1
            if self.strings > MAX_CELLS:
                raise _too_many("texts", MAX_CELLS, self.part)


def _no_doctype(*_: object) -> None:
    raise ValueError("a workbook part declares a DOCTYPE")


def _too_many(what: str, bound: int, part: str) -> TooLargeError:
    return TooLargeError(
        "file",
        f"has more than {bound:,} {what} ({part}); split it into smaller workbooks",
        code=f"too_many_{'cells' if what == 'texts' else what}",
    )


def _unpacks_too_large(size: int, at_least: bool = False) -> TooLargeError:
    more = "at least " if at_least else ""
    return TooLargeError(
        "file",
        f"unpacks to {more}{size // MB} MB; a workbook may unpack to at most "
        f"{MAX_UNCOMPRESSED // MB} MB",
        code="workbook_too_large",
    )


def _in_time(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise TooLargeError(
            "file",
            f"takes longer than {MAX_SECONDS} s to read; split it into smaller workbooks",
            code="workbook_too_slow",
        )


@dataclasses.dataclass(slots=True)
class _Budget:
    """Rows and cells read so far across the sheets of one workbook, and the time allowed
    (the scan before parsing counts the same; this holds whatever openpyxl makes of it)."""

    deadline: float
    rows: int = 0
    cells: int = 0

    def spend(self, sheet: str, cells: int) -> None:
        self.rows += 1
        self.cells += cells
        if self.rows > MAX_ROWS:
            raise _too_many("rows", MAX_ROWS, sheet)
        if self.cells > MAX_CELLS:
            raise _too_many("cells", MAX_CELLS, sheet)
        if self.rows % 256 == 0:
            _in_time(self.deadline)


def _raw_sheet(sheet: Any, budget: _Budget) -> RawSheet:
    """One worksheet: the first non-empty row is the header row, the rest are data."""
    sheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
    headers: tuple[str, ...] | None = None
    header_row = 1
    rows: list[tuple[int, dict[str, object]]] = []
    for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
        budget.spend(sheet.title, len(values))
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


@dataclasses.dataclass(frozen=True, slots=True)
class _Contents:
    lines: Sequence[Line] = ()
    stations: Sequence[Station] = ()
    items: Sequence[Item] = ()
    boms: Sequence[Bom] = ()
    routings: Sequence[Routing] = ()
    plans: Sequence[InspectionPlan] = ()


def _workbook(contents: _Contents) -> bytes:
    cells = domain.workbooks
    book = openpyxl.Workbook(write_only=True)
    _add_sheet(book, ITEMS, [cells.item_cells(item) for item in contents.items])
    _add_sheet(book, BOMS, [row for bom in contents.boms for row in cells.bom_cells(bom)])
    _add_sheet(book, ROUTINGS, [row for r in contents.routings for row in cells.routing_cells(r)])
    _add_sheet(book, CHECKS, [row for r in contents.routings for row in cells.check_cells(r)])
    _add_sheet(book, LINES, [cells.line_cells(line) for line in contents.lines])
    _add_sheet(book, STATIONS, [cells.station_cells(station) for station in contents.stations])
    _add_sheet(book, PLANS, [cells.plan_cells(plan) for plan in contents.plans])
    _add_sheet(
        book, PLAN_CHECKS, [row for plan in contents.plans for row in cells.plan_check_cells(plan)]
    )
    _add_sheet(book, DEFECTS, [row for plan in contents.plans for row in cells.defect_cells(plan)])
    notes = book.create_sheet(domain.workbooks.NOTES_TITLE)
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 120
    notes.append([_bold(notes, "主题 Topic"), _bold(notes, "说明 Notes")])
    for topic, text in domain.workbooks.NOTES:
        notes.append([topic, text])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _add_sheet(book: Any, sheet: Sheet, rows: Sequence[tuple[object, ...]]) -> None:
    """A sheet with its bold bilingual header row, frozen, and columns wide enough to read.

    Every text is written as a text cell, so a name that starts with = + - or @ stays text
    (never a formula) and comes back as it was; characters XML cannot hold (control
    characters in old rows) are written escaped (_x0007_) instead of failing the export.
    """
    worksheet = book.create_sheet(sheet.title)
    worksheet.freeze_panes = "A2"
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = max(12, _display_width(column.header) + 4)
        if column.key not in _NUMBER_COLUMNS:
            worksheet.column_dimensions[letter].number_format = "@"  # codes keep leading zeros
    worksheet.append([_bold(worksheet, header) for header in domain.workbooks.header_row(sheet)])
    for values in rows:
        worksheet.append([_cell(worksheet, value) for value in values])


def _bold(worksheet: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=text)
    cell.font = Font(bold=True)
    return cell


def _cell(worksheet: Any, value: object) -> object:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(worksheet, value=_escaped(value))
    cell.data_type = "s"  # text, never a formula
    return cell


def _escaped(text: str) -> str:
    """Text XML 1.0 can carry: control characters as Excel writes them, _xHHHH_ (and a
    literal _xHHHH_ in the text escaped as _x005F_xHHHH_, so reading it back is exact)."""
    if not _NEEDS_ESCAPE.search(text):
        return text
    return _NEEDS_ESCAPE.sub(
        lambda match: (
            "_x005F_" if match.group(0).startswith("_") else f"_x{ord(match.group(0)):04X}_"
        ),
        text,
    )


def _display_width(text: str) -> int:
    """Columns a header needs: Chinese characters take two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)
