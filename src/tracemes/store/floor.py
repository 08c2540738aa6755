"""Loading the part of the floor a batch of events touches, and writing back what changed.

Every read is one query for the whole batch (chunked IN lists), and every write one
executemany, so a batch of thousands of events costs a handful of round trips. Rows a
batch will change are locked (FOR UPDATE) on PostgreSQL; SQLite serialises writers anyway.
Each statement locks its rows in id order, so two batches that lock the same rows queue
instead of deadlocking (issue #12). Pages that only show the floor read the same rows
without locks (`lock=False`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.floor import LotState, UnitState, WorkOrderState
from tracemes.domain.units import BY_VALUE
from tracemes.domain.work_orders import Status
from tracemes.store.chunks import TENANT, VALUES, chunks, rows_in
from tracemes.store.schema import (
    boms,
    items,
    lots,
    routings,
    units,
    work_orders,
)


@dataclass(frozen=True, slots=True)
class WorkOrderRow:
    """A work order with what its units need to be planned: item, versions, finished count."""

    code: str
    item_code: str
    status: Status
    quantity: Decimal
    bom_version: int | None
    routing_version: int | None
    finished_units: int


_unit_columns = (
    units.c.id,
    units.c.serial,
    items.c.code.label("item_code"),
    units.c.status,
    units.c.current_operation,
    units.c.on_hold,
    work_orders.c.code.label("work_order"),
    # Everything update_units writes back is loaded, so no event erases an earlier fact.
    units.c.completed_at,
    units.c.customer,
    units.c.sales_order,
    units.c.delivery,
    units.c.shipped_at,
)


_UNITS = (
    sa.select(*_unit_columns)
    .select_from(
        units.join(items, units.c.item_id == items.c.id).outerjoin(
            work_orders, units.c.work_order_id == work_orders.c.id
        )
    )
    .where(units.c.tenant_id == TENANT)
    .order_by(units.c.id)
)
_UNITS_BY_SERIAL = {
    False: _UNITS.where(units.c.serial.in_(VALUES)),
    True: _UNITS.where(units.c.serial.in_(VALUES)).with_for_update(of=units),
}
_UNITS_BY_ID = {
    False: _UNITS.where(units.c.id.in_(VALUES)),
    True: _UNITS.where(units.c.id.in_(VALUES)).with_for_update(of=units),
}


def _unit(row: Any) -> tuple[UnitState, str | None]:
    state = UnitState(
        id=row[0],
        serial=row[1],
        item_code=row[2],
        status=BY_VALUE[row[3]],
        current_operation=row[4],
        on_hold=row[5],
        completed_at=row[7],
        customer=row[8],
        sales_order=row[9],
        delivery=row[10],
        shipped_at=row[11],
    )
    return state, row[6]


def units_by_serial(
    conn: Connection, tenant_id: int, serials: Iterable[str], lock: bool = True
) -> list[tuple[UnitState, str | None]]:
    """The units carrying these serials (any item), with their work order codes."""
    return [_unit(row) for row in rows_in(conn, _UNITS_BY_SERIAL[lock], tenant_id, serials)]


def units_by_id(
    conn: Connection, tenant_id: int, ids: Iterable[int], lock: bool = True
) -> list[tuple[UnitState, str | None]]:
    """The units with these ids, with their work order codes."""
    return [_unit(row) for row in rows_in(conn, _UNITS_BY_ID[lock], tenant_id, ids)]


_LOT_ROWS = sa.select(
    lots.c.id, items.c.code, lots.c.lot, lots.c.remaining, lots.c.on_hold, lots.c.rejected
).select_from(lots.join(items, lots.c.item_id == items.c.id))
_LOTS = _LOT_ROWS.where(lots.c.tenant_id == TENANT).order_by(lots.c.id).with_for_update(of=lots)
_LOTS_BY_NUMBER = _LOTS.where(lots.c.lot.in_(VALUES))
_LOTS_BY_ID = {
    False: _LOT_ROWS.where(lots.c.tenant_id == TENANT, lots.c.id.in_(VALUES)).order_by(lots.c.id),
    True: _LOTS.where(lots.c.id.in_(VALUES)),
}


def _lot(row: Any) -> LotState:
    return LotState(row[0], row[1], row[2], row[3], row[4], row[5])


def lots_by_key(
    conn: Connection, tenant_id: int, keys: Iterable[tuple[str, str]]
) -> list[LotState]:
    """The lots named by (item code, lot number): found by number through its index, then
    kept when the item matches too."""
    wanted = set(keys)
    rows = rows_in(conn, _LOTS_BY_NUMBER, tenant_id, sorted({lot for _, lot in wanted}))
    return [_lot(row) for row in rows if (row[1], row[2]) in wanted]


# Whole rows, though only ids are used: asked for (id, item, lot) alone, SQLite's planner
# prefers the covering UNIQUE (tenant_id, item_id, lot) and walks every lot of the tenant.
_LOT_IDS_BY_NUMBER = _LOT_ROWS.where(lots.c.tenant_id == TENANT, lots.c.lot.in_(VALUES))


def lot_ids_by_key(conn: Connection, tenant_id: int, keys: Iterable[tuple[str, str]]) -> set[int]:
    """The ids of the lots named by (item code, lot number), without locking them (a batch
    then locks these and the lots its units already hold in one statement, in id order)."""
    wanted = set(keys)
    rows = rows_in(conn, _LOT_IDS_BY_NUMBER, tenant_id, sorted({lot for _, lot in wanted}))
    return {int(row[0]) for row in rows if (row[1], row[2]) in wanted}


def lots_by_id(
    conn: Connection, tenant_id: int, ids: Iterable[int], lock: bool = True
) -> list[LotState]:
    """The lots with these ids."""
    return [_lot(row) for row in rows_in(conn, _LOTS_BY_ID[lock], tenant_id, ids)]


_bom = boms.alias("bom")
_routing = routings.alias("routing")
_WORK_ORDERS = (
    sa.select(
        work_orders.c.code,
        items.c.code,
        work_orders.c.status,
        work_orders.c.quantity,
        _bom.c.version,
        _routing.c.version,
        work_orders.c.finished_units,
    )
    .select_from(
        work_orders.join(items, work_orders.c.item_id == items.c.id)
        .outerjoin(_bom, work_orders.c.bom_id == _bom.c.id)
        .outerjoin(_routing, work_orders.c.routing_id == _routing.c.id)
    )
    .where(work_orders.c.tenant_id == TENANT, work_orders.c.code.in_(VALUES))
    .order_by(work_orders.c.id)
)
_WORK_ORDERS_LOCKED = {False: _WORK_ORDERS, True: _WORK_ORDERS.with_for_update(of=work_orders)}


def work_orders_by_code(
    conn: Connection, tenant_id: int, codes: Iterable[str], lock: bool = True
) -> list[WorkOrderRow]:
    """Work orders with their pinned versions and how many units have finished."""
    return [
        WorkOrderRow(row[0], row[1], Status(row[2]), row[3], row[4], row[5], int(row[6]))
        for row in rows_in(conn, _WORK_ORDERS_LOCKED[lock], tenant_id, codes)
    ]


_ITEM_IDS = sa.select(items.c.code, items.c.id).where(
    items.c.tenant_id == TENANT, items.c.code.in_(VALUES)
)


# -- writing ----------------------------------------------------------------------------


def item_ids(conn: Connection, tenant_id: int, codes: Iterable[str]) -> dict[str, int]:
    """Surrogate ids of items by code."""
    return {row[0]: int(row[1]) for row in rows_in(conn, _ITEM_IDS, tenant_id, codes)}


def add_units(
    conn: Connection, tenant_id: int, new: Sequence[UnitState], item_id: dict[str, int], at: Any
) -> None:
    """Store parts registered at their first binding, and give them their ids."""
    if not new:
        return
    if len(new) == 1:  # the usual case, one part at a scan: one round trip with its id
        (unit,) = new
        unit.id = conn.execute(
            sa.insert(units)
            .values(
                tenant_id=tenant_id,
                item_id=item_id[unit.item_code],
                serial=unit.serial,
                status=unit.status.value,
                created_at=at,
            )
            .returning(units.c.id)
        ).scalar_one()
        return
    # A plain executemany, then one query for the ids: RETURNING would cost a statement per row
    # on SQLite.
    conn.execute(
        sa.insert(units),
        [
            {
                "tenant_id": tenant_id,
                "item_id": item_id[unit.item_code],
                "serial": unit.serial,
                "status": unit.status.value,
                "created_at": at,
            }
            for unit in new
        ],
    )
    ids: dict[tuple[int, str], int] = {}
    made_of = sorted({item_id[unit.item_code] for unit in new})
    for chunk in chunks(unit.serial for unit in new):
        # By the whole key (tenant, item, serial): with the serial alone SQLite's planner
        # walked every unit of the tenant through this covering key instead.
        rows = conn.execute(
            sa.select(units.c.item_id, units.c.serial, units.c.id).where(
                units.c.tenant_id == tenant_id,
                units.c.item_id.in_(made_of),
                units.c.serial.in_(chunk),
            )
        )
        ids.update({(item, serial): int(unit_id) for item, serial, unit_id in rows})
    for unit in new:
        unit.id = ids[(item_id[unit.item_code], unit.serial)]


_UPDATE_UNIT = (
    sa.update(units)
    .where(units.c.tenant_id == sa.bindparam("b_tenant"), units.c.id == sa.bindparam("b_id"))
    .values(
        status=sa.bindparam("b_status"),
        current_operation=sa.bindparam("b_operation"),
        completed_at=sa.bindparam("b_completed_at"),
        customer=sa.bindparam("b_customer"),
        sales_order=sa.bindparam("b_sales_order"),
        delivery=sa.bindparam("b_delivery"),
        shipped_at=sa.bindparam("b_shipped_at"),
    )
)


def update_units(conn: Connection, tenant_id: int, changed: Sequence[UnitState]) -> None:
    """Write units' new status, operation and shipping facts."""
    if not changed:
        return
    conn.execute(
        _UPDATE_UNIT,
        [
            {
                "b_tenant": tenant_id,
                "b_id": u.id,
                "b_status": u.status.value,
                "b_operation": u.current_operation,
                "b_completed_at": u.completed_at,
                "b_customer": u.customer,
                "b_sales_order": u.sales_order,
                "b_delivery": u.delivery,
                "b_shipped_at": u.shipped_at,
            }
            for u in changed
        ],
    )


def update_lots(conn: Connection, tenant_id: int, changed: Sequence[LotState]) -> None:
    """Write lots' remaining quantities."""
    if not changed:
        return
    conn.execute(
        _UPDATE_LOT,
        [{"b_tenant": tenant_id, "b_id": lot.id, "b_remaining": lot.remaining} for lot in changed],
    )


_UPDATE_LOT = (
    sa.update(lots)
    .where(lots.c.tenant_id == sa.bindparam("b_tenant"), lots.c.id == sa.bindparam("b_id"))
    .values(remaining=sa.bindparam("b_remaining"))
)


def grow_lots(conn: Connection, tenant_id: int, grown: Sequence[tuple[int, Decimal]]) -> None:
    """Add to production lots' quantities what other lots merged into them (before their
    remaining is written: a lot may not hold more than its quantity)."""
    if not grown:
        return
    conn.execute(
        _GROW_LOT,
        [{"b_tenant": tenant_id, "b_id": lot_id, "b_more": more} for lot_id, more in grown],
    )


_GROW_LOT = (
    sa.update(lots)
    .where(lots.c.tenant_id == sa.bindparam("b_tenant"), lots.c.id == sa.bindparam("b_id"))
    .values(quantity=lots.c.quantity + sa.bindparam("b_more", type_=lots.c.quantity.type))
)


def update_work_orders(conn: Connection, tenant_id: int, changed: Sequence[WorkOrderState]) -> None:
    """Write work orders the floor moved on: status and finished units."""
    if changed:
        conn.execute(
            sa.update(work_orders)
            .where(
                work_orders.c.tenant_id == tenant_id, work_orders.c.code == sa.bindparam("b_code")
            )
            .values(status=sa.bindparam("b_status"), finished_units=sa.bindparam("b_finished")),
            [
                {"b_code": o.code, "b_status": o.status.value, "b_finished": o.finished_units}
                for o in changed
            ],
        )
