"""Trace benchmark: load a factory of finished e-bikes, then time ingest and trace.

    .venv/bin/python bench/trace.py                         # 1,000 bikes on SQLite, ~1 minute
    .venv/bin/python bench/trace.py --scale 0.1 --database both --json figures.json

A finished bike has ten live genealogy edges: frame, motor, screw lot, bolt lot (OP10),
battery pack, controller, cable lot (OP20); the pack, made on the battery line, holds a cell
lot, a BMS serial and a nickel-strip lot. One cell lot feeds 10,000 finished bikes, one
50,000 (fewer below --scale 0.1), the rest 1,000 each. Master data (items, BOMs, routings,
lines, users, lots, released work orders) is made through the services on a freshly
migrated schema; the bulk of finished units, edges and step runs is loaded with raw
executemany (SQLite) or COPY (PostgreSQL), which the output says. Everything measured after
that goes through the real services and, over HTTP, the real app under uvicorn in a
subprocess. See docs/performance.md for what the figures mean.

Exits 1 on an internal error (a refused event, a wrong trace, a server that does not
start); a missed target is reported, not an error.
"""

import argparse
import json
import math
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import httpx2
import sqlalchemy as sa
from sqlalchemy.engine import Engine

import lot_scenario
from tracemes import services
from tracemes.app import tune_collector
from tracemes.domain.boms import BomLine
from tracemes.domain.event_types import EventType
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.routings import Operation
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent
from tracemes.store import schema
from tracemes.store.db import migrate, open_database

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEED = 20261126
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
FIRST_BUILT = NOW - timedelta(days=400)
FULL_SCALE_UNITS = 1_000_000
HOT_LOTS = (10_000, 50_000)  # finished bikes behind the two measured cell lots at --scale >= 0.1
PACKS_PER_CELL_LOT = 1_000
LOAD_CHUNK = 20_000  # finished bikes generated and inserted per step
EVENTS_PER_GROUP = 7  # one new bike (4 bindings at OP10) and one new pack (3 at P10)
SERVICE_BATCHES = (1_000, 10_000)
HTTP_BATCH = 1_000
MAX_UNITS_PER_CALL = 10_000
TENANT = "BENCH"

BIKE, PACK = "EB-X1", "BP-48V"
FRAME, MOTOR, CTRL, BMS = "FRAME-X1", "MOTOR-350W", "CTRL-48V", "BMS-48V"
CELL, NICKEL, SCREW, BOLT, CABLE = "CELL-21700", "NICKEL-STRIP", "SCREW-M5", "BOLT-M8", "CABLE-2C"
# The lots new work draws on (bench/trace.py, load.py, ingest_cost.py): one per lot-tracked part.
NEW_LOTS = ((SCREW, "S-NEW"), (BOLT, "B-NEW"), (CELL, "C-NEW"), (NICKEL, "N-NEW"))

# (code, name, uom, tracking, serial pattern)
ITEMS = (
    (BIKE, "City e-bike X1", "pcs", "serial", "EB{yy}{MM}{dd}{seq:6}"),
    (PACK, "48 V battery pack", "pcs", "serial", "BP{yy}{MM}{dd}{seq:6}"),
    (FRAME, "Aluminium frame", "pcs", "serial", None),
    (MOTOR, "350 W hub motor", "pcs", "serial", None),
    (CTRL, "48 V controller", "pcs", "serial", None),
    (BMS, "Battery management board", "pcs", "serial", None),
    (CELL, "21700 Li-ion cell", "pcs", "lot", None),
    (NICKEL, "Nickel strip", "m", "lot", None),
    (SCREW, "M5 screw", "pcs", "lot", None),
    (BOLT, "M8 bolt", "pcs", "lot", None),
    (CABLE, "Two-core cable", "m", "lot", None),
    ("GREASE-01", "Bearing grease", "g", "none", None),
)
BIKE_BOM = (
    BomLine(FRAME, Decimal(1), True, "OP10"),
    BomLine(MOTOR, Decimal(1), True, "OP10"),
    BomLine(SCREW, Decimal(12), True, "OP10"),
    BomLine(BOLT, Decimal(4), True, "OP10"),
    BomLine(PACK, Decimal(1), True, "OP20"),
    BomLine(CTRL, Decimal(1), True, "OP20"),
    BomLine(CABLE, Decimal(2), True, "OP20"),
    BomLine("GREASE-01", Decimal(5), False),
)
PACK_BOM = (
    BomLine(CELL, Decimal(52), True, "P10"),
    BomLine(BMS, Decimal(1), True, "P10"),
    BomLine(NICKEL, Decimal(2), True, "P10"),
)
BIKE_ROUTING = (
    Operation(10, "OP10", "Frame and motor", Decimal(90), "L1", "L1-S1", (FRAME, MOTOR)),
    Operation(20, "OP20", "Pack and controller", Decimal(150), "L1", "L1-S2", (PACK, CTRL)),
    Operation(30, "OP30", "Function test", Decimal(120), "L1", "L1-S3"),
)
PACK_ROUTING = (
    Operation(10, "P10", "Cells, BMS and welding", Decimal(300), "L2", "L2-S1", (CELL, BMS)),
    Operation(20, "P20", "Burn-in", Decimal(600), "L2", "L2-S2"),
)
STATIONS = {"L1": ("L1-S1", "L1-S2", "L1-S3"), "L2": ("L2-S1", "L2-S2")}


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the figures."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """The benchmark itself went wrong (not a missed target)."""


# -- measuring ------------------------------------------------------------------------------


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    """Milliseconds taken by one call, and what it returned."""
    start = time.perf_counter()
    result = call()
    return (time.perf_counter() - start) * 1000, result


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak) of a process, in MB."""
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found


# -- the database under test ------------------------------------------------------------------


@dataclass
class Target:
    """One database: where it is, how to open it, how to throw it away."""

    kind: str  # sqlite | postgres
    url: str
    cleanup: Callable[[], None]

    def open(self) -> Engine:
        """An engine the way the app opens one."""
        engine: Engine = open_database(self.url)
        return engine


def sqlite_target(workdir: Path, keep: bool) -> Target:
    """A fresh SQLite file in the work directory."""
    path = workdir / "bench-trace.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

    def cleanup() -> None:
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    return Target("sqlite", f"sqlite:///{path}", cleanup)


def postgres_target(base_url: str, keep: bool) -> Target:
    """A fresh schema of our own, chosen by search_path, dropped afterwards."""
    name = f"bench_trace_{os.getpid()}"
    admin = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    url = sa.engine.make_url(base_url).update_query_dict({"options": f"-csearch_path={name}"})

    def cleanup() -> None:
        if not keep:
            with admin.connect() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        admin.dispose()

    return Target("postgres", url.render_as_string(hide_password=False), cleanup)


# -- master data through the services ---------------------------------------------------------


@dataclass
class Plant:
    """Ids and codes of the master data, for the raw loader and the ingest."""

    ctx: Context
    item_id: dict[str, int]
    station_id: dict[str, int]
    operator_ids: list[int]
    bike_order_id: int
    pack_order_id: int
    lot_id: dict[tuple[str, str], int] = field(default_factory=dict)


def make_master_data(db: Engine) -> Plant:
    """Tenant, users, items, lines, BOMs, routings and two released work orders."""
    tenant = services.tenants.create(db, NOW, TENANT, "Benchmark e-bike works")
    ctx = Context(tenant_id=tenant.id, user_id=None, now=NOW)
    services.users.create(db, ctx, "bench", "admin")
    for n in range(1, 5):
        services.users.create(db, ctx, f"operator-{n}", "operator")
    for code, name, uom, tracking, pattern in ITEMS:
        services.items.create(db, ctx, code, name, uom, tracking, serial_pattern=pattern)
    for line, stations in STATIONS.items():
        services.lines.create(db, ctx, line, f"Line {line}")
        for station in stations:
            services.lines.create_station(db, ctx, station, f"Station {station}", line)
    services.boms.replace(db, ctx, PACK, PACK_BOM)
    services.boms.replace(db, ctx, BIKE, BIKE_BOM)
    services.routings.replace(db, ctx, PACK, PACK_ROUTING)
    services.routings.replace(db, ctx, BIKE, BIKE_ROUTING)
    with db.connect() as conn:
        item_id = ids(conn, schema.items.c.code, schema.items.c.id)
        station_id = ids(conn, schema.stations.c.code, schema.stations.c.id)
        users = ids(conn, schema.users.c.name, schema.users.c.id)
    ctx = Context(tenant_id=tenant.id, user_id=users["bench"], now=NOW)
    return Plant(
        ctx=ctx,
        item_id=item_id,
        station_id=station_id,
        operator_ids=[users[f"operator-{n}"] for n in range(1, 5)],
        bike_order_id=0,
        pack_order_id=0,
    )


def ids(conn: sa.Connection, key: Any, value: Any) -> dict[str, int]:
    """A code -> id map of one table."""
    return {str(code): int(found) for code, found in conn.execute(sa.select(key, value))}


def release_order(db: Engine, ctx: Context, code: str, item: str, quantity: int, line: str) -> int:
    """Create and release a work order through the services; return its id."""
    services.work_orders.create(db, ctx, item, quantity, line, code=code)
    services.work_orders.release(db, ctx, code)
    with db.connect() as conn:
        found = conn.execute(
            sa.select(schema.work_orders.c.id).where(schema.work_orders.c.code == code)
        ).scalar_one()
    return int(found)


def receive_lot(db: Engine, plant: Plant, item: str, lot: str, quantity: int) -> None:
    """Book a lot in through the services and remember its id."""
    services.lots.receive(db, plant.ctx, item, lot, quantity, supplier=f"{item} supplier")
    with db.connect() as conn:
        found = conn.execute(
            sa.select(schema.lots.c.id).where(
                schema.lots.c.item_id == plant.item_id[item], schema.lots.c.lot == lot
            )
        ).scalar_one()
    plant.lot_id[(item, lot)] = int(found)


# -- the finished factory, loaded raw ---------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Which lot each finished bike's parts came from; fixed by the seed."""

    finished: int
    hot: tuple[int, int]
    cell_lot: list[str]  # per finished bike (through its pack)
    hot_lot: tuple[str, str]

    @staticmethod
    def plan(finished: int, rng: random.Random) -> "Layout":
        """Spread packs over cell lots: two hot lots, the rest 1,000 packs each."""
        hot = (min(HOT_LOTS[0], finished // 10), min(HOT_LOTS[1], finished // 2))
        order = list(range(finished))
        rng.shuffle(order)
        names = (f"C-HOT-{hot[0]}", f"C-HOT-{hot[1]}")
        cell_lot = [""] * finished
        for position, bike in enumerate(order):
            if position < hot[0]:
                cell_lot[bike] = names[0]
            elif position < hot[0] + hot[1]:
                cell_lot[bike] = names[1]
            else:
                cell_lot[bike] = f"C-{(position - hot[0] - hot[1]) // PACKS_PER_CELL_LOT:05d}"
        return Layout(finished, hot, cell_lot, names)

    def lots(self) -> dict[tuple[str, str], int]:
        """Every lot the loaded bikes use, with how much of it they used."""
        used: dict[tuple[str, str], int] = {}
        for bike, cell in enumerate(self.cell_lot):
            for key, quantity in self.other_lots(bike):
                used[key] = used.get(key, 0) + quantity
            used[(CELL, cell)] = used.get((CELL, cell), 0) + 52
        return used

    @staticmethod
    def other_lots(bike: int) -> tuple[tuple[tuple[str, str], int], ...]:
        """Nickel, screw, bolt and cable lots of one bike: a new lot every few thousand."""
        return (
            ((NICKEL, f"N-{bike // 5_000:04d}"), 2),
            ((SCREW, f"S-{bike // 20_000:04d}"), 12),
            ((BOLT, f"B-{bike // 20_000:04d}"), 4),
            ((CABLE, f"W-{bike // 10_000:04d}"), 2),
        )


UNIT_COLUMNS = (
    "id",
    "tenant_id",
    "item_id",
    "serial",
    "work_order_id",
    "status",
    "created_at",
    "on_hold",
    "completed_at",
    "supplier",
    "supplier_lot",
    "customer",
    "sales_order",
    "delivery",
    "shipped_at",
)
BINDING_COLUMNS = (
    "id",
    "tenant_id",
    "parent_kind",
    "parent_id",
    "child_kind",
    "child_id",
    "item_id",
    "quantity",
    "operation_code",
    "station_id",
    "operator_id",
    "bound_at",
)
RUN_COLUMNS = (
    "id",
    "tenant_id",
    "unit_id",
    "operation_code",
    "station_id",
    "operator_id",
    "started_at",
    "completed_at",
    "result",
    "measurements",
    "defects",
)


class Loader:
    """Fast raw inserts: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, db: Engine, kind: str) -> None:
        self.kind = kind
        self.raw = db.raw_connection()
        self.driver = cast(Any, self.raw.driver_connection)
        if kind == "sqlite":
            cursor = self.driver.cursor()
            cursor.execute("PRAGMA cache_size=-1000000")  # this loading connection only
            cursor.execute("PRAGMA foreign_keys=OFF")  # rows are consistent by construction
            cursor.close()
        else:
            with self.driver.cursor() as cursor:
                # Skip per-row foreign-key triggers during COPY (rows are consistent).
                cursor.execute("SET session_replication_role = replica")
            self.driver.commit()

    def stamp(self, moment: datetime) -> str:
        """A timestamp as the column stores it (SQLAlchemy's SQLite text format)."""
        text = f"{moment:%Y-%m-%d %H:%M:%S.%f}"
        return text if self.kind == "sqlite" else text + "+00"

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows in one transaction."""
        names = ", ".join(columns)
        if self.kind == "sqlite":
            cursor = self.driver.cursor()
            cursor.execute("BEGIN")
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            cursor.execute("COMMIT")
            cursor.close()
            return
        with (
            self.driver.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        self.driver.commit()

    def finish(self, tables: Sequence[str] = ("units", "bindings", "step_runs")) -> None:
        """Move id sequences past the loaded ids (PostgreSQL) and let go of the connection."""
        if self.kind == "postgres":
            with self.driver.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                for table in tables:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
            self.driver.commit()
        else:
            cursor = self.driver.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cursor.close()
        self.raw.close()


def load_factory(
    db: Engine, target: Target, plant: Plant, layout: Layout, rng: random.Random
) -> dict[str, float]:
    """Insert the finished bikes, their packs and parts, their edges and step runs."""
    with db.connect() as conn:
        unit_base = int(conn.execute(sa.select(sa.func.max(schema.units.c.id))).scalar() or 0) + 1
        edge_base = (
            int(conn.execute(sa.select(sa.func.max(schema.bindings.c.id))).scalar() or 0) + 1
        )
        run_base = int(conn.execute(sa.select(sa.func.max(schema.step_runs.c.id))).scalar() or 0)
        run_base += 1
    loader = Loader(db, target.kind)
    counts = {"units": 0, "bindings": 0, "step_runs": 0}
    start = time.perf_counter()
    try:
        for first in range(0, layout.finished, LOAD_CHUNK):
            last = min(layout.finished, first + LOAD_CHUNK)
            units, edges, runs = _factory_rows(
                loader, plant, layout, rng, range(first, last), unit_base, edge_base, run_base
            )
            loader.insert("units", UNIT_COLUMNS, units)
            loader.insert("bindings", BINDING_COLUMNS, edges)
            loader.insert("step_runs", RUN_COLUMNS, runs)
            counts["units"] += len(units)
            counts["bindings"] += len(edges)
            counts["step_runs"] += len(runs)
            if (last // LOAD_CHUNK) % 10 == 0 or last == layout.finished:
                log(f"  loaded {last:,} of {layout.finished:,} finished bikes")
        loader.finish()
    except BaseException:
        loader.raw.close()
        raise
    seconds = time.perf_counter() - start
    rows = sum(counts.values())
    return {
        "load.units": counts["units"],
        "load.bindings": counts["bindings"],
        "load.step_runs": counts["step_runs"],
        "load.seconds": seconds,
        "load.rows_per_s": rows / seconds,
    }


def _factory_rows(
    loader: Loader,
    plant: Plant,
    layout: Layout,
    rng: random.Random,
    bikes: range,
    unit_base: int,
    edge_base: int,
    run_base: int,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    tenant = plant.ctx.tenant_id
    item, station, lot_id = plant.item_id, plant.station_id, plant.lot_id
    stamp = loader.stamp
    units: list[tuple[Any, ...]] = []
    edges: list[tuple[Any, ...]] = []
    runs: list[tuple[Any, ...]] = []
    for n in bikes:
        bike, pack, frame, motor, ctrl, bms = (unit_base + 6 * n + k for k in range(6))
        operator = plant.operator_ids[n % len(plant.operator_ids)]
        packed = FIRST_BUILT + timedelta(seconds=25 * n)
        built = packed + timedelta(hours=20)
        t_pack, t_pack_done = stamp(packed), stamp(packed + timedelta(minutes=15))
        t_bike, t_bike_done = stamp(built), stamp(built + timedelta(minutes=7))
        shipped = rng.random() < 0.7
        units.append(
            (
                bike,
                tenant,
                item[BIKE],
                f"EB{n:08d}",
                plant.bike_order_id,
                "shipped" if shipped else "completed",
                t_bike,
                False,
                t_bike_done,
                None,
                None,
                f"Dealer {n % 97}" if shipped else None,
                f"SO-{n // 50:06d}" if shipped else None,
                f"DN-{n // 50:06d}" if shipped else None,
                stamp(built + timedelta(days=2)) if shipped else None,
            )
        )
        units.append(
            (pack, tenant, item[PACK], f"BP{n:08d}", plant.pack_order_id, "completed", t_pack)
        )
        units[-1] += (False, t_pack_done, None, None, None, None, None, None)
        purchased = (
            (frame, FRAME, "FR"),
            (motor, MOTOR, "MO"),
            (ctrl, CTRL, "CT"),
            (bms, BMS, "BM"),
        )
        for unit_id, code, prefix in purchased:
            supplied = (f"{code} supplier", f"{prefix}L-{n // 5_000:04d}")
            units.append(
                (unit_id, tenant, item[code], f"{prefix}{n:08d}", None, "received", t_pack)
            )
            units[-1] += (False, None, *supplied, None, None, None, None)
        nickel, screw, bolt, cable = (key for key, _ in Layout.other_lots(n))
        cell = (CELL, layout.cell_lot[n])
        s1, s2 = station["L1-S1"], station["L1-S2"]
        p1 = station["L2-S1"]
        children = (
            (bike, "unit", frame, FRAME, "1", "OP10", s1, t_bike),
            (bike, "unit", motor, MOTOR, "1", "OP10", s1, t_bike),
            (bike, "lot", lot_id[screw], SCREW, "12", "OP10", s1, t_bike),
            (bike, "lot", lot_id[bolt], BOLT, "4", "OP10", s1, t_bike),
            (bike, "unit", pack, PACK, "1", "OP20", s2, t_bike),
            (bike, "unit", ctrl, CTRL, "1", "OP20", s2, t_bike),
            (bike, "lot", lot_id[cable], CABLE, "2", "OP20", s2, t_bike),
            (pack, "lot", lot_id[cell], CELL, "52", "P10", p1, t_pack),
            (pack, "unit", bms, BMS, "1", "P10", p1, t_pack),
            (pack, "lot", lot_id[nickel], NICKEL, "2", "P10", p1, t_pack),
        )
        for k, (parent, kind, child, code, quantity, op, at, when) in enumerate(children):
            edge_id = edge_base + 10 * n + k
            edges.append((edge_id, tenant, "unit", parent, kind, child, item[code], quantity))
            edges[-1] += (op, at, operator, when)
        steps = (
            (bike, "OP10", "L1-S1", "{}"),
            (bike, "OP20", "L1-S2", "{}"),
            (bike, "OP30", "L1-S3", '{"top_speed_kmh": 24.6}'),
            (pack, "P10", "L2-S1", "{}"),
            (pack, "P20", "L2-S2", '{"ocv_v": 53.9}'),
        )
        for k, (unit_id, op, where, measured) in enumerate(steps):
            begun, done = (t_pack, t_pack_done) if unit_id == pack else (t_bike, t_bike_done)
            run_id = run_base + 5 * n + k
            runs.append((run_id, tenant, unit_id, op, station[where], operator, begun, done))
            runs[-1] += ("pass", measured, "[]")
    return units, edges, runs


def settle_lots(db: Engine, plant: Plant, used: dict[tuple[str, str], int]) -> None:
    """Draw the received lots down by what the loaded bikes used."""
    with db.begin() as conn:
        conn.execute(
            sa.update(schema.lots)
            .where(schema.lots.c.id == sa.bindparam("b_id"))
            .values(remaining=sa.bindparam("b_remaining", type_=schema.Quantity())),
            [
                {"b_id": plant.lot_id[key], "b_remaining": Decimal(spare_of(quantity))}
                for key, quantity in used.items()
            ],
        )


def count_finished(db: Engine, plant: Plant, finished: int) -> None:
    """Give the two loaded work orders their finished-unit count, where the schema keeps one."""
    if "finished_units" not in schema.work_orders.c:
        return
    with db.begin() as conn:
        conn.execute(
            sa.update(schema.work_orders)
            .where(schema.work_orders.c.id.in_([plant.bike_order_id, plant.pack_order_id]))
            .values(finished_units=finished)
        )


def spare_of(used: int) -> int:
    """What is left of a lot received with a 10 % margin over what the loaded bikes used."""
    return used // 10 + 1


# -- tracing ------------------------------------------------------------------------------


BARE_FORWARD = """
WITH RECURSIVE up(parent_kind, parent_id, depth) AS (
    SELECT parent_kind, parent_id, 1 FROM bindings
    WHERE tenant_id = :tenant AND unbound_at IS NULL AND child_kind = 'lot' AND child_id = :lot
    UNION
    SELECT above.parent_kind, above.parent_id, up.depth + 1
    FROM bindings AS above JOIN up
        ON above.child_kind = up.parent_kind AND above.child_id = up.parent_id
    WHERE above.tenant_id = :tenant AND above.unbound_at IS NULL AND up.depth < 20
)
SELECT parent_kind, parent_id FROM up
"""


def check_backward(trace: Any, serial: str) -> None:
    """A loaded bike's trace has 7 parts, the pack 3 more, and 5 step runs."""
    nodes = list(trace.parts)
    count = 0
    while nodes:
        node = nodes.pop()
        count += 1
        nodes.extend(node.children)
    if count != 10 or len(trace.step_runs) != 5:
        raise BenchError(f"trace of {serial}: {count} parts, {len(trace.step_runs)} step runs")


def service_traces(
    db: Engine, plant: Plant, layout: Layout, sample: list[str], repeats: int
) -> dict[str, float]:
    """Backward trace of random finished bikes and where-used of the hot lots, in-process."""
    ctx = plant.ctx
    for serial in sample[:50]:
        services.trace.backward(db, ctx, serial)
    times = []
    for serial in sample:
        ms, trace = timed(lambda s=serial: services.trace.backward(db, ctx, s))  # type: ignore[misc]
        check_backward(trace, serial)
        times.append(ms)
    figures = {
        "backward.service.p50_ms": statistics.median(times),
        "backward.service.p99_ms": percentile(times, 0.99),
    }
    for lot, finished in zip(layout.hot_lot, layout.hot, strict=True):
        tag = f"where_used.{finished}"
        found = services.trace.where_used_lot(db, ctx, CELL, lot)
        if len(found.finished) != finished:
            raise BenchError(f"lot {lot} reaches {len(found.finished)} finished, not {finished}")
        service_ms = [
            timed(lambda lot=lot: services.trace.where_used_lot(db, ctx, CELL, lot))[0]  # type: ignore[misc]
            for _ in range(repeats)
        ]
        bare_ms: list[float] = []
        visited = 0
        query = sa.text(BARE_FORWARD)
        params = {"tenant": ctx.tenant_id, "lot": plant.lot_id[(CELL, lot)]}
        with db.connect() as conn:
            conn.execute(query, params).all()
            for _ in range(repeats):
                ms, rows = timed(lambda c=conn, q=query, p=params: c.execute(q, p).all())  # type: ignore[misc]
                bare_ms.append(ms)
                visited = len(rows)
        figures[f"{tag}.visited_nodes"] = visited
        figures[f"{tag}.service_ms"] = statistics.median(service_ms)
        figures[f"{tag}.bare_ms"] = statistics.median(bare_ms)
        figures[f"{tag}.bare_us_per_node"] = statistics.median(bare_ms) * 1000 / visited
        figures[f"{tag}.service_us_per_node"] = statistics.median(service_ms) * 1000 / visited
        figures[f"{tag}.service_vs_bare"] = statistics.median(service_ms) / statistics.median(
            bare_ms
        )
    return figures


# -- ingest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewWork:
    """New queued bikes and packs with purchased parts booked in, and the bind events."""

    events: list[FloorEvent]


def new_work(db: Engine, plant: Plant, tag: str, wanted: int) -> NewWork:
    """Queued units at their first operation (where parts are due), through the services."""
    ctx = plant.ctx
    groups = math.ceil(wanted / EVENTS_PER_GROUP)
    made: dict[str, list[str]] = {}
    for item, line in ((BIKE, "L1"), (PACK, "L2")):
        code = f"WO-{tag}-{item}"
        release_order(db, ctx, code, item, groups, line)
        made[item] = []
        for first in range(0, groups, MAX_UNITS_PER_CALL):
            count = min(MAX_UNITS_PER_CALL, groups - first)
            made[item] += services.work_orders.add_units(db, ctx, code, count=count)
    parts: dict[str, list[str]] = {}
    for item, prefix in ((FRAME, "FR"), (MOTOR, "MO"), (BMS, "BM")):
        parts[item] = [f"{prefix}-{tag}-{n:07d}" for n in range(groups)]
        for first in range(0, groups, MAX_UNITS_PER_CALL):
            chunk = parts[item][first : first + MAX_UNITS_PER_CALL]
            services.lots.receive_serials(db, ctx, item, chunk, supplier=f"{item} supplier")
    events: list[FloorEvent] = []
    for n in range(groups):
        bike, pack = made[BIKE][n], made[PACK][n]
        binds = (
            (bike, ComponentRef(serial=parts[FRAME][n], item=FRAME), "L1-S1"),
            (bike, ComponentRef(serial=parts[MOTOR][n], item=MOTOR), "L1-S1"),
            (bike, ComponentRef(item=SCREW, lot="S-NEW"), "L1-S1"),
            (bike, ComponentRef(item=BOLT, lot="B-NEW"), "L1-S1"),
            (pack, ComponentRef(item=CELL, lot="C-NEW"), "L2-S1"),
            (pack, ComponentRef(serial=parts[BMS][n], item=BMS), "L2-S1"),
            (pack, ComponentRef(item=NICKEL, lot="N-NEW"), "L2-S1"),
        )
        for k, (unit, part, station) in enumerate(binds):
            events.append(FloorEvent(f"{tag}-{n}-{k}", BindPart(unit, part), station=station))
    return NewWork(events[:wanted])


def event_json(event: FloorEvent) -> dict[str, Any]:
    """A bind event as an integrator sends it."""
    command = event.command
    assert isinstance(command, BindPart)
    part = command.component
    component = {"serial": part.serial, "item": part.item, "lot": part.lot}
    return {
        "id": event.event_id,
        "type": EventType.PART_BOUND,
        "unit": command.unit,
        "station": event.station,
        "component": {k: v for k, v in component.items() if v is not None},
    }


def service_ingest(db: Engine, plant: Plant, wanted: int) -> dict[str, float]:
    """part.bound events through services.shop_floor.record, then the same edges raw."""
    figures: dict[str, float] = {}
    for size in SERVICE_BATCHES:
        work = new_work(db, plant, f"S{size}", wanted)
        with db.connect() as conn:
            before = int(conn.execute(sa.select(sa.func.max(schema.bindings.c.id))).scalar() or 0)
        elapsed = 0.0
        for first in range(0, len(work.events), size):
            batch = work.events[first : first + size]
            ctx = Context(plant.ctx.tenant_id, plant.ctx.user_id, datetime.now(UTC))
            ms, outcomes = timed(lambda b=batch, c=ctx: services.shop_floor.record(db, c, b))  # type: ignore[misc]
            elapsed += ms
            refused = [o for o in outcomes if not o.accepted]
            if refused:
                raise BenchError(f"{len(refused)} events refused, first: {refused[0].error}")
        rate = len(work.events) * 1000 / elapsed
        raw_rate = raw_edges(db, before, size)
        figures[f"ingest.service.batch_{size}.events_per_s"] = rate
        figures[f"ingest.raw.batch_{size}.rows_per_s"] = raw_rate
        figures[f"ingest.service.batch_{size}.vs_raw"] = rate / raw_rate
    return figures


def raw_edges(db: Engine, after_id: int, size: int) -> float:
    """Plain executemany of the edges the service just wrote into an indexed copy table."""
    copy = sa.Table(
        "bench_bindings_copy",
        sa.MetaData(),
        *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in schema.bindings.c),
    )
    sa.Index("ix_bench_copy_parent", copy.c.tenant_id, copy.c.parent_kind, copy.c.parent_id)
    sa.Index("ix_bench_copy_child", copy.c.tenant_id, copy.c.child_kind, copy.c.child_id)
    live = sa.text("unbound_at IS NULL AND child_kind = 'unit'")
    sa.Index(
        "uq_bench_copy_live_serial",
        copy.c.tenant_id,
        copy.c.child_kind,
        copy.c.child_id,
        unique=True,
        sqlite_where=live,
        postgresql_where=live,
    )
    columns = [c for c in BINDING_COLUMNS if c != "id"]
    with db.begin() as conn:
        copy.drop(conn, checkfirst=True)
        copy.create(conn)
        rows = conn.exec_driver_sql(
            f"SELECT {', '.join(columns)} FROM bindings WHERE id > {after_id} ORDER BY id"
        ).all()
    raw = db.raw_connection()
    driver = cast(Any, raw.driver_connection)
    sqlite = db.dialect.name == "sqlite"
    marks = ", ".join(("?" if sqlite else "%s") for _ in columns)
    statement = f"INSERT INTO bench_bindings_copy ({', '.join(columns)}) VALUES ({marks})"
    try:
        start = time.perf_counter()
        for first in range(0, len(rows), size):
            batch = [tuple(row) for row in rows[first : first + size]]
            cursor = driver.cursor()
            if sqlite:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.executemany(statement, batch)
                cursor.execute("COMMIT")
            else:
                cursor.executemany(statement, batch)
                driver.commit()
            cursor.close()
        seconds = time.perf_counter() - start
    finally:
        raw.close()
    with db.begin() as conn:
        copy.drop(conn)
    return len(rows) / seconds


# -- over HTTP ------------------------------------------------------------------------------

# The framework's own floor: one FastAPI route on uvicorn, as `tracemes serve` runs it, that
# does nothing. Every HTTP figure is also given as a multiple of its time.
BARE_PATH = "/ping"
BARE_APP = f"""
import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("{BARE_PATH}")
async def ping() -> dict[str, bool]:
    return {{"ok": True}}


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


class Server:
    """`tracemes serve` (or the bare endpoint) in a subprocess on a free loopback port."""

    def __init__(self, url: str, log_path: Path, bare: bool = False) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log_path = log_path
        self.log_file = log_path.open("w")
        if bare:
            arguments = ["-c", BARE_APP, str(self.port)]
            ready = BARE_PATH
        else:
            command = "from tracemes.cli import app; app()"
            arguments = ["-c", command, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
            arguments += ["--database-url", url]
            ready = "/api/v1/openapi.json"
        self.process = subprocess.Popen(
            [sys.executable, *arguments], stdout=self.log_file, stderr=subprocess.STDOUT
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise BenchError(f"server exited early; see {log_path}")
            try:
                if httpx2.get(f"{self.base}{ready}", timeout=2).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise BenchError(f"server did not answer within 60 s; see {log_path}")
            time.sleep(0.2)

    def memory(self) -> dict[str, float]:
        """The server process's VmRSS and VmHWM in MB."""
        return memory_mb(self.process.pid)

    def stop(self) -> None:
        """Stop the server and close its log."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


def http_figures(
    target: Target,
    db: Engine,
    plant: Plant,
    layout: Layout,
    sample: list[str],
    repeats: int,
    wanted: int,
    singles: int,
    workdir: Path,
) -> dict[str, float]:
    """Backward and where-used over HTTP, then batch and single-event ingest."""
    token = services.users.create_token(db, plant.ctx, "bench")
    batch_work = new_work(db, plant, "HB", wanted)
    single_work = new_work(db, plant, "H1", singles)
    figures = _bare_endpoint(workdir, max(len(sample), 300))
    server = Server(target.url, workdir / f"server-{target.kind}.log")
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx2.Client(base_url=server.base, headers=headers, timeout=600) as client:
            figures["server.idle_rss_mb"] = server.memory()["VmRSS"]
            figures.update(_http_traces(client, server, layout, sample, repeats))
            figures.update(_http_ingest(client, batch_work, single_work))
        final = server.memory()
        figures["server.end_rss_mb"] = final["VmRSS"]
        figures["server.peak_rss_mb"] = final["VmHWM"]
    finally:
        server.stop()
    for key in RATIO_TO_BARE:
        quantile = key.rsplit(".", 1)[-1]  # p50_ms or p99_ms
        figures[f"{key}.vs_bare"] = figures[key] / figures[f"bare.http.{quantile}"]
    return figures


RATIO_TO_BARE = (
    "backward.http.p50_ms",
    "backward.http.p99_ms",
    "ingest.http.single.p50_ms",
    "ingest.http.single.p99_ms",
)


def _bare_endpoint(workdir: Path, requests: int) -> dict[str, float]:
    """p50 and p99 of a loopback GET of the bare FastAPI endpoint, measured like the rest."""
    server = Server("", workdir / "server-bare.log", bare=True)
    try:
        with httpx2.Client(base_url=server.base, timeout=60) as client:
            for _ in range(50):
                client.get(BARE_PATH).raise_for_status()
            times = []
            for _ in range(requests):
                ms, response = timed(lambda: client.get(BARE_PATH))
                response.raise_for_status()
                times.append(ms)
    finally:
        server.stop()
    return {
        "bare.http.p50_ms": statistics.median(times),
        "bare.http.p99_ms": percentile(times, 0.99),
    }


def _http_traces(
    client: httpx2.Client, server: Server, layout: Layout, sample: list[str], repeats: int
) -> dict[str, float]:
    for serial in sample[:50]:
        client.get(f"/api/v1/trace/units/{serial}").raise_for_status()
    times = []
    rss = 0.0
    for n, serial in enumerate(sample):
        ms, response = timed(lambda s=serial: client.get(f"/api/v1/trace/units/{s}"))  # type: ignore[misc]
        if response.status_code != 200:
            raise BenchError(f"GET trace of {serial}: {response.status_code} {response.text}")
        times.append(ms)
        if n % 100 == 0:
            rss = max(rss, server.memory()["VmRSS"])
    body = client.get(f"/api/v1/trace/units/{sample[0]}").json()
    if len(body["parts"]) != 7 or len(body["step_runs"]) != 5:
        raise BenchError(f"HTTP trace of {sample[0]} has the wrong shape")
    figures = {
        "backward.http.p50_ms": statistics.median(times),
        "backward.http.p99_ms": percentile(times, 0.99),
        "server.backward_rss_mb": max(rss, server.memory()["VmRSS"]),
    }
    for lot, finished in zip(layout.hot_lot, layout.hot, strict=True):
        path = f"/api/v1/trace/lots/{CELL}/{lot}/where-used"
        first = client.get(path)
        first.raise_for_status()
        if sum(first.json()["finished"].values()) != finished:
            raise BenchError(f"HTTP where-used of {lot} does not reach {finished} finished")
        runs = []
        for _ in range(repeats):
            ms, response = timed(lambda p=path: client.get(p))  # type: ignore[misc]
            response.raise_for_status()
            runs.append(ms)
            rss = max(rss, server.memory()["VmRSS"])
        figures[f"where_used.{finished}.http_ms"] = statistics.median(runs)
        figures[f"where_used.{finished}.http_max_ms"] = max(runs)
        figures[f"where_used.{finished}.response_mb"] = len(first.content) / 1e6
    runs = []
    client.get(lot_scenario.HTTP_PATH).raise_for_status()
    for _ in range(repeats):
        ms, response = timed(lambda: client.get(lot_scenario.HTTP_PATH))
        response.raise_for_status()
        runs.append(ms)
    figures["batch.where_used.http_ms"] = statistics.median(runs)
    figures["server.trace_rss_mb"] = rss
    figures["server.trace_peak_rss_mb"] = server.memory()["VmHWM"]
    return figures


def _http_ingest(
    client: httpx2.Client, batch_work: NewWork, single_work: NewWork
) -> dict[str, float]:
    payloads = [event_json(e) for e in batch_work.events]
    elapsed = 0.0
    for first in range(0, len(payloads), HTTP_BATCH):
        body = {"events": payloads[first : first + HTTP_BATCH]}
        ms, response = timed(lambda b=body: client.post("/api/v1/events/batch", json=b))  # type: ignore[misc]
        elapsed += ms
        response.raise_for_status()
        if response.json()["refused"]:
            refused = [r for r in response.json()["results"] if r["status"] != "accepted"]
            raise BenchError(f"batch refused {len(refused)} events, first: {refused[0]}")
    times = []
    for event in single_work.events:
        payload = event_json(event)
        ms, response = timed(lambda p=payload: client.post("/api/v1/events", json=p))  # type: ignore[misc]
        if response.status_code != 201:
            raise BenchError(f"POST event: {response.status_code} {response.text}")
        times.append(ms)
    return {
        f"ingest.http.batch_{HTTP_BATCH}.events_per_s": len(payloads) * 1000 / elapsed,
        "ingest.http.single.p50_ms": statistics.median(times),
        "ingest.http.single.p99_ms": percentile(times, 0.99),
    }


# -- one database, start to end ---------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What to run, from the command line."""

    scale: float
    finished: int
    traces: int
    repeats: int
    ingest_events: int
    single_events: int
    workdir: Path
    keep: bool
    load_only: bool
    postgres_url: str


def run(kind: str, settings: Settings) -> dict[str, float]:
    """Build one database and measure everything on it."""
    rng = random.Random(SEED)
    if kind == "sqlite":
        target = sqlite_target(settings.workdir, settings.keep)
    else:
        target = postgres_target(settings.postgres_url, settings.keep)
    db = target.open()
    figures: dict[str, float] = {}
    try:
        log(f"{kind}: migrating an empty database and creating master data through services")
        migrate(db)
        plant = make_master_data(db)
        layout = Layout.plan(settings.finished, rng)
        used = layout.lots()
        for (item, lot), quantity in sorted(used.items()):
            receive_lot(db, plant, item, lot, quantity + spare_of(quantity))
        for item, lot in NEW_LOTS:
            receive_lot(db, plant, item, lot, 100_000_000)
        plant.pack_order_id = release_order(db, plant.ctx, "WO-PACK", PACK, layout.finished, "L2")
        plant.bike_order_id = release_order(db, plant.ctx, "WO-BIKE", BIKE, layout.finished, "L1")
        log(f"{kind}: loading {layout.finished:,} finished bikes raw")
        figures.update(load_factory(db, target, plant, layout, rng))
        settle_lots(db, plant, used)
        count_finished(db, plant, layout.finished)
        lots = lot_scenario.lots_for(settings.scale)
        log(f"{kind}: loading {lots:,} production lots raw (batch scenario)")
        blades = lot_scenario.make_master_data(
            db, plant.ctx, lots, plant.station_id["L1-S1"], plant.operator_ids[0]
        )
        loader = Loader(db, target.kind)
        try:
            figures.update(lot_scenario.load(db, loader, blades, lots, rng, log))
        finally:
            loader.finish(("lots", "batch_lots", "batch_steps", "bindings"))
        if kind == "postgres":
            with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(
                    "VACUUM ANALYZE units, bindings, step_runs, lots, batch_lots, batch_steps"
                )
        if settings.load_only:
            log(f"{kind}: loaded and kept: {target.url}")
            return figures
        sample = [f"EB{rng.randrange(layout.finished):08d}" for _ in range(settings.traces)]
        # In-process figures run with the collector set as `tracemes serve` sets it; the
        # benchmark's own millions of layout objects are frozen like a server's start-up.
        tune_collector()
        log(f"{kind}: tracing in the service layer")
        figures.update(service_traces(db, plant, layout, sample, settings.repeats))
        figures.update(lot_scenario.measure(db, plant.ctx, lots, settings.repeats))
        log(f"{kind}: ingesting through services.shop_floor.record")
        figures.update(service_ingest(db, plant, settings.ingest_events))
        log(f"{kind}: over HTTP")
        figures.update(
            http_figures(
                target,
                db,
                plant,
                layout,
                sample,
                settings.repeats,
                settings.ingest_events,
                settings.single_events,
                settings.workdir,
            )
        )
        if kind == "sqlite":
            path = Path(sa.engine.make_url(target.url).database or "")
            figures["database.mb"] = (
                sum(
                    Path(f"{path}{s}").stat().st_size
                    for s in ("", "-wal")
                    if Path(f"{path}{s}").exists()
                )
                / 1e6
            )
        else:
            with db.connect() as conn:
                size = conn.exec_driver_sql(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                ).scalar()
            figures["database.mb"] = int(size or 0) / 1e6
    finally:
        db.dispose()
        target.cleanup()
    return figures


# -- report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure, its unit, and the target it is held to."""

    key: str
    label: str
    unit: str
    target: float | None = None
    higher_is_better: bool = False


def rows_for(hot: tuple[int, int]) -> list[Row]:
    """The table rows, with the where-used rows named by the lot sizes actually loaded."""
    small, large = hot
    return [
        Row("load.bindings", "edges loaded (raw)", "edges"),
        Row("load.rows_per_s", "raw load rate (units+edges+runs)", "rows/s"),
        Row("database.mb", "database size", "MB"),
        Row("backward.service.p50_ms", "backward trace, service p50", "ms"),
        Row("backward.service.p99_ms", "backward trace, service p99", "ms", 1.0),
        Row("bare.http.p50_ms", "bare FastAPI endpoint, HTTP p50", "ms"),
        Row("bare.http.p99_ms", "bare FastAPI endpoint, HTTP p99", "ms"),
        Row("backward.http.p50_ms", "backward trace, HTTP p50", "ms"),
        Row("backward.http.p50_ms.vs_bare", "  / bare endpoint p50", "x", 2.5),
        Row("backward.http.p99_ms", "backward trace, HTTP p99", "ms", 10.0),
        Row("backward.http.p99_ms.vs_bare", "  / bare endpoint p99", "x", 5.0),
        Row(f"where_used.{small}.visited_nodes", f"where-used {small:,} finished: nodes", "nodes"),
        Row(f"where_used.{small}.bare_ms", "  bare recursive query", "ms"),
        Row(f"where_used.{small}.bare_us_per_node", "  bare query per node", "us"),
        Row(f"where_used.{small}.service_ms", "  service", "ms"),
        Row(f"where_used.{small}.service_vs_bare", "  service / bare", "x"),
        Row(
            f"where_used.{small}.http_ms",
            "  HTTP (median)",
            "ms",
            150.0 if small == HOT_LOTS[0] else None,
        ),
        Row(f"where_used.{small}.response_mb", "  HTTP response size", "MB"),
        Row(f"where_used.{large}.visited_nodes", f"where-used {large:,} finished: nodes", "nodes"),
        Row(f"where_used.{large}.bare_ms", "  bare recursive query", "ms"),
        Row(f"where_used.{large}.bare_us_per_node", "  bare query per node", "us"),
        Row(f"where_used.{large}.service_ms", "  service", "ms"),
        Row(f"where_used.{large}.service_vs_bare", "  service / bare", "x"),
        Row(
            f"where_used.{large}.http_ms",
            "  HTTP (median)",
            "ms",
            600.0 if large == HOT_LOTS[1] else None,
        ),
        Row(f"where_used.{large}.response_mb", "  HTTP response size", "MB"),
        Row("batch.lots_with_splits", "batch: production lots (with splits)", "lots"),
        Row("batch.edges", "  lot edges (material, split)", "edges"),
        Row("batch.where_used.lots_reached", "  where-used of the hot coil: lots", "lots"),
        Row("batch.where_used.service_ms", "  service (median)", "ms"),
        Row("batch.where_used.http_ms", "  HTTP (median)", "ms", 250.0),
        Row(
            "ingest.service.batch_1000.events_per_s",
            "ingest, service, 1,000/batch",
            "ev/s",
            20_000,
            True,
        ),
        Row("ingest.raw.batch_1000.rows_per_s", "  raw executemany, same edges", "rows/s"),
        Row("ingest.service.batch_1000.vs_raw", "  service / raw", "x"),
        Row(
            "ingest.service.batch_10000.events_per_s",
            "ingest, service, 10,000/batch",
            "ev/s",
            20_000,
            True,
        ),
        Row("ingest.raw.batch_10000.rows_per_s", "  raw executemany, same edges", "rows/s"),
        Row("ingest.service.batch_10000.vs_raw", "  service / raw", "x"),
        Row(f"ingest.http.batch_{HTTP_BATCH}.events_per_s", "ingest, HTTP batch of 1,000", "ev/s"),
        Row("ingest.http.single.p50_ms", "ingest, one event per request p50", "ms", 3.0),
        Row("ingest.http.single.p50_ms.vs_bare", "  / bare endpoint p50", "x", 2.5),
        Row("ingest.http.single.p99_ms", "ingest, one event per request p99", "ms", 15.0),
        Row("ingest.http.single.p99_ms.vs_bare", "  / bare endpoint p99", "x", 5.0),
        Row("server.idle_rss_mb", "server RSS idle", "MB"),
        Row("server.backward_rss_mb", "server RSS serving backward traces", "MB"),
        Row("server.trace_peak_rss_mb", "server peak RSS after where-used", "MB", 300.0),
        Row("server.peak_rss_mb", "server peak RSS at the end", "MB", 300.0),
    ]


def verdict(row: Row, value: float | None) -> str:
    """PASS/FAIL against the row's target, blank when it has none."""
    if row.target is None or value is None:
        return ""
    met = value >= row.target if row.higher_is_better else value < row.target
    return "PASS" if met else "FAIL"


def show(value: float | None) -> str:
    """A figure with sensible precision."""
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def report(results: dict[str, dict[str, float]], hot: tuple[int, int]) -> str:
    """The figures as a text table, one column per database, Postgres/SQLite when both."""
    kinds = list(results)
    both = len(kinds) == 2
    header = ["figure", "unit", *kinds]
    if both:
        header.append("pg/sqlite")
    header += ["target", *kinds]
    lines = [header]
    for row in rows_for(hot):
        values = [results[k].get(row.key) for k in kinds]
        if all(v is None for v in values):
            continue
        cells = [row.label, row.unit, *(show(v) for v in values)]
        if both:
            sqlite_value, postgres_value = values
            cells.append(
                f"{postgres_value / sqlite_value:.2f}"
                if sqlite_value and postgres_value is not None
                else ""
            )
        if row.target is None:
            cells.append("")
        else:
            cells.append(f"{'>=' if row.higher_is_better else '<'} {show(row.target)}")
        cells += [verdict(row, v) for v in values]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = []
    for n, line in enumerate(lines):
        text.append(
            "  ".join(
                cell.ljust(width) if i < 2 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            text.append("  ".join("-" * width for width in widths))
    if both:
        text.append("")
        text.append(postgres_verdicts(results))
    return "\n".join(text)


RATIO_KEYS = (
    "backward.service.p99_ms",
    "backward.http.p99_ms",
    "ingest.http.single.p50_ms",
    "ingest.http.single.p99_ms",
)


def postgres_verdicts(results: dict[str, dict[str, float]]) -> str:
    """Whether PostgreSQL stays within 2x of SQLite on latencies and ingest rates."""
    sqlite, postgres = results["sqlite"], results["postgres"]
    parts = []
    for key in sorted(sqlite):
        if key not in postgres or not sqlite[key]:
            continue
        if key in RATIO_KEYS or key.endswith("http_ms") or key.endswith("service_ms"):
            ratio = postgres[key] / sqlite[key]
        elif key.endswith("events_per_s"):
            ratio = sqlite[key] / postgres[key]
        else:
            continue
        parts.append(f"  {key}: {ratio:.2f}x {'PASS' if ratio <= 2 else 'FAIL'}")
    return "PostgreSQL within 2x of SQLite (slowdown factor):\n" + "\n".join(parts)


# -- command line ---------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Settings]:
    """Options and the settings they make."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--scale",
        type=float,
        default=0.001,
        help="1 = 1,000,000 finished bikes (10M edges); default 0.001",
    )
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--traces", type=int, default=1_000, help="backward traces per layer")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each where-used")
    parser.add_argument("--ingest-events", type=int, help="events per ingest run")
    parser.add_argument("--single-events", type=int, default=1_000, help="one-event requests")
    parser.add_argument("--workdir", type=Path, help="where the SQLite file and logs go")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="build and keep the loaded database, measure nothing (to study query plans)",
    )
    args = parser.parse_args(argv)
    finished = round(FULL_SCALE_UNITS * args.scale)
    if finished < 100:
        parser.error("--scale must give at least 100 finished bikes (0.0001)")
    ingest = args.ingest_events or (10_000 if args.scale < 0.01 else 50_000)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tracemes-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        scale=args.scale,
        finished=finished,
        traces=args.traces,
        repeats=args.repeats,
        ingest_events=ingest,
        single_events=args.single_events,
        workdir=workdir,
        keep=args.keep or args.load_only,
        load_only=args.load_only,
        postgres_url=os.environ.get("TRACEMES_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
    )
    return args, settings


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print the table, write the JSON; 1 on an internal error, 0 otherwise."""
    args, settings = parse(argv)
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results: dict[str, dict[str, float]] = {}
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        log(f"warning: load average {load_before:.2f} before the run; figures will be noisy")
    try:
        for kind in kinds:
            results[kind] = run(kind, settings)
    except Exception:
        traceback.print_exc()
        log(f"internal error; logs are in {settings.workdir}")
        return 1
    hot = (min(HOT_LOTS[0], settings.finished // 10), min(HOT_LOTS[1], settings.finished // 2))
    load_after = os.getloadavg()[0]
    print(
        f"TraceMES trace benchmark: scale {settings.scale:g} = {settings.finished:,} finished "
        f"bikes x 10 edges; commit {commit()}; {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite_version()}; load average "
        f"{load_before:.2f} before, {load_after:.2f} after (the benchmark itself adds about 1-2)"
    )
    print(
        "Master data through services on a migrated schema; finished units, edges and step "
        "runs loaded raw (SQLite executemany, PostgreSQL COPY); everything timed below goes "
        "through the services or the HTTP API."
    )
    print(
        f"Ingest: {settings.ingest_events:,} validated part.bound events per run; "
        f"{settings.traces:,} backward traces; where-used median of {settings.repeats} runs."
    )
    print()
    print(report(results, hot))
    print()
    print(
        "Reference: the nearest open-source Python MES binds ~620 key parts/s through its "
        "service layer and ~330/s through REST."
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "scale": settings.scale,
                    "finished_units": settings.finished,
                    "hot_lots": hot,
                    "ingest_events": settings.ingest_events,
                    "commit": commit(),
                    "load_average": {"before": load_before, "after": load_after},
                    "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                    "results": results,
                },
                indent=2,
            )
        )
    return 0


def commit() -> str:
    """The checked-out commit of the code under test (read-only git)."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def sqlite_version() -> str:
    """The SQLite library Python links."""
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    sys.exit(main())
