"""Work orders."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.work_orders import Status, WorkOrder
from tracemes.store import items as store_items
from tracemes.store import lines as store_lines
from tracemes.store.schema import boms, items, lines, routings, work_orders

_bom = boms.alias("bom")
_routing = routings.alias("routing")
_columns = (
    work_orders.c.code,
    items.c.code.label("item_code"),
    work_orders.c.quantity,
    lines.c.code.label("line_code"),
    work_orders.c.status,
    work_orders.c.due_on,
    _bom.c.version.label("bom_version"),
    _routing.c.version.label("routing_version"),
)
_from = (
    work_orders.join(items, work_orders.c.item_id == items.c.id)
    .join(lines, work_orders.c.line_id == lines.c.id)
    .outerjoin(_bom, work_orders.c.bom_id == _bom.c.id)
    .outerjoin(_routing, work_orders.c.routing_id == _routing.c.id)
)


def get(conn: Connection, tenant_id: int, code: str) -> WorkOrder | None:
    """The work order with this code."""
    row = (
        conn.execute(
            sa.select(*_columns)
            .select_from(_from)
            .where(work_orders.c.tenant_id == tenant_id, work_orders.c.code == code)
        )
        .mappings()
        .one_or_none()
    )
    return _work_order(row) if row else None


def list_all(
    conn: Connection,
    tenant_id: int,
    statuses: frozenset[Status] | None = None,
    line_code: str | None = None,
) -> list[WorkOrder]:
    """A tenant's work orders (in the given statuses, of one line), newest first."""
    query = sa.select(*_columns).select_from(_from).where(work_orders.c.tenant_id == tenant_id)
    if statuses:
        query = query.where(work_orders.c.status.in_(sorted(statuses)))
    if line_code is not None:
        query = query.where(lines.c.code == line_code)
    rows = conn.execute(query.order_by(work_orders.c.id.desc())).mappings()
    return [_work_order(row) for row in rows]


def add(conn: Connection, tenant_id: int, order: WorkOrder, created_at: datetime) -> None:
    """Store a new work order."""
    conn.execute(
        sa.insert(work_orders).values(
            tenant_id=tenant_id,
            code=order.code,
            item_id=store_items.id_of(conn, tenant_id, order.item_code),
            line_id=store_lines.id_of(conn, tenant_id, order.line_code),
            quantity=order.quantity,
            status=order.status.value,
            due_on=order.due_on,
            created_at=created_at,
        )
    )


def set_status(conn: Connection, tenant_id: int, code: str, status: Status) -> None:
    """Move a work order to a new status."""
    conn.execute(
        sa.update(work_orders)
        .where(work_orders.c.tenant_id == tenant_id, work_orders.c.code == code)
        .values(status=status.value)
    )


def set_snapshot(
    conn: Connection, tenant_id: int, code: str, bom_version: int, routing_version: int
) -> None:
    """Pin the BOM and routing versions a released order is made by."""
    order_item = (
        sa.select(work_orders.c.item_id)
        .where(work_orders.c.tenant_id == tenant_id, work_orders.c.code == code)
        .scalar_subquery()
    )
    bom_id = sa.select(boms.c.id).where(
        boms.c.tenant_id == tenant_id, boms.c.item_id == order_item, boms.c.version == bom_version
    )
    routing_id = sa.select(routings.c.id).where(
        routings.c.tenant_id == tenant_id,
        routings.c.item_id == order_item,
        routings.c.version == routing_version,
    )
    conn.execute(
        sa.update(work_orders)
        .where(work_orders.c.tenant_id == tenant_id, work_orders.c.code == code)
        .values(bom_id=bom_id.scalar_subquery(), routing_id=routing_id.scalar_subquery())
    )


def id_of(conn: Connection, tenant_id: int, code: str) -> int:
    """The surrogate id of a work order known to exist."""
    return int(
        conn.execute(
            sa.select(work_orders.c.id).where(
                work_orders.c.tenant_id == tenant_id, work_orders.c.code == code
            )
        ).scalar_one()
    )


def _work_order(row: sa.RowMapping) -> WorkOrder:
    return WorkOrder(
        code=row["code"],
        item_code=row["item_code"],
        quantity=row["quantity"],
        line_code=row["line_code"],
        status=Status(row["status"]),
        due_on=row["due_on"],
        bom_version=row["bom_version"],
        routing_version=row["routing_version"],
    )
