"""The production-lot scenario of the trace benchmark: saw-blade lots made from steel coils.

At --scale 1: 100,000 production lots of 500 blades, each consuming one lot of each of five
materials (steel coil, grinding wheel, coating powder, oil, boxes), a fifth of them split at
cutting into a child lot. One coil ("K-HOT") feeds 1,000 lots; the others feed 100 each.
Master data, the coils' receipts and the work order go through the services; the lots,
their tallies and edges are loaded raw like the bikes. Forward trace from the hot coil must
answer in < 250 ms on SQLite (issue 4).
"""

import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.domain.boms import BomLine
from tracemes.domain.routings import Operation
from tracemes.services.context import Context
from tracemes.store import schema

FULL_SCALE_LOTS = 100_000
HOT_COIL_LOTS = 1_000
LOTS_PER_MATERIAL_LOT = 100
SPLIT_SHARE = 0.2
LOT_SIZE = 500
BLADE = "BLADE-250"
MATERIALS = ("COIL-65MN", "WHEEL-CBN", "POWDER-TIN", "OIL-CUT", "BOX-10")
HOT_COIL = "K-HOT"
OPERATIONS = (("CUT", 10), ("GRIND", 20), ("COAT", 30))
CHUNK = 20_000


class Loader(Protocol):
    """The raw loader of the trace benchmark."""

    def stamp(self, moment: Any) -> str: ...
    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None: ...


@dataclass(frozen=True)
class BatchPlant:
    """Ids the raw loader needs."""

    ctx: Context
    item_id: dict[str, int]
    order_id: int
    station_id: int
    operator_id: int


def lots_for(scale: float) -> int:
    """Production lots at this scale (at least 20, so the smoke run has a hot coil)."""
    return max(20, round(FULL_SCALE_LOTS * scale))


def hot_lots(lots: int) -> int:
    """Production lots fed by the hot coil."""
    return min(HOT_COIL_LOTS, lots // 10)


def make_master_data(
    db: Engine, ctx: Context, lots: int, station_id: int, operator_id: int
) -> BatchPlant:
    """Items, BOM, routing and a released order through the services."""
    for code in MATERIALS:
        services.items.create(db, ctx, code, f"Material {code}", "kg", "lot")
    services.items.create(
        db, ctx, BLADE, "Saw blade 250 mm", "pcs", "lot", serial_pattern="BL{seq:7}"
    )
    services.boms.replace(
        db, ctx, BLADE, [BomLine(code, Decimal("0.1"), False, "CUT") for code in MATERIALS]
    )
    services.routings.replace(
        db,
        ctx,
        BLADE,
        [Operation(seq, code, code.title(), Decimal(30), "L1") for code, seq in OPERATIONS],
    )
    services.work_orders.create(db, ctx, BLADE, lots * LOT_SIZE, "L1", code="WO-BLADES")
    services.work_orders.release(db, ctx, "WO-BLADES")
    with db.connect() as conn:
        item_id = {
            str(code): int(found)
            for code, found in conn.execute(sa.select(schema.items.c.code, schema.items.c.id))
        }
        order_id = conn.execute(
            sa.select(schema.work_orders.c.id).where(schema.work_orders.c.code == "WO-BLADES")
        ).scalar_one()
    return BatchPlant(ctx, item_id, int(order_id), station_id, operator_id)


def _next_id(db: Engine, table: sa.Table) -> int:
    with db.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1


def load(
    db: Engine,
    loader: Loader,
    plant: BatchPlant,
    lots: int,
    rng: random.Random,
    log: Callable[[str], None],
) -> dict[str, float]:
    """Material lots, production lots (some split), their tallies and edges, raw."""
    tenant = plant.ctx.tenant_id
    lot_id, batch_id = _next_id(db, schema.lots), _next_id(db, schema.batch_lots)
    step_id, edge_id = _next_id(db, schema.batch_steps), _next_id(db, schema.bindings)
    hot = hot_lots(lots)
    at = loader.stamp(plant.ctx.now)
    material_lots: dict[tuple[str, int], int] = {}
    rows: list[tuple[Any, ...]] = []
    for code in MATERIALS:
        for n in range(lots // LOTS_PER_MATERIAL_LOT + 2):
            number = HOT_COIL if (code, n) == (MATERIALS[0], 0) else f"M-{n:05d}"
            material_lots[(code, n)] = lot_id
            rows.append(
                (lot_id, tenant, plant.item_id[code], number, "1000", "500", "Supplier", at)
            )
            lot_id += 1
    loader.insert("lots", LOT_COLUMNS, rows)
    order = list(range(lots))
    rng.shuffle(order)  # the hot coil's lots are spread over the whole table
    coil_of = dict.fromkeys(order[:hot], 0)
    counts = {"lots": len(rows), "batch_steps": 0, "bindings": 0}
    start = time.perf_counter()
    for first in range(0, lots, CHUNK):
        made: list[tuple[Any, ...]] = []
        batches: list[tuple[Any, ...]] = []
        steps: list[tuple[Any, ...]] = []
        edges: list[tuple[Any, ...]] = []
        for n in range(first, min(lots, first + CHUNK)):
            split = rng.random() < SPLIT_SHARE
            family = [(f"BL{n:07d}", LOT_SIZE - 100 if split else LOT_SIZE)]
            if split:
                family.append((f"BL{n:07d}-1", 100))
            own = lot_id
            for k, (number, started) in enumerate(family):
                finished = started - started // 100
                made.append(
                    (lot_id, tenant, plant.item_id[BLADE], number, str(started), str(finished))
                )
                made[-1] += (None, at)
                batches.append((batch_id, tenant, lot_id, plant.order_id, str(started), at))
                for code, seq in OPERATIONS:
                    received = started if code == "CUT" else finished
                    scrap = started - finished if code == "CUT" else 0
                    steps.append((step_id, tenant, batch_id, code, seq, str(received)))
                    steps[-1] += (str(received - scrap), str(scrap), "0", "0")
                    steps[-1] += (str(received - scrap), "{}")
                    step_id += 1
                if k == 1:  # the child lot came out of its parent at cutting
                    edges.append((edge_id, tenant, "lot", lot_id, "lot", own))
                    edges[-1] += (plant.item_id[BLADE], "100", "CUT", plant.station_id)
                    edges[-1] += (plant.operator_id, at)
                    edge_id += 1
                batch_id += 1
                lot_id += 1
            for m, code in enumerate(MATERIALS):
                source = (
                    coil_of.get(n, 1 + n // LOTS_PER_MATERIAL_LOT)
                    if m == 0
                    else (n // LOTS_PER_MATERIAL_LOT)
                )
                edges.append((edge_id, tenant, "lot", own, "lot", material_lots[(code, source)]))
                edges[-1] += (plant.item_id[code], "50", "CUT", plant.station_id)
                edges[-1] += (plant.operator_id, at)
                edge_id += 1
        loader.insert("lots", LOT_COLUMNS, made)
        loader.insert("batch_lots", BATCH_COLUMNS, batches)
        loader.insert("batch_steps", STEP_COLUMNS, steps)
        loader.insert("bindings", EDGE_COLUMNS, edges)
        counts["lots"] += len(made)
        counts["batch_steps"] += len(steps)
        counts["bindings"] += len(edges)
    seconds = time.perf_counter() - start
    log(f"  loaded {lots:,} production lots, {counts['bindings']:,} edges in {seconds:.0f} s")
    return {
        "batch.lots": lots,
        "batch.lots_with_splits": counts["lots"] - len(rows),
        "batch.edges": counts["bindings"],
        "batch.hot_lots": hot,
    }


LOT_COLUMNS = (
    "id",
    "tenant_id",
    "item_id",
    "lot",
    "quantity",
    "remaining",
    "supplier",
    "received_at",
)
BATCH_COLUMNS = ("id", "tenant_id", "lot_id", "work_order_id", "started", "created_at")
STEP_COLUMNS = (
    "id",
    "tenant_id",
    "batch_id",
    "operation_code",
    "seq",
    "received",
    "good",
    "scrap",
    "rework",
    "moved",
    "sent",
    "defects",
)
EDGE_COLUMNS = (
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
TABLES = ("lots", "batch_lots", "batch_steps")  # whose id sequences the loader moves on


def measure(db: Engine, ctx: Context, lots: int, repeats: int) -> dict[str, float]:
    """Forward trace of the hot coil through the services: every production lot and split
    lot it reached, median of `repeats` runs."""
    hot = hot_lots(lots)
    found = services.trace.where_used_lot(db, ctx, MATERIALS[0], HOT_COIL)
    direct = sum(1 for lot in found.lots if lot.depth == 1)
    if direct != hot:
        raise RuntimeError(f"the hot coil reaches {direct} production lots, not {hot}")
    times = []
    for _ in range(repeats):
        begun = time.perf_counter()
        services.trace.where_used_lot(db, ctx, MATERIALS[0], HOT_COIL)
        times.append((time.perf_counter() - begun) * 1000)
    return {
        "batch.where_used.lots_reached": len(found.lots),
        "batch.where_used.service_ms": statistics.median(times),
    }


HTTP_PATH = f"/api/v1/trace/lots/{MATERIALS[0]}/{HOT_COIL}/where-used"
