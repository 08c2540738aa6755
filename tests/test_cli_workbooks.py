"""`tracemes template`, `import` and `export` on a SQLite file."""

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from tracemes.cli import app

runner = CliRunner()


def a_workbook(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    """An .xlsx file at `path` with these sheets, each given as its rows (header first)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A new SQLite file with the company ACME."""
    url = f"sqlite:///{tmp_path / 'tracemes.db'}"
    result = runner.invoke(app, ["tenant", "create", "ACME", "Acme", "--database-url", url])
    assert result.exit_code == 0, result.output
    return url


def test_template_writes_the_workbook_to_fill_in(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"

    result = runner.invoke(app, ["template", str(path)])

    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(path).sheetnames == [
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


def test_import_of_a_good_file_prints_what_was_stored(tmp_path: Path, database_url: str) -> None:
    path = a_workbook(
        tmp_path / "good.xlsx",
        {
            "物料": [["编码", "名称", "单位", "追溯方式"], ["CART", "推车", "pcs", "序列号"]],
            "BOM": [["Parent item", "Component", "Quantity"]],
        },
    )

    result = runner.invoke(
        app, ["import", str(path), "--tenant", "ACME", "--database-url", database_url]
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "items: 1 created, 0 updated, 0 unchanged",
        "BOMs: 0 created, 0 updated, 0 unchanged",
        "routings: 0 created, 0 updated, 0 unchanged",
        "lines: 0 created, 0 updated, 0 unchanged",
        "stations: 0 created, 0 updated, 0 unchanged",
        "inspection plans: 0 created, 0 updated, 0 unchanged",
    ]


def test_import_of_a_bad_file_prints_each_problem_and_exits_1(
    tmp_path: Path, database_url: str
) -> None:
    path = a_workbook(
        tmp_path / "bad.xlsx",
        {
            "Items": [
                ["Code", "Name", "Tracking"],
                ["CART", "Cart", "serial"],
                ["WHEEL", "Wheel", "by the kilo"],
                ["BELL", "Bell", "none"],
            ]
        },
    )

    result = runner.invoke(
        app, ["import", str(path), "--tenant", "ACME", "--database-url", database_url]
    )
    again = runner.invoke(
        app,
        ["export", str(tmp_path / "after.xlsx"), "--tenant", "ACME"],
        env={"TRACEMES_DATABASE_URL": database_url},
    )

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Items!row 3: 追溯方式 Tracking: 'by the kilo' is not serial, lot or none",
        f"nothing was imported from {path}",
    ]
    assert again.exit_code == 0, again.output
    assert openpyxl.load_workbook(tmp_path / "after.xlsx")["物料 Items"].max_row == 1


def test_export_writes_a_file_that_imports_back_unchanged(
    tmp_path: Path, database_url: str
) -> None:
    good = a_workbook(
        tmp_path / "good.xlsx",
        {
            "Items": [
                ["Code", "Name", "Tracking", "Standard cost"],
                ["CART", "Cart", "serial", 120.5],
                ["WHEEL", "Wheel", "lot", 7],
            ],
            "BOM": [["Parent item", "Component", "Quantity", "Key part"], ["CART", "WHEEL", 4, 1]],
        },
    )
    options = ["--tenant", "ACME", "--database-url", database_url]
    runner.invoke(app, ["import", str(good), *options])
    exported = tmp_path / "exported.xlsx"

    exporting = runner.invoke(app, ["export", str(exported), *options])
    reimporting = runner.invoke(app, ["import", str(exported), *options])

    assert exporting.exit_code == 0, exporting.output
    assert reimporting.stdout.splitlines() == [
        "items: 0 created, 0 updated, 2 unchanged",
        "BOMs: 0 created, 0 updated, 1 unchanged",
        "routings: 0 created, 0 updated, 0 unchanged",
        "lines: 0 created, 0 updated, 0 unchanged",
        "stations: 0 created, 0 updated, 0 unchanged",
        "inspection plans: 0 created, 0 updated, 0 unchanged",
    ]
    book = openpyxl.load_workbook(BytesIO(exported.read_bytes()))
    assert [cell.value for cell in book["物料清单 BOM"][2]] == ["CART", "WHEEL", 4, "yes", None]


def test_import_for_an_unknown_company_fails(tmp_path: Path, database_url: str) -> None:
    path = a_workbook(tmp_path / "any.xlsx", {"Items": [["Code", "Name", "Tracking"]]})

    result = runner.invoke(
        app, ["import", str(path), "--tenant", "NOPE", "--database-url", database_url]
    )

    assert result.exit_code == 1
    assert "tenant NOPE not found" in result.stderr
