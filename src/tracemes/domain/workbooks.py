"""Master-data workbooks: the Items, BOM and Routing sheets of an Excel file, in 中文 and English.

Pure: the service reads the cells; here they become items, BOMs and routings, and every wrong
row becomes a RowProblem naming its sheet and row, so the engineer fixes the file in one go.
"""

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tracemes.domain import boms, codes, excel, items, routings
from tracemes.domain.boms import Bom, BomLine
from tracemes.domain.errors import DomainError, InvalidInputError, RowProblem
from tracemes.domain.items import Item
from tracemes.domain.routings import Operation, Routing


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet, with its header in both languages."""

    key: str
    chinese: str
    english: str
    required: bool = False

    @property
    def header(self) -> str:
        """The header the template writes, e.g. "编码 Code"."""
        return self.english if self.chinese == self.english else f"{self.chinese} {self.english}"

    def is_named(self, text: str) -> bool:
        """Whether a header cell names this column, in Chinese, English or both."""
        names = (self.chinese, self.english, self.header)
        return excel.fold(text) in {excel.fold(name) for name in names}


@dataclass(frozen=True, slots=True)
class Sheet:
    """One kind of sheet: its title in both languages and its columns."""

    key: str
    chinese: str
    english: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The title the template writes, e.g. "物料 Items"."""
        return f"{self.chinese} {self.english}"

    def is_named(self, title: str) -> bool:
        """Whether a worksheet title names this sheet, in Chinese, English or both."""
        names = {self.chinese, self.english, self.title, *self.aliases}
        return excel.fold(title) in {excel.fold(name) for name in names}

    def column(self, key: str) -> Column | None:
        """The column with this key."""
        return next((column for column in self.columns if column.key == key), None)


ITEMS = Sheet(
    "items",
    "物料",
    "Items",
    (
        Column("code", "编码", "Code", required=True),
        Column("name", "名称", "Name", required=True),
        Column("uom", "单位", "UoM"),
        Column("tracking", "追溯方式", "Tracking", required=True),
        Column("gtin", "GTIN", "GTIN"),
        Column("standard_cost", "标准成本", "Standard cost"),
        Column("serial_pattern", "序列号规则", "Serial pattern"),
    ),
)
BOMS = Sheet(
    "boms",
    "物料清单",
    "BOM",
    (
        Column("parent", "父项", "Parent item", required=True),
        Column("item", "子项", "Component", required=True),
        Column("quantity", "数量", "Quantity", required=True),
        Column("key", "关键件", "Key part"),
        Column("operation", "工序", "Operation"),
    ),
    aliases=("BOMs",),
)
ROUTINGS = Sheet(
    "routings",
    "工艺路线",
    "Routing",
    (
        Column("item", "物料", "Item", required=True),
        Column("seq", "顺序", "Seq", required=True),
        Column("code", "工序编码", "Operation code", required=True),
        Column("name", "工序名称", "Operation name", required=True),
        Column("line", "产线", "Line"),
        Column("station", "工位", "Station"),
        Column("std_time_s", "标准工时(秒)", "Std time (s)"),
        Column("binds", "绑定关键件", "Binds"),
        Column("inspection", "检验", "Inspection"),
    ),
    aliases=("Routings",),
)
SHEETS = (ITEMS, BOMS, ROUTINGS)
NOTES_TITLE = "说明 Notes"
NOTES: tuple[tuple[str, str], ...] = (
    (
        "表头 Headers",
        "表头可用中文、英文或两者 (如 “编码 Code”)。Headers may be Chinese, English or both.",
    ),
    (
        "追溯方式 Tracking",
        "serial / 序列号: each unit has its own serial number; "
        "lot / 批次: tracked by lot number; none / 无: not tracked (screws, glue).",
    ),
    (
        "关键件 Key part",
        "yes / 是 / 1 / true: the component is scanned and bound to the unit at its operation "
        "(工序); no / 否 / 0 / false or empty: not scanned. Only serial or lot items can be key.",
    ),
    (
        "绑定关键件 Binds",
        "Item codes of the key parts scanned at this operation, separated by , 、 or ；.",
    ),
    (
        "产线 Line, 工位 Station",
        "Lines and stations must exist before a routing names them.",
    ),
    (
        "导入 Import",
        "One row per item, per BOM component and per operation. If any row is wrong, nothing "
        "of the file is stored and each problem names its sheet and row. "
        "任何一行有误, 整个文件都不导入。",
    ),
)


@dataclass(frozen=True, slots=True)
class RawSheet:
    """One worksheet as read from a file: its title, header cells and numbered rows."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, Mapping[str, object]], ...]
    header_row: int = 1


@dataclass(frozen=True, slots=True)
class ItemRow:
    """An item read from one row."""

    sheet: str
    row: int
    item: Item


@dataclass(frozen=True, slots=True)
class BomRows:
    """The BOM of one parent item, read from its rows (`rows[i]` holds `lines[i]`)."""

    sheet: str
    rows: tuple[int, ...]
    item_code: str
    lines: tuple[BomLine, ...]


@dataclass(frozen=True, slots=True)
class RoutingRows:
    """The routing of one item, read from its rows (`rows[i]` holds `operations[i]`)."""

    sheet: str
    rows: tuple[int, ...]
    item_code: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class MasterData:
    """Everything a workbook holds, and every problem found while reading it."""

    items: tuple[ItemRow, ...] = ()
    boms: tuple[BomRows, ...] = ()
    routings: tuple[RoutingRows, ...] = ()
    problems: tuple[RowProblem, ...] = ()


@dataclass(frozen=True, slots=True)
class Tally:
    """How many records of one kind an import created, changed or found as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did to items, BOMs and routings."""

    items: Tally = Tally()
    boms: Tally = Tally()
    routings: Tally = Tally()


def tally(outcomes: Iterable[str]) -> Tally:
    """Count outcomes ("created", "updated", "unchanged") of saving records of one kind."""
    counts = Counter(outcomes)
    return Tally(counts["created"], counts["updated"], counts["unchanged"])


def sheet_of(title: str) -> Sheet | None:
    """The kind of sheet a worksheet title names, or None for a sheet we don't read."""
    return next((sheet for sheet in SHEETS if sheet.is_named(title)), None)


def read(raw_sheets: Sequence[RawSheet]) -> MasterData:
    """Turn the cells of a workbook into master data, collecting every problem on the way."""
    problems: list[RowProblem] = []
    found: dict[str, RawSheet] = {}
    for raw in raw_sheets:
        sheet = sheet_of(raw.title)
        if sheet is None:
            continue
        if sheet.key in found:
            problems.append(
                RowProblem(
                    raw.title,
                    None,
                    f"{found[sheet.key].title} is already the {sheet.english} sheet",
                )
            )
            continue
        found[sheet.key] = raw
    if not found:
        names = ", ".join(f"{sheet.english} ({sheet.chinese})" for sheet in SHEETS)
        problems.append(RowProblem("", None, f"the workbook has none of the sheets {names}"))
    item_rows = _read_items(found.get(ITEMS.key), problems)
    bom_rows = _read_boms(found.get(BOMS.key), problems)
    routing_rows = _read_routings(found.get(ROUTINGS.key), problems)
    return MasterData(item_rows, bom_rows, routing_rows, tuple(problems))


_INDEXED_FIELD = re.compile(r"(?:\w+\[(\d+)\]\.)?(\w+)")


def problem(sheet: Sheet, title: str, rows: Sequence[int], error: DomainError) -> RowProblem:
    """Where in the file a refusal belongs, and why, in the words of the sheet's headers.

    `rows` are the rows of the record refused; an error about `components[i]` or
    `operations[i]` is placed on the i-th of them.
    """
    row = rows[0]
    reason = str(error)
    if isinstance(error, InvalidInputError):
        match = _INDEXED_FIELD.fullmatch(error.field)
        if match is not None:
            index, key = match.groups()
            if index is not None and int(index) < len(rows):
                row = rows[int(index)]
            column = sheet.column(key)
            if column is not None:
                reason = f"{column.header}: {reason.removeprefix(f'{error.field}: ')}"
    return RowProblem(title, row, reason)


def header_row(sheet: Sheet) -> tuple[str, ...]:
    """The bilingual header row of a sheet, as the template writes it."""
    return tuple(column.header for column in sheet.columns)


def item_cells(item: Item) -> tuple[object, ...]:
    """One Items row for an item."""
    return _in_order(
        ITEMS,
        {
            "code": item.code,
            "name": item.name,
            "uom": item.uom,
            "tracking": item.tracking.value,
            "gtin": item.gtin,
            "standard_cost": (
                None if item.standard_cost is None else excel.number(item.standard_cost)
            ),
            "serial_pattern": item.serial_pattern,
        },
    )


def bom_cells(bom: Bom) -> list[tuple[object, ...]]:
    """The BOM rows of one parent item, one per component."""
    return [
        _in_order(
            BOMS,
            {
                "parent": bom.item_code,
                "item": line.item_code,
                "quantity": excel.number(line.quantity),
                "key": "yes" if line.is_key else "no",
                "operation": line.operation_code,
            },
        )
        for line in bom.lines
    ]


def routing_cells(routing: Routing) -> list[tuple[object, ...]]:
    """The Routing rows of one item, one per operation."""
    return [
        _in_order(
            ROUTINGS,
            {
                "item": routing.item_code,
                "seq": op.seq,
                "code": op.code,
                "name": op.name,
                "line": op.line_code,
                "station": op.station_code,
                "std_time_s": excel.number(op.standard_seconds),
                "binds": ", ".join(op.binds) or None,
                "inspection": op.inspection,
            },
        )
        for op in routing.operations
    ]


def _in_order(sheet: Sheet, cells: Mapping[str, object]) -> tuple[object, ...]:
    return tuple(cells[column.key] for column in sheet.columns)


def _columns(sheet: Sheet, raw: RawSheet, problems: list[RowProblem]) -> dict[str, str] | None:
    """Which header of the file is which column; None when a required one is missing."""
    named: dict[str, str] = {}
    for header in raw.headers:
        column = next((c for c in sheet.columns if c.is_named(header)), None)
        if column is None:
            continue
        if column.key in named:
            problems.append(
                RowProblem(
                    raw.title,
                    raw.header_row,
                    f"columns {named[column.key]!r} and {header!r} are both {column.header}",
                )
            )
            return None
        named[column.key] = header
    missing = [c.header for c in sheet.columns if c.required and c.key not in named]
    for header in missing:
        problems.append(RowProblem(raw.title, raw.header_row, f"missing column {header}"))
    return None if missing else named


def _cells(raw: RawSheet, named: Mapping[str, str]) -> list[tuple[int, dict[str, object]]]:
    """The non-blank rows, each as column key -> cleaned cell value."""
    result = []
    for row, values in raw.rows:
        cells = {key: excel.clean(values.get(header)) for key, header in named.items()}
        if any(value is not None for value in cells.values()):
            result.append((row, cells))
    return result


def _read_items(raw: RawSheet | None, problems: list[RowProblem]) -> tuple[ItemRow, ...]:
    named = _columns(ITEMS, raw, problems) if raw else None
    if raw is None or named is None:
        return ()
    result: list[ItemRow] = []
    first_row: dict[str, int] = {}
    for row, cells in _cells(raw, named):
        try:
            item = items.new(
                code=excel.text(cells.get("code")),
                name=excel.text(cells.get("name")),
                uom=excel.text(cells.get("uom")) or "pcs",
                tracking=excel.tracking(cells.get("tracking")),
                gtin=excel.optional_text(cells.get("gtin")),
                standard_cost=cells.get("standard_cost"),
                serial_pattern=excel.optional_text(cells.get("serial_pattern")),
            )
        except DomainError as error:
            problems.append(problem(ITEMS, raw.title, [row], error))
            continue
        if item.code in first_row:
            problems.append(
                RowProblem(
                    raw.title, row, f"item {item.code} is already on row {first_row[item.code]}"
                )
            )
            continue
        first_row[item.code] = row
        result.append(ItemRow(raw.title, row, item))
    return tuple(result)


_Value = TypeVar("_Value")


def _read_groups(
    sheet: Sheet,
    raw: RawSheet,
    owner_key: str,
    build: Callable[[int, Mapping[str, object]], _Value],
    problems: list[RowProblem],
) -> list[tuple[str, tuple[int, ...], tuple[_Value, ...]]]:
    """Rows gathered by the item they belong to; an item with any wrong row is left out."""
    named = _columns(sheet, raw, problems)
    if named is None:
        return []
    rows: dict[str, list[int]] = {}
    values: dict[str, list[_Value]] = {}
    broken: set[str] = set()
    for row, cells in _cells(raw, named):
        try:
            owner = codes.check(owner_key, excel.text(cells.get(owner_key)))
        except DomainError as error:
            problems.append(problem(sheet, raw.title, [row], error))
            continue
        owned = rows.setdefault(owner, [])
        try:
            value = build(len(owned), cells)
        except DomainError as error:
            problems.append(problem(sheet, raw.title, [row], error))
            broken.add(owner)
            continue
        owned.append(row)
        values.setdefault(owner, []).append(value)
    return [
        (owner, tuple(rows[owner]), tuple(found))
        for owner, found in values.items()
        if owner not in broken
    ]


def _read_boms(raw: RawSheet | None, problems: list[RowProblem]) -> tuple[BomRows, ...]:
    if raw is None:
        return ()
    groups = _read_groups(BOMS, raw, "parent", _bom_line, problems)
    return tuple(BomRows(raw.title, rows, parent, lines) for parent, rows, lines in groups)


def _read_routings(raw: RawSheet | None, problems: list[RowProblem]) -> tuple[RoutingRows, ...]:
    if raw is None:
        return ()
    groups = _read_groups(ROUTINGS, raw, "item", _operation, problems)
    return tuple(RoutingRows(raw.title, rows, item, ops) for item, rows, ops in groups)


def _bom_line(index: int, cells: Mapping[str, object]) -> BomLine:
    return boms.line(
        index,
        excel.text(cells.get("item")),
        cells.get("quantity"),
        excel.flag("key", cells.get("key")),
        excel.optional_text(cells.get("operation")),
    )


def _operation(index: int, cells: Mapping[str, object]) -> Operation:
    return routings.operation(
        index,
        excel.whole(cells.get("seq")),
        excel.text(cells.get("code")),
        excel.text(cells.get("name")),
        cells.get("std_time_s") or 0,
        excel.optional_text(cells.get("line")),
        excel.optional_text(cells.get("station")),
        excel.code_list(cells.get("binds")),
        excel.optional_text(cells.get("inspection")),
    )
