"""Excel import and export of master data, on a real database."""

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from tests.factories import make_bike, make_item, make_line
from tracemes import services, store
from tracemes.domain.boms import BomLine
from tracemes.domain.errors import ImportRejectedError, InvalidInputError, RowProblem
from tracemes.domain.routings import Operation
from tracemes.domain.workbooks import ImportSummary, Tally
from tracemes.services.context import Context

ITEM_HEADERS = ["编码 Code", "名称 Name", "单位 UoM", "追溯方式 Tracking", "GTIN"]
BOM_HEADERS = ["Parent item", "Component", "Quantity", "Key part", "Operation"]
ROUTING_HEADERS = [
    "物料",
    "顺序",
    "工序编码",
    "工序名称",
    "产线",
    "工位",
    "标准工时(秒)",
    "绑定关键件",
]


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


def a_bike_workbook(
    items: Sequence[Sequence[object]] = (),
    boms: Sequence[Sequence[object]] = (),
    routings: Sequence[Sequence[object]] = (),
) -> bytes:
    """A bike with a frame, motor and screws; extra rows go after the bike's own."""
    return a_workbook(
        {
            "物料 Items": [
                ITEM_HEADERS,
                ["EBIKE", "E-bike", "pcs", "serial", "06901234567892"],
                ["FRAME", "Frame", "pcs", "序列号", None],
                ["MOTOR", "Motor 250W", "pcs", "serial", None],
                ["SCREW", "Screw M5", "pcs", "批次", None],
                *items,
            ],
            "BOM": [
                BOM_HEADERS,
                ["EBIKE", "FRAME", 1, "yes", "OP10"],
                ["EBIKE", "MOTOR", 1, "是", "OP20"],
                ["EBIKE", "SCREW", 8, "no", None],
                *boms,
            ],
            "工艺路线": [
                ROUTING_HEADERS,
                ["EBIKE", 10, "OP10", "Frame", "L1", "L1-S1", 60, "FRAME"],
                ["EBIKE", 20, "OP20", "Motor", "L1", "L1-S2", 90.5, "MOTOR"],
                *routings,
            ],
        }
    )


def counts(db: Engine, ctx: Context) -> tuple[int, int]:
    """How many items and ledger events the tenant has."""
    with db.connect() as conn:
        return len(store.items.list_all(conn, ctx.tenant_id)), store.ledger.count(
            conn, ctx.tenant_id
        )


def test_a_good_file_stores_items_bom_and_routing_and_records_them(
    db: Engine, ctx: Context
) -> None:
    make_line(db, ctx)

    summary = services.workbooks.import_master_data(db, ctx, a_bike_workbook())

    assert summary == ImportSummary(
        items=Tally(created=4), boms=Tally(created=1), routings=Tally(created=1)
    )
    assert services.items.get(db, ctx, "EBIKE").gtin == "06901234567892"
    assert services.boms.get(db, ctx, "EBIKE").lines == (
        BomLine("FRAME", Decimal(1), True, "OP10"),
        BomLine("MOTOR", Decimal(1), True, "OP20"),
        BomLine("SCREW", Decimal(8), False, None),
    )
    assert services.routings.get(db, ctx, "EBIKE").operations == (
        Operation(10, "OP10", "Frame", Decimal(60), "L1", "L1-S1", ("FRAME",)),
        Operation(20, "OP20", "Motor", Decimal("90.5"), "L1", "L1-S2", ("MOTOR",)),
    )
    with db.connect() as conn:
        assert store.ledger.types_for(conn, ctx.tenant_id, "EBIKE") == [
            "item.created",
            "routing.replaced",
            "bom.replaced",
        ]


def test_a_bad_row_stores_nothing_and_names_sheet_and_row(db: Engine, ctx: Context) -> None:
    make_line(db, ctx)
    before = counts(db, ctx)
    items = [
        ["BELL", "Bell", "pcs", "none", None],
        ["LAMP", "Lamp", "pcs", "sometimes", None],
        ["GRIP", "Grip", "pcs", "none", None],
    ]

    with pytest.raises(ImportRejectedError) as rejected:
        services.workbooks.import_master_data(db, ctx, a_bike_workbook(items=items))

    assert rejected.value.problems == (
        RowProblem("物料 Items", 7, "追溯方式 Tracking: 'sometimes' is not serial, lot or none"),
    )
    assert counts(db, ctx) == before


def test_refusals_found_while_saving_name_their_rows_and_nothing_is_stored(
    db: Engine, ctx: Context
) -> None:
    make_line(db, ctx)
    before = counts(db, ctx)
    workbook = a_bike_workbook(
        boms=[["FRAME", "TUBE", 3, "no", None], ["FRAME", "GHOST", 1, "no", None]],
        routings=[["FRAME", 10, "OP10", "Weld", "L1", "L9-S9", 30, None]],
    )

    with pytest.raises(ImportRejectedError) as rejected:
        services.workbooks.import_master_data(db, ctx, workbook)

    assert rejected.value.problems == (
        RowProblem("工艺路线", 4, "工位 Station: unknown station L9-S9"),
        RowProblem("BOM", 5, "子项 Component: unknown item TUBE"),
    )
    assert counts(db, ctx) == before


def test_an_item_cannot_change_its_tracking_through_a_file(db: Engine, ctx: Context) -> None:
    make_item(db, ctx, "FRAME", tracking="lot")
    make_line(db, ctx)

    with pytest.raises(ImportRejectedError) as rejected:
        services.workbooks.import_master_data(db, ctx, a_bike_workbook())

    assert rejected.value.problems == (
        RowProblem("物料 Items", 3, "item FRAME is lot-tracked; its tracking cannot change"),
    )
    assert services.items.get(db, ctx, "FRAME").name == "Test item"


def test_a_file_imported_again_with_changes_updates_only_what_changed(
    db: Engine, ctx: Context
) -> None:
    make_line(db, ctx)
    services.workbooks.import_master_data(db, ctx, a_bike_workbook())
    changed = a_bike_workbook(
        items=[["BELL", "Bell", "pcs", "none", None]],
        boms=[["EBIKE", "BELL", 1, "no", None]],
    )

    summary = services.workbooks.import_master_data(db, ctx, changed)

    assert summary == ImportSummary(
        items=Tally(created=1, unchanged=4), boms=Tally(updated=1), routings=Tally(unchanged=1)
    )
    assert services.boms.get(db, ctx, "EBIKE").version == 2


def test_every_event_of_an_import_is_recorded_even_with_an_idempotency_key(
    db: Engine, ctx: Context
) -> None:
    make_line(db, ctx)
    _, events_before = counts(db, ctx)
    keyed = replace(ctx, idempotency_key="upload-1")

    services.workbooks.import_master_data(db, keyed, a_bike_workbook())

    _, events_after = counts(db, ctx)
    assert events_after - events_before == 6  # four items, one routing, one BOM


def test_the_template_imports_as_nothing(db: Engine, ctx: Context) -> None:
    before = counts(db, ctx)

    summary = services.workbooks.import_master_data(db, ctx, services.workbooks.template())

    assert summary == ImportSummary()
    assert counts(db, ctx) == before


def test_the_template_has_bold_bilingual_headers_and_notes() -> None:
    book = openpyxl.load_workbook(BytesIO(services.workbooks.template()))

    assert book.sheetnames == [
        "物料 Items",
        "物料清单 BOM",
        "工艺路线 Routing",
        "工序检验项目 Checks",
        "产线 Lines",
        "工位 Stations",
        "检验计划 Inspection plans",
        "计划检验项目 Plan checks",
        "缺陷代码 Defect codes",
        "说明 Notes",
    ]
    items = book["物料 Items"]
    assert [cell.value for cell in items[1]] == [
        "编码 Code",
        "名称 Name",
        "单位 UoM",
        "追溯方式 Tracking",
        "GTIN",
        "标准成本 Standard cost",
        "序列号规则 Serial pattern",
    ]
    assert all(cell.font.bold for cell in items[1])
    assert items.max_row == 1
    assert items.column_dimensions["A"].width >= 12
    notes = " ".join(str(cell.value) for row in book["说明 Notes"].iter_rows() for cell in row)
    assert "追溯方式 Tracking" in notes
    assert "关键件 Key part" in notes


def test_an_export_imports_back_as_unchanged(db: Engine, ctx: Context) -> None:
    make_bike(db, ctx, "BIKE")
    make_item(db, ctx, "GLUE", tracking="none", uom="ml")
    services.items.create(db, ctx, "SEAT", "Seat", "pcs", "lot", standard_cost="12.35")
    before = counts(db, ctx)

    exported = services.workbooks.export_master_data(db, ctx)
    summary = services.workbooks.import_master_data(db, ctx, exported)

    assert summary == ImportSummary(
        items=Tally(unchanged=6),
        boms=Tally(unchanged=1),
        routings=Tally(unchanged=1),
        lines=Tally(unchanged=1),
        stations=Tally(unchanged=len(services.lines.list_stations(db, ctx))),
    )
    assert counts(db, ctx) == before


def test_another_tenants_master_data_is_not_exported(
    db: Engine, ctx: Context, other_ctx: Context
) -> None:
    make_bike(db, ctx, "BIKE")
    make_bike(db, other_ctx, "SAW")

    book = openpyxl.load_workbook(BytesIO(services.workbooks.export_master_data(db, ctx)))

    codes = {
        str(cell.value)
        for title in ("物料 Items", "物料清单 BOM", "工艺路线 Routing")
        for row in book[title].iter_rows(min_row=2)
        for cell in row[:1]
    }
    assert codes == {"BIKE", "BIKE-FRAME", "BIKE-MOTOR", "BIKE-SCREW"}


def test_text_that_looks_like_a_formula_is_exported_as_text(db: Engine, ctx: Context) -> None:
    services.items.create(db, ctx, "=1+1", "=HYPERLINK(1)", "pcs", "none")

    exported = services.workbooks.export_master_data(db, ctx)

    book = openpyxl.load_workbook(BytesIO(exported))
    assert book["物料 Items"]["B2"].data_type == "s"
    summary = services.workbooks.import_master_data(db, ctx, exported)
    assert summary.items == Tally(unchanged=1)


def test_a_file_that_is_not_a_workbook_is_refused(db: Engine, ctx: Context) -> None:
    with pytest.raises(InvalidInputError, match="not an Excel workbook") as refused:
        services.workbooks.import_master_data(db, ctx, b"code,name\nBIKE,E-bike\n")

    assert refused.value.code == "not_a_workbook"


def test_an_oversized_file_is_refused_before_it_is_read(db: Engine, ctx: Context) -> None:
    too_big = b"\0" * (services.workbooks.MAX_BYTES + 1)

    with pytest.raises(InvalidInputError, match="larger than"):
        services.workbooks.import_master_data(db, ctx, too_big)


def test_the_header_row_may_sit_below_empty_rows(db: Engine, ctx: Context) -> None:
    workbook = a_workbook(
        {"Items": [[], [None, None], ["Code", "Name", "Tracking"], ["BELL", "Bell", "none"]]}
    )

    with pytest.raises(ImportRejectedError) as rejected:
        services.workbooks.import_master_data(db, ctx, a_workbook({"Items": [["Code"], ["X"]]}))
    summary = services.workbooks.import_master_data(db, ctx, workbook)

    assert rejected.value.problems[0] == RowProblem("Items", 1, "missing column 名称 Name")
    assert summary.items == Tally(created=1)


def test_a_workbook_renaming_a_stored_line_is_refused_whole(db: Engine, ctx: Context) -> None:
    make_line(db, ctx, "L1")
    workbook = a_workbook(
        {
            "Items": [["Code", "Name", "Tracking"], ["CART", "Cart", "serial"]],
            "Lines": [["Code", "Name"], ["L1", "Renamed line"], ["L2", "New line"]],
        }
    )
    before = counts(db, ctx)

    with pytest.raises(ImportRejectedError) as refused:
        services.workbooks.import_master_data(db, ctx, workbook)

    (problem,) = refused.value.problems
    assert (problem.sheet, problem.row) == ("Lines", 2)
    assert "an import does not rename it" in problem.reason
    assert counts(db, ctx) == before
    assert [line.code for line in services.lines.list_all(db, ctx)] == ["L1"]
