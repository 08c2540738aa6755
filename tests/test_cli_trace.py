"""`tracemes trace`: backward and forward trace from the command line, on a SQLite file."""

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner, Result

from tests.factories import accept, build_bike, build_pack, make_plant
from tracemes import services
from tracemes.cli import app
from tracemes.domain.unit_events import ShipUnit
from tracemes.services.context import Context
from tracemes.store.db import migrate, open_database

NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A SQLite file with company ACME, one bike built from a pack of cell lot C-1."""
    url = f"sqlite:///{tmp_path / 'trace.db'}"
    db = open_database(url)
    try:
        migrate(db)
        tenant = services.tenants.create(db, NOW, "ACME", "Acme E-bikes")
        ctx = Context(tenant_id=tenant.id, user_id=None, now=NOW)
        plant = make_plant(db, ctx, bikes=2, packs=2)
        build_pack(db, ctx, plant.packs[0], lot="C-1")
        build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
        accept(db, ctx, ShipUnit(plant.bikes[0], "Velo Shop", order="SO-7"))
    finally:
        db.dispose()
    return url


def _run(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(
        app, ["trace", *args, "--tenant", "ACME", "--database-url", database_url]
    )


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def test_trace_unit_prints_the_tree_with_the_cell_lot_under_the_pack(database_url: str) -> None:
    result = _run(database_url, "unit", "BK0001")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("BK0001  BIKE")
    assert "status shipped" in lines[1]
    assert "shipped to Velo Shop" in lines[1]
    pack = next(i for i, line in enumerate(lines) if "PACK  PK0001" in line)
    cell = lines[pack + 1]
    assert "CELL  lot C-1 x 4  supplier CELL supplier  operation P10" in cell
    assert _indent(cell) == _indent(lines[pack]) + 2
    assert any("FRAME  F-1  operation OP10" in line for line in lines)
    runs = lines[lines.index("step runs:") + 1 :]
    assert [line.split()[:3] for line in runs] == [
        ["PK0001", "P10", "pass"],
        ["BK0001", "OP10", "pass"],
        ["BK0001", "OP20", "pass"],
        ["BK0001", "OP30", "pass"],
    ]


def test_trace_history_prints_the_events_in_order(database_url: str) -> None:
    result = _run(database_url, "history", "BK0001")

    assert result.exit_code == 0, result.output
    types = [line.split("  ")[1] for line in result.stdout.splitlines()]
    assert types[0] == "work_order.units_created"
    assert types[-1] == "unit.shipped"
    assert types.count("part.bound") == 4
    assert types.index("step.started") < types.index("part.bound")


def test_trace_lot_lists_the_bike_the_cell_lot_went_into(database_url: str) -> None:
    result = _run(database_url, "lot", "CELL", "C-1")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lot C-1 of CELL: 1 finished unit (1 sub-assembly")
    assert lines[1] == "wip 0  in_stock 0  shipped 1  scrapped 0"
    assert lines[2:] == ["BK0001\tBIKE\tshipped\tshipped\tVelo Shop"]


def test_trace_lot_writes_the_recall_list_as_csv(database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "recall.csv"

    result = _run(database_url, "lot", "CELL", "C-1", "--format", "csv", "--output", str(target))

    assert result.exit_code == 0, result.output
    assert str(target) in result.stdout
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == list(services.recall_lists.COLUMNS)
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    bike = next(r for r in records if r["序列号 Serial"] == "BK0001")
    pack = next(r for r in records if r["序列号 Serial"] == "PK0001")
    assert (bike["层级 Level"], bike["位置 Where"], bike["客户 Customer"]) == (
        "finished",
        "shipped",
        "Velo Shop",
    )
    # The pack went out inside the shipped bike.
    assert (pack["层级 Level"], pack["位置 Where"], pack["装在 Inside"]) == (
        "sub-assembly",
        "shipped",
        "BK0001",
    )


def test_trace_lot_prints_csv_on_stdout_without_output(database_url: str) -> None:
    result = _run(database_url, "lot", "CELL", "C-1", "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0][1] == "序列号 Serial"
    assert [row[1] for row in rows[1:]] == ["BK0001", "PK0001"]


def test_trace_lot_as_excel_needs_an_output_file(database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "recall.xlsx"

    without = _run(database_url, "lot", "CELL", "C-1", "--format", "xlsx")
    written = _run(database_url, "lot", "CELL", "C-1", "--format", "xlsx", "--output", str(target))

    assert without.exit_code == 1
    assert "--output" in without.stderr
    assert written.exit_code == 0, written.output
    sheet = openpyxl.load_workbook(target).active
    assert sheet is not None
    assert sheet["B3"].value == "BK0001"


def test_trace_serial_lists_the_units_above_a_part(database_url: str) -> None:
    result = _run(database_url, "serial", "PK0001")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("serial PK0001: 1 finished unit")
    assert result.stdout.splitlines()[2].startswith("BK0001\tBIKE\tshipped")


def test_an_unknown_lot_or_serial_exits_1_with_the_reason_on_stderr(database_url: str) -> None:
    lot = _run(database_url, "lot", "CELL", "C-9")
    unit = _run(database_url, "unit", "NOPE")

    assert lot.exit_code == 1
    assert lot.stdout == ""
    assert "error: lot of CELL C-9 not found" in lot.stderr
    assert unit.exit_code == 1
    assert "error: unit NOPE not found" in unit.stderr
