"""Recall lists: a forward trace as CSV or Excel, headers in Chinese and English."""

import csv
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
from openpyxl.styles import Font

from tracemes.domain.trace import AffectedLot, AffectedUnit
from tracemes.services.trace import WhereUsed

COLUMNS = (
    "层级 Level",
    "序列号 Serial",
    "物料 Item",
    "物料名称 Item name",
    "状态 Status",
    "位置 Where",
    "装在 Inside",
    "当前工序 Operation",
    "工单 Work order",
    "冻结 On hold",
    "客户 Customer",
    "销售订单 Sales order",
    "交货单 Delivery",
    "发货时间 Shipped at",
    "批号 Lot",
    "数量 Quantity",
)


def rows(where_used: WhereUsed) -> Iterator[list[Any]]:
    """One row per affected unit (finished units first, then the sub-assemblies), then per
    production lot one row per shipment and one for the finished stock still here."""
    ordered = sorted(where_used.units, key=lambda u: (not u.finished, u.unit.serial))
    for affected in ordered:
        yield _row(affected)
    for lot in where_used.lots:
        yield from _lot_rows(lot)


def _lot_rows(lot: AffectedLot) -> Iterator[list[Any]]:
    hold = "yes" if lot.on_hold else "no"
    order = lot.work_order or ""
    for s in lot.shipments:
        shipped_at = s.shipped_at.isoformat()
        yield [
            "lot",
            "",
            lot.item_code,
            "",
            "shipped",
            "shipped",
            "",
            "",
            order,
            hold,
            s.customer,
            s.sales_order or "",
            s.delivery or "",
            shipped_at,
            lot.lot,
            format(s.quantity.normalize(), "f"),
        ]
    if lot.stock > 0 or not lot.shipments:
        yield [
            "lot",
            "",
            lot.item_code,
            "",
            "in_stock" if lot.stock > 0 else "wip",
            "in_stock" if lot.stock > 0 else "wip",
            "",
            "",
            order,
            hold,
            "",
            "",
            "",
            "",
            lot.lot,
            format(lot.stock.normalize(), "f"),
        ]


def _row(affected: AffectedUnit) -> list[Any]:
    unit = affected.unit
    return [
        "finished" if affected.finished else "sub-assembly",
        unit.serial,
        unit.item_code,
        unit.item_name,
        unit.status.value,
        affected.location.value,
        affected.inside.serial if affected.inside else "",
        unit.operation or "",
        unit.work_order or "",
        "yes" if unit.on_hold else "no",
        unit.customer or "",
        unit.sales_order or "",
        unit.delivery or "",
        unit.shipped_at.isoformat() if unit.shipped_at else "",
        "",
        "1",
    ]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(cell: object) -> str:
    """A CSV cell a spreadsheet shows as text: one that could start a formula (= + - @, tab,
    carriage return) gets a leading single quote, the OWASP rule, so a customer named
    `=HYPERLINK(...)` stays a name and runs nothing when the list is opened."""
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(where_used: WhereUsed) -> bytes:
    """UTF-8 with a byte-order mark, so Excel on Chinese Windows opens it correctly; every
    cell as_text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows([as_text(cell) for cell in row] for row in rows(where_used))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(where_used: WhereUsed) -> bytes:
    """One sheet named after what was traced."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "召回清单 Recall"
    sheet.append([f"追溯来源 Traced from: {where_used.origin}"])
    sheet.append(list(COLUMNS))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows(where_used):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.data_type = "s"  # text stays text: a customer named "=..." is no formula
    for index, width in enumerate(
        (12, 18, 14, 24, 12, 10, 18, 10, 16, 8, 24, 14, 14, 22, 14, 10), start=1
    ):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
