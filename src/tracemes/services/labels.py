"""What goes on unit labels: serial, item, GTIN for the Digital Link, and the day made."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from tracemes import store
from tracemes.domain.errors import NotFoundError
from tracemes.services.context import Context


@dataclass(frozen=True, slots=True)
class LabelData:
    """One unit's label."""

    serial: str
    item_code: str
    item_name: str
    gtin: str | None
    made_on: date


def of_work_order(db: Engine, ctx: Context, code: str) -> list[LabelData]:
    """Labels for every live unit of a work order (scrapped ones are left out), in serial
    order, for printing a batch before the order starts."""
    with store.db.reading(db) as conn:
        order = store.work_orders.get(conn, ctx.tenant_id, code)
        if order is None:
            raise NotFoundError("work order", code)
        item = store.items.get(conn, ctx.tenant_id, order.item_code)
        units = store.units.list_for_work_order(conn, ctx.tenant_id, code)
    assert item is not None  # an order's item is never deleted
    return [
        LabelData(unit.serial, item.code, item.name, item.gtin, unit.created_at.date())
        for unit in sorted(units, key=lambda u: u.serial)
        if unit.status.value != "scrapped"
    ]


def of_serial(db: Engine, ctx: Context, serial: str) -> LabelData:
    """The label of one unit made here."""
    with store.db.reading(db) as conn:
        found = store.units.label_facts(conn, ctx.tenant_id, serial)
    if found is None:
        raise NotFoundError("unit", serial)
    return LabelData(*found)


def serial_of_gtin(db: Engine, ctx: Context, gtin: str, serial: str) -> str:
    """The serial a GS1 Digital Link names, checked to be a unit of that GTIN's item."""
    with store.db.reading(db) as conn:
        items = store.items.by_gtin(conn, ctx.tenant_id, [gtin])
        found = store.units.label_facts(conn, ctx.tenant_id, serial)
    if gtin not in items or found is None or found[1] != items[gtin]:
        raise NotFoundError("unit", f"(01){gtin}(21){serial}")
    return serial
