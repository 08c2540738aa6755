"""Reading master-data sheets: bilingual headers, and every wrong row named by sheet and row."""

from collections.abc import Sequence
from decimal import Decimal

import pytest

from tracemes.domain import excel, items
from tracemes.domain.boms import Bom, BomLine
from tracemes.domain.characteristics import Characteristic, Kind
from tracemes.domain.errors import (
    DomainError,
    ImportRejectedError,
    InvalidInputError,
    NotFoundError,
    RowProblem,
)
from tracemes.domain.inspection import DefectClass, DefectCode, InspectionPlan, Stage
from tracemes.domain.items import Tracking
from tracemes.domain.lines import Line, Station
from tracemes.domain.routings import Operation, Routing
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
    ImportSummary,
    RawSheet,
    Tally,
    bom_cells,
    header_row,
    item_cells,
    problem,
    read,
    routing_cells,
    sheet_of,
    tally,
)


def a_sheet(title: str, headers: Sequence[str], *rows: Sequence[object]) -> RawSheet:
    """A worksheet as the service hands it over: header row 1, data from row 2."""
    return RawSheet(
        title,
        tuple(headers),
        tuple((number, dict(zip(headers, row, strict=True))) for number, row in enumerate(rows, 2)),
    )


ITEM_HEADERS = ("编码 Code", "名称 Name", "单位 UoM", "追溯方式 Tracking")


@pytest.mark.parametrize("title", ["物料", "Items", "物料 Items", "  items ", "ITEMS"])
def test_the_items_sheet_is_found_by_its_chinese_english_or_combined_title(title: str) -> None:
    assert sheet_of(title) is ITEMS


@pytest.mark.parametrize(
    ("title", "sheet"),
    [("物料清单", BOMS), ("BOM", BOMS), ("物料清单 BOM", BOMS), ("Routings", ROUTINGS)],
)
def test_bom_and_routing_sheets_are_found_in_either_language(title: str, sheet: object) -> None:
    assert sheet_of(title) is sheet


def test_a_sheet_with_another_title_is_not_read() -> None:
    assert sheet_of("说明 Notes") is None


@pytest.mark.parametrize(
    "headers",
    [
        ("编码", "名称", "单位", "追溯方式"),
        ("Code", "Name", "UoM", "Tracking"),
        ("编码 Code", "名称 Name", "单位 UoM", "追溯方式 Tracking"),
        ("code", "NAME", "uom", "追溯方式\nTracking"),
    ],
)
def test_headers_are_accepted_in_chinese_english_or_both(headers: Sequence[str]) -> None:
    contents = read([a_sheet("Items", headers, ("FRAME-7", "Frame", "pcs", "serial"))])

    assert contents.problems == ()
    assert [row.item.code for row in contents.items] == ["FRAME-7"]


def test_full_width_brackets_in_a_header_are_accepted() -> None:
    headers = ("物料", "顺序", "工序编码", "工序名称", "标准工时（秒）")
    contents = read([a_sheet("工艺路线", headers, ("BIKE", 10, "OP10", "Frame", 60))])

    assert contents.problems == ()
    assert contents.routings[0].operations[0].standard_seconds == Decimal(60)


def test_an_items_row_becomes_an_item_with_every_field() -> None:
    headers = (*ITEM_HEADERS, "GTIN", "标准成本 Standard cost", "序列号规则 Serial pattern")
    row = ("BIKE", " E-bike ", "pcs", "序列号", 6901234567892, 1250.5, "BK{yy}{seq:4}")

    contents = read([a_sheet("物料 Items", headers, row)])

    assert contents.problems == ()
    item = contents.items[0].item
    assert (item.code, item.name, item.tracking) == ("BIKE", "E-bike", Tracking.SERIAL)
    assert item.gtin == "06901234567892"
    assert item.standard_cost == Decimal("1250.5")
    assert item.serial_pattern == "BK{yy}{seq:4}"
    assert (contents.items[0].sheet, contents.items[0].row) == ("物料 Items", 2)


def test_a_code_typed_as_a_number_is_read_as_text_and_an_empty_uom_is_pieces() -> None:
    contents = read([a_sheet("Items", ITEM_HEADERS, (1001.0, "Bolt", None, "批次"))])

    item = contents.items[0].item
    assert (item.code, item.uom, item.tracking) == ("1001", "pcs", Tracking.LOT)


def test_every_wrong_row_is_reported_with_its_sheet_and_row() -> None:
    sheet = a_sheet(
        "物料 Items",
        ITEM_HEADERS,
        ("GOOD-1", "Good", "pcs", "lot"),
        ("BAD-1", "Bad", "pcs", "sometimes"),
        ("GOOD-2", "Good", "pcs", "none"),
        ("", "No code", "pcs", "none"),
    )

    contents = read([sheet])

    assert [row.item.code for row in contents.items] == ["GOOD-1", "GOOD-2"]
    assert [(p.sheet, p.row) for p in contents.problems] == [("物料 Items", 3), ("物料 Items", 5)]
    assert (
        contents.problems[0].reason == "追溯方式 Tracking: 'sometimes' is not serial, lot or none"
    )
    assert contents.problems[1].reason == "编码 Code: must not be empty"


def test_blank_rows_are_skipped() -> None:
    sheet = a_sheet("Items", ITEM_HEADERS, (None, None, None, None), ("A", "A", "pcs", "none"))

    contents = read([sheet])

    assert contents.problems == ()
    assert [(row.item.code, row.row) for row in contents.items] == [("A", 3)]


def test_an_item_listed_twice_is_reported_on_its_second_row() -> None:
    sheet = a_sheet("Items", ITEM_HEADERS, ("A", "A", "pcs", "none"), ("A", "A2", "pcs", "none"))

    contents = read([sheet])

    assert contents.problems == (RowProblem("Items", 3, "item A is already on row 2"),)


def test_a_missing_required_column_names_the_sheet_and_the_column() -> None:
    contents = read([a_sheet("物料清单", ("父项", "子项"), ("BIKE", "FRAME"))])

    assert contents.problems == (RowProblem("物料清单", 1, "missing column 数量 Quantity"),)
    assert contents.boms == ()


def test_a_column_given_in_both_languages_is_refused() -> None:
    contents = read([a_sheet("Items", (*ITEM_HEADERS, "Code"), ("A", "A", "pcs", "none", "A"))])

    assert contents.problems == (
        RowProblem("Items", 1, "columns '编码 Code' and 'Code' are both 编码 Code"),
    )


def test_bom_rows_are_grouped_by_parent_in_the_order_of_the_file() -> None:
    sheet = a_sheet(
        "BOM",
        ("Parent item", "Component", "Quantity", "Key part", "Operation"),
        ("BIKE", "FRAME", 1, "是", "OP10"),
        ("FRAME", "TUBE", "3", "no", None),
        ("BIKE", "SCREW", 8.0, None, None),
        ("BIKE", "MOTOR", 1, True, "OP20"),
    )

    contents = read([sheet])

    assert contents.problems == ()
    assert [(bom.item_code, bom.rows) for bom in contents.boms] == [
        ("BIKE", (2, 4, 5)),
        ("FRAME", (3,)),
    ]
    assert contents.boms[0].lines == (
        BomLine("FRAME", Decimal(1), True, "OP10"),
        BomLine("SCREW", Decimal(8), False, None),
        BomLine("MOTOR", Decimal(1), True, "OP20"),
    )


@pytest.mark.parametrize(
    ("cell", "is_key"),
    [("yes", True), ("是", True), (1, True), ("TRUE", True), ("否", False), (0, False)],
)
def test_a_key_part_cell_says_yes_or_no_in_either_language(cell: object, is_key: bool) -> None:
    headers = ("父项", "子项", "数量", "关键件")
    contents = read([a_sheet("BOM", headers, ("BIKE", "FRAME", 1, cell))])

    assert contents.boms[0].lines[0].is_key is is_key


def test_a_bom_with_a_wrong_row_is_left_out_and_the_row_is_named() -> None:
    sheet = a_sheet(
        "物料清单 BOM",
        ("父项 Parent item", "子项 Component", "数量 Quantity", "关键件 Key part"),
        ("BIKE", "FRAME", 1, "yes"),
        ("BIKE", "MOTOR", 1, "maybe"),
        ("BIKE", "SCREW", 0, "no"),
        ("", "BELL", 1, "no"),
        ("CART", "WHEEL", 4, "no"),
    )

    contents = read([sheet])

    assert [bom.item_code for bom in contents.boms] == ["CART"]
    assert contents.problems == (
        RowProblem("物料清单 BOM", 3, "关键件 Key part: 'maybe' is not yes or no (是/否)"),
        RowProblem("物料清单 BOM", 4, "数量 Quantity: must be greater than zero, got 0"),
        RowProblem("物料清单 BOM", 5, "父项 Parent item: must not be empty"),
    )


def test_routing_rows_are_grouped_by_item_and_binds_split_on_any_separator() -> None:
    headers = header_row(ROUTINGS)
    sheet = a_sheet(
        "工艺路线 Routing",
        headers,
        ("BIKE", 10.0, "OP10", "Frame", "L1", "L1-S1", 60, "FRAME、FORK", None, None),
        (
            "BIKE",
            "20",
            "OP20",
            "Motor",
            "L1",
            None,
            None,
            "MOTOR；BATTERY, CHARGER",
            "外观",
            "OP10",
        ),
    )

    contents = read([sheet])

    assert contents.problems == ()
    (routing,) = contents.routings
    assert (routing.item_code, routing.rows) == ("BIKE", (2, 3))
    assert routing.operations == (
        Operation(10, "OP10", "Frame", Decimal(60), "L1", "L1-S1", ("FRAME", "FORK"), None),
        Operation(
            20,
            "OP20",
            "Motor",
            Decimal(0),
            "L1",
            None,
            ("MOTOR", "BATTERY", "CHARGER"),
            "外观",
            rework_operation="OP10",
        ),
    )


def test_a_routing_with_a_wrong_row_is_left_out_and_the_row_is_named() -> None:
    headers = ("Item", "Seq", "Operation code", "Operation name")
    sheet = a_sheet(
        "Routing",
        headers,
        ("BIKE", 10, "OP10", "Frame"),
        ("BIKE", 10.5, "OP20", "Motor"),
        (None, 30, "OP30", "Test"),
    )

    contents = read([sheet])

    assert contents.routings == ()
    assert contents.problems == (
        RowProblem(
            "Routing", 3, "顺序 Seq: 10.5 is not a whole number above zero (at most 999999)"
        ),
        RowProblem("Routing", 4, "物料 Item: must not be empty"),
    )


def test_unknown_sheets_are_ignored() -> None:
    contents = read(
        [
            a_sheet("说明 Notes", ("Topic",), ("anything",)),
            a_sheet("Items", ITEM_HEADERS, ("A", "A", "pcs", "none")),
        ]
    )

    assert contents.problems == ()
    assert len(contents.items) == 1


def test_a_workbook_without_any_master_data_sheet_is_a_problem() -> None:
    contents = read([a_sheet("Sheet1", ("A",), (1,))])

    assert contents.problems == (
        RowProblem(
            "",
            None,
            "the workbook has none of the sheets Items (物料), BOM (物料清单), Routing (工艺路线), "
            "Checks (工序检验项目), Lines (产线), Stations (工位), Inspection plans (检验计划), "
            "Plan checks (计划检验项目), Defect codes (缺陷代码)",
        ),
    )


def test_two_sheets_of_the_same_kind_are_a_problem() -> None:
    contents = read([a_sheet("物料", ITEM_HEADERS), a_sheet("Items", ITEM_HEADERS)])

    assert contents.problems == (RowProblem("Items", None, "物料 is already the Items sheet"),)


def test_a_refusal_about_a_component_is_placed_on_that_components_row() -> None:
    error = InvalidInputError("components[1].item", "unknown item BELL", code="unknown_item")

    found = problem(BOMS, "BOM", [4, 7, 9], error)

    assert found == RowProblem("BOM", 7, "子项 Component: unknown item BELL")


@pytest.mark.parametrize(
    "error",
    [
        InvalidInputError("operations", "a routing needs at least one operation"),
        InvalidInputError("operations/0", "a field in a shape the sheet does not know"),
        NotFoundError("item", "BIKE"),
    ],
)
def test_a_refusal_without_a_column_is_placed_on_the_first_row_in_its_own_words(
    error: DomainError,
) -> None:
    found = problem(ROUTINGS, "Routing", [5, 6], error)

    assert found == RowProblem("Routing", 5, str(error))


def test_a_column_the_sheet_does_not_know_is_ignored() -> None:
    sheet = a_sheet("Items", (*ITEM_HEADERS, "备注 Remarks"), ("A", "A", "pcs", "none", "old"))

    contents = read([sheet])

    assert contents.problems == ()
    assert len(contents.items) == 1


def test_exported_cells_read_back_as_the_same_master_data() -> None:
    bom = Bom("BIKE", 3, (BomLine("FRAME", Decimal("1"), True, "OP10"),))
    routing = Routing(
        "BIKE", 2, (Operation(10, "OP10", "Frame", Decimal("62.5"), "L1", None, ("FRAME",)),)
    )

    contents = read(
        [
            a_sheet("BOM", header_row(BOMS), *bom_cells(bom)),
            a_sheet("Routing", header_row(ROUTINGS), *routing_cells(routing)),
        ]
    )

    assert contents.problems == ()
    assert contents.boms[0].lines == bom.lines
    assert contents.routings[0].operations == routing.operations


def test_an_item_written_as_cells_reads_back_the_same() -> None:
    item = items.new("BIKE", "E-bike", "pcs", "serial", "06901234567892", "999.99", "B{seq:5}")

    contents = read([a_sheet("Items", header_row(ITEMS), item_cells(item))])

    assert [row.item for row in contents.items] == [item]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (Decimal("8"), 8),
        (Decimal("0.25"), 0.25),
        (Decimal("1.000000"), 1),
        (Decimal("12345678901234567.5"), "12345678901234567.5"),
        (Decimal("0.1000001234567890123"), "0.1000001234567890123"),
    ],
)
def test_a_decimal_is_written_as_a_number_only_when_excel_keeps_it_exactly(
    value: Decimal, cell: object
) -> None:
    assert excel.number(value) == cell
    assert type(excel.number(value)) is type(cell)


def test_outcomes_are_counted_per_kind() -> None:
    assert tally(["created", "unchanged", "created"]) == Tally(created=2, unchanged=1)
    assert ImportSummary().items == Tally()


def test_the_rejection_lists_each_problem_as_sheet_and_row() -> None:
    error = ImportRejectedError(
        [
            RowProblem("物料 Items", 3, "bad"),
            RowProblem("BOM", None, "worse"),
            RowProblem("", None, "x"),
        ]
    )

    assert error.code == "import_rejected"
    assert str(error) == (
        "file: nothing was imported, 3 problems: 物料 Items!row 3: bad; BOM: worse; x"
    )


ROUTING_ROW = ("BIKE", 10, "OP10", "Test", None, None, 60, None, None, None)


def test_checks_rows_are_put_on_their_operations_and_limits_read_exactly() -> None:
    contents = read(
        [
            a_sheet("Routing", header_row(ROUTINGS), ROUTING_ROW),
            a_sheet(
                "Checks",
                header_row(CHECKS),
                ("BIKE", "OP10", "top_speed", "Top speed", "variable", "km/h", None, 25.5),
                ("BIKE", "OP10", "lights", "Lights", "Attribute", None, None, None),
            ),
        ]
    )

    assert contents.problems == ()
    (routing,) = contents.routings
    assert routing.operations[0].checks == (
        Characteristic("top_speed", "Top speed", Kind.VARIABLE, "km/h", None, Decimal("25.5")),
        Characteristic("lights", "Lights", Kind.ATTRIBUTE),
    )


def test_a_check_of_an_operation_not_on_the_routing_sheet_is_a_problem_on_its_row() -> None:
    contents = read(
        [
            a_sheet("Routing", header_row(ROUTINGS), ROUTING_ROW),
            a_sheet(
                "Checks",
                header_row(CHECKS),
                ("BIKE", "OP99", "v", "Voltage", "variable", "V", 1, 2),
                ("CART", "OP10", "w", "Weight", "variable", "kg", 3, 2),
            ),
        ]
    )

    assert contents.problems == (
        RowProblem("Checks", 3, "lsl 3 is above usl 2"),
        RowProblem("Checks", 2, "OP99 is not an operation of BIKE on the Routing sheet"),
    )


def test_a_plan_is_read_with_its_checks_and_defect_codes_from_their_sheets() -> None:
    contents = read(
        [
            a_sheet(
                "Inspection plans",
                header_row(PLANS),
                ("IQC-1", "CELL", "incoming", None, "II", 0.65, None, "no"),
            ),
            a_sheet(
                "Plan checks",
                header_row(PLAN_CHECKS),
                ("IQC-1", "v", "Voltage", None, "V", 3.5, 3.7),
            ),
            a_sheet(
                "Defect codes",
                header_row(DEFECTS),
                ("IQC-1", "SWELL", "Swollen", "critical"),
                ("IQC-1", "DENT", "Dent", None),
            ),
        ]
    )

    assert contents.problems == ()
    (row,) = contents.plans
    assert row.plan == InspectionPlan(
        code="IQC-1",
        item_code="CELL",
        stage=Stage.INCOMING,
        characteristics=(
            Characteristic("v", "Voltage", Kind.VARIABLE, "V", Decimal("3.5"), Decimal("3.7")),
        ),
        defects=(
            DefectCode("SWELL", "Swollen", DefectClass.CRITICAL),
            DefectCode("DENT", "Dent", DefectClass.MAJOR),
        ),
        aql_major=Decimal("0.65"),
    )


def test_a_wrong_defect_class_is_named_on_its_row_and_strays_of_no_plan_too() -> None:
    contents = read(
        [
            a_sheet(
                "Inspection plans", header_row(PLANS), ("FQC", "BIKE", "final", *[None] * 4, "yes")
            ),
            a_sheet(
                "Defect codes",
                header_row(DEFECTS),
                ("FQC", "SCRATCH", "Scratch", "minor"),
                ("FQC", "DENT", "Dent", "awful"),
                ("NOPLAN", "X", "X", None),
            ),
            a_sheet(
                "Plan checks", header_row(PLAN_CHECKS), ("GONE", "v", "V", None, None, 1, None)
            ),
        ]
    )

    assert contents.plans == ()
    assert set(contents.problems) == {
        RowProblem("Defect codes", 3, "缺陷等级 Class: 'awful' is not critical, major or minor"),
        RowProblem("Defect codes", 4, "plan NOPLAN is not on the Inspection plans sheet"),
        RowProblem("Plan checks", 2, "plan GONE is not on the Inspection plans sheet"),
    }


def test_lines_and_stations_are_read_and_a_repeated_code_is_named() -> None:
    contents = read(
        [
            a_sheet("Lines", header_row(LINES), ("L1", "Line 1", None), ("L1", "Again", "Site")),
            a_sheet("Stations", header_row(STATIONS), ("L1-S1", "Station", "L1")),
        ]
    )

    assert [row.line for row in contents.lines] == [Line("L1", "Line 1", None)]
    assert [row.station for row in contents.stations] == [Station("L1-S1", "Station", "L1")]
    assert contents.problems == (RowProblem("Lines", 3, "line L1 is already on row 2"),)


def test_text_escaped_the_way_excel_writes_it_reads_back_as_typed() -> None:
    assert excel.clean("Bell_x0007_ ring") == "Bell\x07 ring"
    assert excel.clean("literal _x005F_x0041_") == "literal _x0041_"


def test_import_problems_past_the_first_100_are_counted_not_listed() -> None:
    error = ImportRejectedError([RowProblem("Items", n, "x" * 1000) for n in range(2, 502)])

    assert len(error.problems) == 100
    assert error.more == 400
    assert len(error.problems[0].reason) == 300
    assert "500 problems" in str(error)
    assert "and 490 more" in str(error)
