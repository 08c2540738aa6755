"""Test data made through the real services, with readable defaults."""

import itertools
from decimal import Decimal

from sqlalchemy.engine import Engine

from tracemes import domain, services
from tracemes.domain.items import Item
from tracemes.domain.work_orders import WorkOrder
from tracemes.services.context import Context

_numbers = itertools.count(1)


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
