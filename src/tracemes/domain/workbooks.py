"""Master-data workbooks: the Items, BOM and Routing sheets of an Excel file, in 中文 and English.

Pure: the service reads the cells; here they become items, BOMs and routings, and every wrong
row becomes a RowProblem naming its sheet and row, so the engineer fixes the file in one go.
"""

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tracemes.domain import boms, characteristics, codes, excel, inspection, items, lines, routings
from tracemes.domain.boms import Bom, BomLine
from tracemes.domain.characteristics import Characteristic
from tracemes.domain.errors import DomainError, InvalidInputError, RowProblem
from tracemes.domain.inspection import InspectionPlan
from tracemes.domain.items import Item
from tracemes.domain.lines import Line, Station
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
        Column("rework_operation", "返工工序", "Rework operation"),
    ),
    aliases=("Routings",),
)
LINES = Sheet(
    "lines",
    "产线",
    "Lines",
    (
        Column("code", "编码", "Code", required=True),
        Column("name", "名称", "Name", required=True),
        Column("site", "工厂", "Site"),
    ),
)
STATIONS = Sheet(
    "stations",
    "工位",
    "Stations",
    (
        Column("code", "编码", "Code", required=True),
        Column("name", "名称", "Name", required=True),
        Column("line", "产线", "Line", required=True),
    ),
)
_CHECK_COLUMNS = (
    Column("code", "检验项目编码", "Check code", required=True),
    Column("name", "检验项目名称", "Check name", required=True),
    Column("kind", "类型", "Kind"),
    Column("unit", "单位", "Unit"),
    Column("lsl", "下限", "LSL"),
    Column("usl", "上限", "USL"),
)
CHECKS = Sheet(
    "checks",
    "工序检验项目",
    "Checks",
    (
        Column("item", "物料", "Item", required=True),
        Column("operation", "工序编码", "Operation code", required=True),
        *_CHECK_COLUMNS,
    ),
)
PLANS = Sheet(
    "plans",
    "检验计划",
    "Inspection plans",
    (
        Column("code", "计划编码", "Plan code", required=True),
        Column("item", "物料", "Item", required=True),
        Column("stage", "阶段", "Stage", required=True),
        Column("operation", "工序编码", "Operation code"),
        Column("level", "检验水平", "Level"),
        Column("aql_major", "AQL 主要", "AQL major"),
        Column("aql_minor", "AQL 次要", "AQL minor"),
        Column("full", "全检", "Full"),
    ),
)
PLAN_CHECKS = Sheet(
    "plan_checks",
    "计划检验项目",
    "Plan checks",
    (Column("plan", "计划编码", "Plan code", required=True), *_CHECK_COLUMNS),
)
DEFECTS = Sheet(
    "defects",
    "缺陷代码",
    "Defect codes",
    (
        Column("plan", "计划编码", "Plan code", required=True),
        Column("code", "缺陷编码", "Defect code", required=True),
        Column("name", "缺陷名称", "Defect name", required=True),
        Column("class", "缺陷等级", "Class"),
    ),
)
SHEETS = (ITEMS, BOMS, ROUTINGS, CHECKS, LINES, STATIONS, PLANS, PLAN_CHECKS, DEFECTS)
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
        "返工工序 Rework operation",
        "The operation (this or an earlier one) a unit that fails here goes back to; "
        "empty: this operation.",
    ),
    (
        "工序检验项目 Checks",
        "What is measured at an operation of a routing, one row per check: kind variable "
        "(a number within LSL/USL, at least one limit) or attribute (OK / not OK, no limits). "
        "A pass outside the limits is refused on the floor.",
    ),
    (
        "检验计划 Inspection plans",
        "One row per plan: stage incoming / in_process / final, an operation for in_process "
        "plans, level (II...), AQLs or full = yes for 100 %. Its checks are on the Plan checks "
        "sheet and its defect codes (class critical / major / minor) on the Defect codes sheet.",
    ),
    (
        "产线 Line, 工位 Station",
        "Lines and stations are created from their sheets, or must exist before a routing "
        "names them; an existing line or station is not renamed by an import.",
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
class LineRow:
    """A line read from one row."""

    sheet: str
    row: int
    line: Line


@dataclass(frozen=True, slots=True)
class StationRow:
    """A station read from one row."""

    sheet: str
    row: int
    station: Station


@dataclass(frozen=True, slots=True)
class PlanRow:
    """An inspection plan read from its row and the rows of its checks and defect codes."""

    sheet: str
    row: int
    plan: InspectionPlan


@dataclass(frozen=True, slots=True)
class MasterData:
    """Everything a workbook holds, and every problem found while reading it."""

    items: tuple[ItemRow, ...] = ()
    boms: tuple[BomRows, ...] = ()
    routings: tuple[RoutingRows, ...] = ()
    problems: tuple[RowProblem, ...] = ()
    lines: tuple[LineRow, ...] = ()
    stations: tuple[StationRow, ...] = ()
    plans: tuple[PlanRow, ...] = ()


@dataclass(frozen=True, slots=True)
class Tally:
    """How many records of one kind an import created, changed or found as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did to lines, stations, items, BOMs, routings and inspection plans."""

    items: Tally = Tally()
    boms: Tally = Tally()
    routings: Tally = Tally()
    lines: Tally = Tally()
    stations: Tally = Tally()
    inspection_plans: Tally = Tally()


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
    routing_rows = _with_checks(
        _read_routings(found.get(ROUTINGS.key), problems), found.get(CHECKS.key), problems
    )
    line_rows = _read_lines(found.get(LINES.key), problems)
    station_rows = _read_stations(found.get(STATIONS.key), problems)
    plan_rows = _read_plans(found, problems)
    return MasterData(
        item_rows,
        bom_rows,
        routing_rows,
        tuple(problems),  # last: every sheet's problems are in
        lines=line_rows,
        stations=station_rows,
        plans=plan_rows,
    )


_INDEXED_FIELD = re.compile(r"(?:\w+\[(\d+)\]\.?)?(\w*)")


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
            elif not key:
                reason = reason.removeprefix(f"{error.field}: ")
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
                "rework_operation": op.rework_operation,
            },
        )
        for op in routing.operations
    ]


def line_cells(line: Line) -> tuple[object, ...]:
    """One Lines row."""
    return _in_order(LINES, {"code": line.code, "name": line.name, "site": line.site})


def station_cells(station: Station) -> tuple[object, ...]:
    """One Stations row."""
    return _in_order(
        STATIONS, {"code": station.code, "name": station.name, "line": station.line_code}
    )


def check_cells(routing: Routing) -> list[tuple[object, ...]]:
    """The Checks rows of one routing, one per characteristic of each operation."""
    return [
        _in_order(CHECKS, {"item": routing.item_code, "operation": op.code, **_check(check)})
        for op in routing.operations
        for check in op.checks
    ]


def plan_cells(plan: InspectionPlan) -> tuple[object, ...]:
    """One Inspection plans row."""
    return _in_order(
        PLANS,
        {
            "code": plan.code,
            "item": plan.item_code,
            "stage": plan.stage.value,
            "operation": plan.operation,
            "level": plan.level,
            "aql_major": None if plan.aql_major is None else excel.number(plan.aql_major),
            "aql_minor": None if plan.aql_minor is None else excel.number(plan.aql_minor),
            "full": "yes" if plan.full else "no",
        },
    )


def plan_check_cells(plan: InspectionPlan) -> list[tuple[object, ...]]:
    """The Plan checks rows of one plan."""
    return [
        _in_order(PLAN_CHECKS, {"plan": plan.code, **_check(check)})
        for check in plan.characteristics
    ]


def defect_cells(plan: InspectionPlan) -> list[tuple[object, ...]]:
    """The Defect codes rows of one plan."""
    return [
        _in_order(
            DEFECTS,
            {
                "plan": plan.code,
                "code": defect.code,
                "name": defect.name,
                "class": defect.defect_class.value,
            },
        )
        for defect in plan.defects
    ]


def _check(check: Characteristic) -> dict[str, object]:
    return {
        "code": check.code,
        "name": check.name,
        "kind": check.kind.value,
        "unit": check.unit,
        "lsl": None if check.lsl is None else excel.number(check.lsl),
        "usl": None if check.usl is None else excel.number(check.usl),
    }


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
        _operation_rework(cells),
    )


def _operation_rework(cells: Mapping[str, object]) -> str | None:
    return excel.optional_text(cells.get("rework_operation"))


def _characteristic(cells: Mapping[str, object]) -> Characteristic:
    """One check row; the field names of its errors are placed on this row's columns."""
    raw = {
        "code": excel.text(cells.get("code")),
        "name": excel.text(cells.get("name")),
        "kind": excel.fold(excel.text(cells.get("kind"))) or None,
        "unit": excel.optional_text(cells.get("unit")),
        "lsl": cells.get("lsl"),
        "usl": cells.get("usl"),
    }
    return characteristics.parse("checks[0]", raw)


def _read_lines(raw: RawSheet | None, problems: list[RowProblem]) -> tuple[LineRow, ...]:
    return tuple(
        LineRow(title, row, line)
        for title, row, line in _read_records(
            LINES,
            raw,
            lambda cells: lines.new_line(
                excel.text(cells.get("code")),
                excel.text(cells.get("name")),
                excel.optional_text(cells.get("site")),
            ),
            lambda line: f"line {line.code}",
            problems,
        )
    )


def _read_stations(raw: RawSheet | None, problems: list[RowProblem]) -> tuple[StationRow, ...]:
    return tuple(
        StationRow(title, row, station)
        for title, row, station in _read_records(
            STATIONS,
            raw,
            lambda cells: lines.new_station(
                excel.text(cells.get("code")),
                excel.text(cells.get("name")),
                excel.text(cells.get("line")),
            ),
            lambda station: f"station {station.code}",
            problems,
        )
    )


def _read_records(
    sheet: Sheet,
    raw: RawSheet | None,
    build: Callable[[Mapping[str, object]], _Value],
    key: Callable[[_Value], str],
    problems: list[RowProblem],
) -> list[tuple[str, int, _Value]]:
    """One record per row, a repeated key refused with the row it was first on."""
    named = _columns(sheet, raw, problems) if raw else None
    if raw is None or named is None:
        return []
    result: list[tuple[str, int, _Value]] = []
    first_row: dict[str, int] = {}
    for row, cells in _cells(raw, named):
        try:
            value = build(cells)
        except DomainError as error:
            problems.append(problem(sheet, raw.title, [row], error))
            continue
        name = key(value)
        if name in first_row:
            problems.append(
                RowProblem(raw.title, row, f"{name} is already on row {first_row[name]}")
            )
            continue
        first_row[name] = row
        result.append((raw.title, row, value))
    return result


def _with_checks(
    routing_rows: tuple[RoutingRows, ...], raw: RawSheet | None, problems: list[RowProblem]
) -> tuple[RoutingRows, ...]:
    """The routings with the checks of the Checks sheet put on their operations."""
    if raw is None:
        return routing_rows
    groups = _read_groups(
        CHECKS,
        raw,
        "item",
        lambda _, cells: (excel.text(cells.get("operation")), _characteristic(cells)),
        problems,
    )
    checks_of: dict[tuple[str, str], list[Characteristic]] = {}
    by_item = {routing.item_code: routing for routing in routing_rows}
    for item_code, rows, found in groups:
        routing = by_item.get(item_code)
        known = {op.code for op in routing.operations} if routing else set()
        for row, (operation_code, check) in zip(rows, found, strict=True):
            if operation_code not in known:
                problems.append(
                    RowProblem(
                        raw.title,
                        row,
                        f"{operation_code} is not an operation of {item_code} on the "
                        f"{ROUTINGS.english} sheet",
                    )
                )
                continue
            checks_of.setdefault((item_code, operation_code), []).append(check)
    return tuple(
        dataclasses.replace(
            routing,
            operations=tuple(
                dataclasses.replace(
                    op, checks=tuple(checks_of.get((routing.item_code, op.code), ()))
                )
                for op in routing.operations
            ),
        )
        for routing in routing_rows
    )


def _read_plans(found: Mapping[str, RawSheet], problems: list[RowProblem]) -> tuple[PlanRow, ...]:
    """Plans from their rows, with their checks and defect codes from the other two sheets."""
    raw = found.get(PLANS.key)
    checks_raw, defects_raw = found.get(PLAN_CHECKS.key), found.get(DEFECTS.key)
    checks = (
        _read_groups(PLAN_CHECKS, checks_raw, "plan", lambda _, c: _characteristic(c), problems)
        if checks_raw
        else []
    )
    defects = (
        _read_groups(DEFECTS, defects_raw, "plan", lambda _, c: _defect(c), problems)
        if defects_raw
        else []
    )
    checks_of = {plan: found for plan, _, found in checks}
    defects_of = {plan: (rows, found) for plan, rows, found in defects}
    plan_rows = _read_records(
        PLANS, raw, lambda cells: dict(cells), lambda cells: f"plan {cells.get('code')}", problems
    )
    result: list[PlanRow] = []
    for title, row, cells in plan_rows:
        code = excel.text(cells.get("code"))
        defect_rows, defect_values = defects_of.get(code, ((), ()))
        try:
            plan = inspection.new_plan(
                code,
                codes.check("item", excel.text(cells.get("item"))),
                excel.fold(excel.text(cells.get("stage"))),
                checks_of.get(code, ()),
                defect_values,
                excel.text(cells.get("level")) or "II",
                cells.get("aql_major"),
                cells.get("aql_minor"),
                excel.flag("full", cells.get("full")),
                excel.optional_text(cells.get("operation")),
            )
        except InvalidInputError as error:
            if error.field.startswith("defects[") and defects_raw is not None:
                problems.append(problem(DEFECTS, defects_raw.title, defect_rows, error))
            else:
                problems.append(problem(PLANS, title, [row], error))
            continue
        except DomainError as error:
            problems.append(problem(PLANS, title, [row], error))
            continue
        result.append(PlanRow(title, row, plan))
    known = {excel.text(cells.get("code")) for _, _, cells in plan_rows}
    for sheet_raw, groups in ((checks_raw, checks), (defects_raw, defects)):
        for plan_code, rows, _ in groups:
            if plan_code not in known and sheet_raw is not None:
                problems.append(
                    RowProblem(
                        sheet_raw.title,
                        rows[0],
                        f"plan {plan_code} is not on the {PLANS.english} sheet",
                    )
                )
    return tuple(result)


def _defect(cells: Mapping[str, object]) -> Mapping[str, object]:
    return {
        "code": excel.text(cells.get("code")),
        "name": excel.text(cells.get("name")),
        "class": excel.fold(excel.text(cells.get("class"))) or None,
    }
