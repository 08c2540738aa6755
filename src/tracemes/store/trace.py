"""Recursive genealogy queries over the indexed binding edges (live edges only)."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.trace import AffectedLot, AffectedUnit, Edge, Shipment, UnitFacts, settle
from tracemes.domain.units import BY_VALUE
from tracemes.store import production_lots as store_production_lots
from tracemes.store.schema import (
    batch_lots,
    bindings,
    items,
    lots,
    stations,
    units,
    users,
    work_orders,
)
from tracemes.store.schema import step_runs as runs

MAX_DEPTH = 20  # deeper than any real product; stops a corrupted cycle from running away


def _facts_query() -> sa.Select[Any]:
    return sa.select(
        units.c.id,
        units.c.serial,
        items.c.code,
        items.c.name,
        units.c.status,
        units.c.current_operation,
        units.c.on_hold,
        work_orders.c.code,
        units.c.supplier,
        units.c.supplier_lot,
        units.c.customer,
        units.c.sales_order,
        units.c.delivery,
        units.c.shipped_at,
        units.c.completed_at,
    ).select_from(
        units.join(items, units.c.item_id == items.c.id).outerjoin(
            work_orders, units.c.work_order_id == work_orders.c.id
        )
    )


def _facts(row: Any) -> UnitFacts:
    """UnitFacts from the first 15 columns of _facts_query (the id first)."""
    _, serial, code, name, status, *rest = row[:15]
    return UnitFacts(serial, code, name, BY_VALUE[status], *rest)


_BY_SERIAL = _facts_query().where(
    units.c.tenant_id == sa.bindparam("tenant_id"), units.c.serial == sa.bindparam("serial")
)
_BY_SERIAL_AND_ITEM = _BY_SERIAL.where(items.c.code == sa.bindparam("item_code"))


def units_by_serial(
    conn: Connection, tenant_id: int, serial: str, item_code: str | None = None
) -> list[tuple[int, UnitFacts]]:
    """Units carrying a serial (of one item when given), with their ids."""
    params = {"tenant_id": tenant_id, "serial": serial, "item_code": item_code}
    query = _BY_SERIAL if item_code is None else _BY_SERIAL_AND_ITEM
    return [(int(row[0]), _facts(row)) for row in conn.execute(query, params)]


def lot_id(conn: Connection, tenant_id: int, item_code: str, lot: str) -> int | None:
    """The id of one lot of an item."""
    found = conn.execute(
        sa.select(lots.c.id)
        .select_from(lots.join(items, lots.c.item_id == items.c.id))
        .where(lots.c.tenant_id == tenant_id, items.c.code == item_code, lots.c.lot == lot)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def _backward_statement() -> sa.Select[Any]:
    tenant_id = sa.bindparam("tenant_id", type_=sa.Integer)
    unit_id = sa.bindparam("unit_id", type_=sa.Integer)
    live = sa.and_(bindings.c.tenant_id == tenant_id, bindings.c.unbound_at.is_(None))
    columns = (
        bindings.c.id.label("binding_id"),
        bindings.c.parent_kind,
        bindings.c.parent_id,
        bindings.c.child_kind,
        bindings.c.child_id,
    )
    tree = (
        sa.select(*columns, sa.literal(1).label("depth"))
        .where(
            live,
            bindings.c.parent_kind == sa.bindparam("root_kind", type_=sa.String),
            bindings.c.parent_id == unit_id,
        )
        .cte("tree", recursive=True)
    )
    below = bindings.alias("below")
    tree = tree.union_all(
        sa.select(
            below.c.id,
            below.c.parent_kind,
            below.c.parent_id,
            below.c.child_kind,
            below.c.child_id,
            tree.c.depth + 1,
        )
        .select_from(
            below.join(
                tree,
                sa.and_(
                    below.c.parent_kind == tree.c.child_kind, below.c.parent_id == tree.c.child_id
                ),
            )
        )
        .where(
            below.c.tenant_id == tenant_id,
            below.c.unbound_at.is_(None),
            tree.c.depth < MAX_DEPTH,
        )
    )
    part = units.alias("part")
    return sa.select(
        tree.c.parent_kind,
        tree.c.parent_id,
        tree.c.child_kind,
        tree.c.child_id,
        tree.c.depth,
        items.c.code,
        items.c.name,
        bindings.c.quantity,
        bindings.c.operation_code,
        stations.c.code,
        users.c.name,
        bindings.c.bound_at,
        part.c.serial,
        lots.c.lot,
        sa.func.coalesce(part.c.supplier, lots.c.supplier),
        part.c.supplier_lot,
        part.c.status,
    ).select_from(
        tree.join(bindings, bindings.c.id == tree.c.binding_id)
        .join(items, items.c.id == bindings.c.item_id)
        .outerjoin(stations, stations.c.id == bindings.c.station_id)
        .outerjoin(users, users.c.id == bindings.c.operator_id)
        .outerjoin(part, sa.and_(tree.c.child_kind == "unit", part.c.id == tree.c.child_id))
        .outerjoin(lots, sa.and_(tree.c.child_kind == "lot", lots.c.id == tree.c.child_id))
    )


# Built once: constructing a recursive statement costs far more than running it (~2 ms
# against ~40 us on SQLite), and the trace is the hottest read.
_BACKWARD = _backward_statement()


def backward(conn: Connection, tenant_id: int, unit_id: int, kind: str = "unit") -> list[Edge]:
    """Every live edge below a unit (or a production lot), to any depth, with each part's
    facts."""
    params = {"tenant_id": tenant_id, "unit_id": unit_id, "root_kind": kind}
    rows = conn.execute(_BACKWARD, params)
    return [Edge(*(row[i] for i in range(17))) for row in rows]


def _forward_statement(lots_only: bool = False) -> Any:
    """Every live edge above a node, to any depth, joined to the facts of its parent unit.

    Each row carries its child too, so the unit that holds each unit comes out of the walk
    itself rather than from a lookup per unit. Rows stay unsorted and may repeat a unit met
    on two paths: Python settles both faster than the database sorts wide rows.
    """
    tenant_id = sa.bindparam("tenant_id", type_=sa.Integer)
    columns = (
        bindings.c.parent_kind,
        bindings.c.parent_id,
        bindings.c.child_kind,
        bindings.c.child_id,
    )
    up = (
        sa.select(*columns, sa.literal(1).label("depth"))
        .where(
            bindings.c.tenant_id == tenant_id,
            bindings.c.unbound_at.is_(None),
            bindings.c.child_kind == sa.bindparam("kind", type_=sa.String),
            bindings.c.child_id == sa.bindparam("node_id", type_=sa.Integer),
            *([bindings.c.parent_kind == "lot"] if lots_only else []),
        )
        .cte("up", recursive=True)
    )
    above = bindings.alias("above")
    # UNION: production lots split and merge, so one lot can reach another along several
    # paths; identical rows (same edge at the same depth) are walked once. Python keeps the
    # nearest row of each unit or lot. MAX_DEPTH bounds a corrupted cycle.
    up = up.union(
        sa.select(
            above.c.parent_kind,
            above.c.parent_id,
            above.c.child_kind,
            above.c.child_id,
            up.c.depth + 1,
        )
        .select_from(
            above.join(
                up,
                sa.and_(above.c.child_kind == up.c.parent_kind, above.c.child_id == up.c.parent_id),
            )
        )
        .where(
            above.c.tenant_id == tenant_id,
            above.c.unbound_at.is_(None),
            up.c.depth < MAX_DEPTH,
            *([above.c.parent_kind == "lot"] if lots_only else []),
        )
    )
    return up


def _forward_units() -> sa.Select[Any]:
    up = _forward_statement()
    return (
        _facts_query()
        .add_columns(up.c.depth, up.c.child_kind, up.c.child_id)
        .join(up, up.c.parent_id == units.c.id)
        .where(units.c.tenant_id == sa.bindparam("tenant_id"), up.c.parent_kind == "unit")
    )


def _forward_lots() -> sa.Select[Any]:
    # Only lots are bound into lots, so the lots above a node are found by walking lot
    # parents alone: no second walk through the tens of thousands of units above a cell lot.
    up = _forward_statement(lots_only=True)
    return (
        sa.select(
            lots.c.id,
            items.c.code,
            lots.c.lot,
            work_orders.c.code,
            batch_lots.c.started,
            lots.c.remaining,
            lots.c.on_hold,
            sa.func.min(up.c.depth),
        )
        .select_from(
            up.join(lots, lots.c.id == up.c.parent_id)
            .join(items, items.c.id == lots.c.item_id)
            .outerjoin(
                batch_lots,
                # tenant_id too: the unique (tenant_id, lot_id) index answers the probe;
                # without it PostgreSQL (hash joins off here) read batch_lots per lot.
                sa.and_(
                    batch_lots.c.tenant_id == lots.c.tenant_id, batch_lots.c.lot_id == lots.c.id
                ),
            )
            .outerjoin(work_orders, work_orders.c.id == batch_lots.c.work_order_id)
        )
        .where(lots.c.tenant_id == sa.bindparam("tenant_id"), up.c.parent_kind == "lot")
        .group_by(
            lots.c.id,
            items.c.code,
            lots.c.lot,
            work_orders.c.code,
            batch_lots.c.started,
            lots.c.remaining,
            lots.c.on_hold,
        )
    )


_FORWARD = _forward_units()
_FORWARD_LOTS = _forward_lots()


def forward(
    conn: Connection, tenant_id: int, kind: str, node_id: int
) -> list[tuple[int, AffectedUnit]]:
    """Every unit (with its id) holding a unit or lot through live edges, nearest first."""
    if conn.dialect.name == "postgresql":
        # With tens of thousands of nodes per step PostgreSQL picks merge and hash joins that
        # read every live edge of the tenant per step (12 s for 50,000 units at 10M edges);
        # index lookups per node are what this walk needs. Only this transaction is affected.
        conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
        conn.exec_driver_sql("SET LOCAL enable_hashjoin = off")
    found: dict[int, tuple[UnitFacts, int]] = {}
    holder: dict[int, int] = {}  # unit id -> id of the unit it is bound into
    params = {"tenant_id": tenant_id, "kind": kind, "node_id": node_id}
    for row in conn.execute(_FORWARD, params):
        unit_id, depth = row[0], row[15]
        seen = found.get(unit_id)
        if seen is None:
            found[unit_id] = (_facts(row), depth)
        elif depth < seen[1]:
            found[unit_id] = (seen[0], depth)
        if row[16] == "unit":
            holder[row[17]] = unit_id
    rows = sorted(
        ((unit_id, holder.get(unit_id), facts, depth) for unit_id, (facts, depth) in found.items()),
        key=lambda row: (row[3], row[2].serial),
    )
    return [(row[0], affected) for row, affected in zip(rows, settle(rows), strict=True)]


def forward_lots(conn: Connection, tenant_id: int, kind: str, node_id: int) -> list[AffectedLot]:
    """Every production lot a unit or lot went into, to any depth, nearest first, with the
    customers its stock was shipped to."""
    params = {"tenant_id": tenant_id, "kind": kind, "node_id": node_id}
    rows = list(conn.execute(_FORWARD_LOTS, params))
    shipped: dict[int, list[Shipment]] = {}
    for lot_id, quantity, customer, order, delivery, at in store_production_lots.shipments(
        conn, tenant_id, [row[0] for row in rows]
    ):
        shipped.setdefault(lot_id, []).append(Shipment(customer, quantity, order, delivery, at))
    found = [
        AffectedLot(
            item_code=row[1],
            lot=row[2],
            work_order=row[3],
            started=row[4],
            stock=row[5],
            on_hold=row[6],
            depth=int(row[7]),
            shipments=tuple(shipped.get(row[0], ())),
        )
        for row in rows
    ]
    return sorted(found, key=lambda lot: (lot.depth, lot.item_code, lot.lot))


_STEP_RUNS = (
    sa.select(
        units.c.serial,
        runs.c.operation_code,
        stations.c.code,
        users.c.name,
        runs.c.started_at,
        runs.c.completed_at,
        runs.c.result,
        runs.c.measurements,
        runs.c.defects,
    )
    .select_from(
        runs.join(units, units.c.id == runs.c.unit_id)
        .outerjoin(stations, stations.c.id == runs.c.station_id)
        .outerjoin(users, users.c.id == runs.c.operator_id)
    )
    .where(
        runs.c.tenant_id == sa.bindparam("tenant_id"),
        runs.c.unit_id.in_(sa.bindparam("unit_ids", expanding=True)),
    )
    .order_by(runs.c.started_at, runs.c.id)
)


def step_runs(conn: Connection, tenant_id: int, unit_ids: list[int]) -> list[Any]:
    """Step runs of these units, oldest first: serial, operation, station, operator, times."""
    if not unit_ids:
        return []
    return list(conn.execute(_STEP_RUNS, {"tenant_id": tenant_id, "unit_ids": unit_ids}))
