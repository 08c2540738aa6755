"""Master-data workbooks: the demo's round trip, a large plant's, and zip bombs refused.

Prints, for each case, the seconds of export and import and the process's peak resident
memory so far (it only grows, so a case needing more than those before shows it). A large
plant has --items items, a fifth of them assemblies with a 4-component BOM and a 5-operation
routing of 2 checks each, and one inspection plan per assembly.
Run: `.venv/bin/python bench/workbooks.py`.
"""

import argparse
import functools
import resource
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import TypeVar

from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.cli import demo_plant
from tracemes.domain.errors import DomainError
from tracemes.services.context import Context
from tracemes.store.db import migrate, open_database

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
_Result = TypeVar("_Result")


def measured(what: str, run: Callable[[], _Result]) -> _Result:
    """Run once; print the seconds and the process's peak resident memory so far."""
    started = time.perf_counter()
    try:
        return run()
    finally:
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{what:<44} {seconds:8.2f} s  peak RSS so far {peak:6.0f} MiB")


def a_company(db: Engine, code: str) -> Context:
    tenant = services.tenants.create(db, NOW, code, code)
    return Context(tenant_id=tenant.id, user_id=None, now=NOW)


def large_plant_workbook(count: int) -> bytes:
    """A workbook of a large plant, written with openpyxl as an engineer's file would be."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    lines = book.create_sheet("Lines")
    lines.append(["Code", "Name", "Site"])
    lines.append(["L1", "Line 1", "Plant"])
    stations = book.create_sheet("Stations")
    stations.append(["Code", "Name", "Line"])
    for seq in range(1, 6):
        stations.append([f"L1-S{seq}", f"Station {seq}", "L1"])
    items = book.create_sheet("Items")
    items.append(["Code", "Name", "UoM", "Tracking", "Standard cost", "Serial pattern"])
    assemblies = range(0, count, 5)
    for index in range(count):
        tracking = "serial" if index % 5 in (0, 1) else "lot"
        pattern = "SN{seq:6}" if index % 5 == 0 else None
        items.append([f"P{index:06d}", f"Part {index} 零件", "pcs", tracking, 12.5, pattern])
    boms = book.create_sheet("BOM")
    boms.append(["Parent item", "Component", "Quantity", "Key part", "Operation"])
    routings = book.create_sheet("Routing")
    routings.append(
        [
            *("Item", "Seq", "Operation code", "Operation name", "Line", "Station"),
            *("Std time (s)", "Binds", "Rework operation"),
        ]
    )
    checks = book.create_sheet("Checks")
    checks.append(["Item", "Operation code", "Check code", "Check name", "Kind", "Unit", "LSL"])
    plans = book.create_sheet("Inspection plans")
    plans.append(["Plan code", "Item", "Stage", "AQL major"])
    for parent in assemblies:
        code = f"P{parent:06d}"
        for offset in range(1, 5):
            component = f"P{parent + offset:06d}"
            boms.append([code, component, 1, "yes", f"OP{offset * 10}"])
        for seq in range(1, 6):
            bind = f"P{parent + seq:06d}" if seq < 5 else None
            rework = "OP10" if seq > 1 else None
            name = f"Step {seq}"
            routings.append(
                [code, seq * 10, f"OP{seq * 10}", name, "L1", f"L1-S{seq}", 60, bind, rework]
            )
            for check in ("a", "b"):
                checks.append([code, f"OP{seq * 10}", check, f"Check {check}", "variable", "V", 1])
        plans.append([f"FQC-{code}", code, "final", 0.65])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bomb(rows: int) -> bytes:
    """The template with an Items sheet of `rows` identical rows, deflated."""
    template = zipfile.ZipFile(BytesIO(services.workbooks.template()))
    row = b'<row><c t="inlineStr"><is><t>BOMB</t></is></c></row>'
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        for member in template.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                book.writestr(member, template.read(member))
                continue
            with book.open(member.filename, "w", force_zip64=True) as part:
                part.write(
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main"><sheetData>'
                )
                for chunk in _chunks(row, rows):
                    part.write(chunk)
                part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def _chunks(row: bytes, rows: int) -> Iterator[bytes]:
    per_chunk = 2**20 // len(row)
    while rows > 0:
        yield row * min(per_chunk, rows)
        rows -= per_chunk


def refused(db: Engine, ctx: Context, data: bytes) -> str:
    try:
        services.workbooks.import_master_data(db, ctx, data)
    except DomainError as error:
        return f"{error.code}: {error}"
    return "accepted"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=10_000, help="items of the large plant")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        db = open_database(url)
        migrate(db)
        demo_plant.seed(db, NOW)
        demo = services.tenants.get(db, demo_plant.TENANT_CODE)
        source = Context(tenant_id=demo.id, user_id=None, now=NOW)
        data = measured("demo: export", lambda: services.workbooks.export_master_data(db, source))
        copy = a_company(db, "COPY")
        measured("demo: import into a fresh company", lambda: _import(db, copy, data))
        measured("demo: import into itself (unchanged)", lambda: _import(db, source, data))

        big = large_plant_workbook(args.items)
        print(f"large plant: {args.items} items, workbook {len(big) / 2**20:.1f} MiB")
        first = a_company(db, "BIG")
        measured("large: import of the engineer's workbook", lambda: _import(db, first, big))
        exported = measured(
            "large: export", lambda: services.workbooks.export_master_data(db, first)
        )
        second = a_company(db, "BIG2")
        measured(
            "large: import of the export, fresh company", lambda: _import(db, second, exported)
        )
        measured("large: import of the export again", lambda: _import(db, second, exported))

        for rows in (3_000_000, 150_000):
            data = bomb(rows)
            answer = measured(
                f"bomb: {rows:,} rows, {len(data) / 2**20:.2f} MiB sent",
                functools.partial(refused, db, copy, data),
            )
            print(f"    -> {answer[:110]}")
        db.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory: {peak:.0f} MiB")
    return 0


def _import(db: Engine, ctx: Context, data: bytes) -> str:
    summary = services.workbooks.import_master_data(db, ctx, data)
    return str(summary)


if __name__ == "__main__":
    raise SystemExit(main())
