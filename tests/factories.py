"""Test data made through the real services, with readable defaults."""

import itertools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes import domain, services
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.items import Item
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.work_orders import WorkOrder
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent, Outcome

_numbers = itertools.count(1)


@contextmanager
def statements_run(db: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement the block sends to the database, with its parameters (the first
    row's, for an executemany)."""
    seen: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, params: Any, _ctx: Any, many: bool) -> None:
        seen.append((statement, params[0] if many and params else params))

    with _listening(db, "before_cursor_execute", record):
        yield seen


@contextmanager
def transactions_begun(db: Engine) -> Iterator[list[object]]:
    """The connection of every transaction the block begins."""
    begun: list[object] = []

    def record(conn: object) -> None:
        begun.append(conn)

    with _listening(db, "begin", record):
        yield begun


@contextmanager
def _listening(db: Engine, name: str, listener: Callable[..., None]) -> Iterator[None]:
    sa.event.listen(db, name, listener)
    try:
        yield
    finally:
        sa.event.remove(db, name, listener)


def token_for(db: Engine, ctx: Context, role: str) -> str:
    """An API token of a new user with this role."""
    name = f"{role}-{next(_numbers)}"
    services.users.create(db, ctx, name, role)
    return services.users.create_token(db, ctx, name)


def make_item(
    db: Engine,
    ctx: Context,
    code: str | None = None,
    tracking: str = "serial",
    uom: str = "pcs",
    gtin: str | None = None,
    serial_pattern: str | None = None,
) -> Item:
    """A stored item: ITEM-1, ITEM-2, ..."""
    return services.items.create(
        db,
        ctx,
        code=code or f"ITEM-{next(_numbers)}",
        name="Test item",
        uom=uom,
        tracking=tracking,
        gtin=gtin,
        serial_pattern=serial_pattern,
    )


def make_line(db: Engine, ctx: Context, code: str = "L1") -> str:
    """A line with two stations, L1-S1 and L1-S2."""
    services.lines.create(db, ctx, code, f"Line {code}")
    for n in (1, 2):
        services.lines.create_station(db, ctx, f"{code}-S{n}", f"Station {n}", code)
    return code


def make_bike(db: Engine, ctx: Context, code: str = "BIKE") -> str:
    """A serialised bike with a BOM (key frame and motor, lot screws) and a 2-step routing."""
    make_item(
        db, ctx, code, "serial", serial_pattern="BK{yy}{MM}{dd}{seq:4}", gtin="06901234567892"
    )
    make_item(db, ctx, f"{code}-FRAME", "serial")
    make_item(db, ctx, f"{code}-MOTOR", "serial")
    make_item(db, ctx, f"{code}-SCREW", "lot", uom="pcs")
    services.boms.replace(
        db,
        ctx,
        code,
        [
            domain.boms.BomLine(f"{code}-FRAME", Decimal(1), True, "OP10"),
            domain.boms.BomLine(f"{code}-MOTOR", Decimal(1), True, "OP20"),
            domain.boms.BomLine(f"{code}-SCREW", Decimal(8), False),
        ],
    )
    line = "L1"
    if not services.lines.list_all(db, ctx):
        make_line(db, ctx, line)
    services.routings.replace(
        db,
        ctx,
        code,
        [
            domain.routings.Operation(10, "OP10", "Frame", Decimal(60), line, "L1-S1"),
            domain.routings.Operation(20, "OP20", "Motor", Decimal(90), line, "L1-S2"),
        ],
    )
    return code


def make_work_order(
    db: Engine, ctx: Context, quantity: int = 10, item_code: str | None = None
) -> WorkOrder:
    """A planned work order for a bike: WO-1, WO-2, ..."""
    item = item_code or make_bike(db, ctx, f"BIKE{next(_numbers)}")
    return services.work_orders.create(db, ctx, item, quantity, "L1", code=f"WO-{next(_numbers)}")


def make_released_order(db: Engine, ctx: Context, quantity: int = 10) -> WorkOrder:
    """A work order released to the floor."""
    order = make_work_order(db, ctx, quantity)
    return services.work_orders.release(db, ctx, order.code)


@dataclass(frozen=True)
class Plant:
    """A small e-bike plant with work on the floor: packs from cell lots, bikes from packs."""

    bikes: list[str]  # queued bike units of WO-BIKE, due at OP10
    packs: list[str]  # queued pack units of WO-PACK, due at P10
    bike_order: str = "WO-BIKE"
    pack_order: str = "WO-PACK"


def make_plant(db: Engine, ctx: Context, bikes: int = 4, packs: int = 4) -> Plant:
    """Items, BOMs, routings, lots and released orders for the traceability tests.

    BIKE: FRAME (key, OP10), MOTOR + 4 SCREW (key, OP20), PACK (key, OP30), GREASE (not key).
    PACK: 4 CELL (key, lot-tracked, P10). Routing OP10 -> OP20 -> OP30; a fail at OP30 goes
    back to OP20. Lots: CELL C-1 (100), CELL C-2 (100), SCREW S-1 (1000).
    """
    make_item(db, ctx, "BIKE", serial_pattern="BK{seq:4}", gtin="06901234567892")
    make_item(db, ctx, "PACK", serial_pattern="PK{seq:4}")
    make_item(db, ctx, "FRAME", serial_pattern="FR-{seq:5}")
    make_item(db, ctx, "MOTOR", gtin="06901234567809")
    make_item(db, ctx, "CELL", "lot", gtin="06901234567816")
    make_item(db, ctx, "SCREW", "lot")
    make_item(db, ctx, "GREASE", "none", uom="g")
    make_line(db, ctx, "L1")
    key = Decimal(1)
    services.boms.replace(db, ctx, "PACK", [domain.boms.BomLine("CELL", Decimal(4), True, "P10")])
    services.boms.replace(
        db,
        ctx,
        "BIKE",
        [
            domain.boms.BomLine("FRAME", key, True, "OP10"),
            domain.boms.BomLine("MOTOR", key, True, "OP20"),
            domain.boms.BomLine("SCREW", Decimal(4), True, "OP20"),
            domain.boms.BomLine("PACK", key, True, "OP30"),
            domain.boms.BomLine("GREASE", Decimal(5), False),
        ],
    )
    op = domain.routings.Operation
    services.routings.replace(db, ctx, "PACK", [op(10, "P10", "Cells", Decimal(60), "L1")])
    services.routings.replace(
        db,
        ctx,
        "BIKE",
        [
            op(10, "OP10", "Frame", Decimal(60), "L1", "L1-S1"),
            op(20, "OP20", "Motor", Decimal(90), "L1", "L1-S2"),
            op(30, "OP30", "Pack and test", Decimal(120), "L1", rework_operation="OP20"),
        ],
    )
    for item, lot, quantity in (("CELL", "C-1", 100), ("CELL", "C-2", 100), ("SCREW", "S-1", 1000)):
        services.lots.receive(db, ctx, item, lot, quantity, supplier=f"{item} supplier")
    made: dict[str, list[str]] = {}
    for item, code, count in (("PACK", "WO-PACK", packs), ("BIKE", "WO-BIKE", bikes)):
        services.work_orders.create(db, ctx, item, count, "L1", code=code)
        services.work_orders.release(db, ctx, code)
        made[item] = services.work_orders.add_units(db, ctx, code, count=count)
    return Plant(bikes=made["BIKE"], packs=made["PACK"])


@dataclass(frozen=True)
class BladePlant:
    """A saw-blade works: blades made in lots from steel coils, saws that take one blade."""

    blade_order: str = "WO-BLADE"
    saw_order: str = "WO-SAW"
    saws: tuple[str, ...] = ()


def make_blade_plant(db: Engine, ctx: Context, blades: int = 1000, saws: int = 3) -> BladePlant:
    """Items, BOMs, routings, coils and released orders for batch-flow tests.

    BLADE (lot-tracked, numbered BL0001...): 0.2 kg STEEL per blade, at CUT. Routing CUT ->
    GRIND (rework back to CUT) -> COAT. SAW (serial): one BLADE, key part at S10. Coils:
    STEEL K-1 and K-2, 500 kg each. WO-BLADE (blades) and WO-SAW (saws, with units) released.
    """
    make_item(db, ctx, "STEEL", "lot", uom="kg")
    make_item(db, ctx, "BLADE", "lot", serial_pattern="BL{seq:4}")
    make_item(db, ctx, "SAW", serial_pattern="SW{seq:3}")
    if not services.lines.list_all(db, ctx):
        make_line(db, ctx, "L1")
    op = domain.routings.Operation
    services.boms.replace(
        db, ctx, "BLADE", [domain.boms.BomLine("STEEL", Decimal("0.2"), False, "CUT")]
    )
    services.routings.replace(
        db,
        ctx,
        "BLADE",
        [
            op(10, "CUT", "Cutting", Decimal(30), "L1", "L1-S1"),
            op(20, "GRIND", "Grinding", Decimal(40), "L1", rework_operation="CUT"),
            op(30, "COAT", "Coating", Decimal(20), "L1"),
        ],
    )
    services.boms.replace(db, ctx, "SAW", [domain.boms.BomLine("BLADE", Decimal(1), True, "S10")])
    services.routings.replace(db, ctx, "SAW", [op(10, "S10", "Assembly", Decimal(300), "L1")])
    for coil in ("K-1", "K-2"):
        services.lots.receive(db, ctx, "STEEL", coil, 500, supplier="Baosteel")
    services.work_orders.create(db, ctx, "BLADE", blades, "L1", code="WO-BLADE")
    services.work_orders.release(db, ctx, "WO-BLADE")
    services.work_orders.create(db, ctx, "SAW", saws, "L1", code="WO-SAW")
    services.work_orders.release(db, ctx, "WO-SAW")
    made = services.work_orders.add_units(db, ctx, "WO-SAW", count=saws)
    return BladePlant(saws=tuple(made))


def send(db: Engine, ctx: Context, *commands: Command, station: str | None = None) -> list[Outcome]:
    """Record shop-floor events, each with a fresh id."""
    events = [FloorEvent(uuid.uuid4().hex, command, station=station) for command in commands]
    return services.shop_floor.record(db, ctx, events)


def accept(db: Engine, ctx: Context, *commands: Command) -> None:
    """Record events that must all be accepted."""
    for outcome in send(db, ctx, *commands):
        assert outcome.error is None, f"{outcome.error.code}: {outcome.error}"


def build_pack(db: Engine, ctx: Context, serial: str, lot: str = "C-1") -> None:
    """Run a pack through its one operation with 4 cells of a lot."""
    accept(
        db,
        ctx,
        StartStep(serial, "P10"),
        BindPart(serial, ComponentRef(item="CELL", lot=lot)),
        CompleteStep(serial, "P10", True),
    )


def build_bike_to_op30(db: Engine, ctx: Context, serial: str, n: int) -> None:
    """Run a bike through OP10 and OP20 with new frame and motor serials: it waits at OP30."""
    accept(
        db,
        ctx,
        StartStep(serial, "OP10"),
        BindPart(serial, ComponentRef(serial=f"F-{n}", item="FRAME")),
        CompleteStep(serial, "OP10", True),
        StartStep(serial, "OP20"),
        BindPart(serial, ComponentRef(serial=f"M-{n}", item="MOTOR")),
        BindPart(serial, ComponentRef(item="SCREW", lot="S-1")),
        CompleteStep(serial, "OP20", True),
    )


def build_bike(db: Engine, ctx: Context, serial: str, pack: str, n: int) -> None:
    """Run a bike through all three operations with new frame and motor serials and a pack."""
    build_bike_to_op30(db, ctx, serial, n)
    accept(
        db,
        ctx,
        StartStep(serial, "OP30"),
        BindPart(serial, ComponentRef(serial=pack)),
        CompleteStep(serial, "OP30", True),
    )
