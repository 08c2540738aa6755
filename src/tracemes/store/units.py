"""Units and the serial counters that number them."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.units import UnitStatus
from tracemes.store import items as store_items
from tracemes.store import work_orders as store_work_orders
from tracemes.store.chunks import chunks
from tracemes.store.schema import items, serial_counters, units, work_orders


@dataclass(frozen=True, slots=True)
class UnitRow:
    """A unit as listed under its work order."""

    serial: str
    item_code: str
    status: UnitStatus
    created_at: datetime


def add_many(
    conn: Connection,
    tenant_id: int,
    item_code: str,
    work_order_code: str,
    serials: Sequence[str],
    created_at: datetime,
    first_operation: str | None = None,
) -> None:
    """Store new queued units of a work order, due at its first operation."""
    item_id = store_items.id_of(conn, tenant_id, item_code)
    order_id = store_work_orders.id_of(conn, tenant_id, work_order_code)
    conn.execute(
        sa.insert(units),
        [
            {
                "tenant_id": tenant_id,
                "item_id": item_id,
                "serial": serial,
                "work_order_id": order_id,
                "status": UnitStatus.QUEUED.value,
                "created_at": created_at,
                "current_operation": first_operation,
            }
            for serial in serials
        ],
    )


def existing_serials(
    conn: Connection, tenant_id: int, item_code: str, serials: Iterable[str]
) -> set[str]:
    """Which of these serials of an item are already taken."""
    taken: set[str] = set()
    for chunk in chunks(serials):
        taken.update(
            conn.execute(
                sa.select(units.c.serial)
                .select_from(units.join(items, units.c.item_id == items.c.id))
                .where(
                    units.c.tenant_id == tenant_id,
                    items.c.code == item_code,
                    units.c.serial.in_(chunk),
                )
            ).scalars()
        )
    return taken


def add_received(
    conn: Connection,
    tenant_id: int,
    item_code: str,
    serials: Sequence[str],
    received_at: datetime,
    supplier: str | None,
    supplier_lot: str | None,
    unit_cost: Decimal | None,
) -> None:
    """Store purchased serialised parts, in stock until bound."""
    item_id = store_items.id_of(conn, tenant_id, item_code)
    conn.execute(
        sa.insert(units),
        [
            {
                "tenant_id": tenant_id,
                "item_id": item_id,
                "serial": serial,
                "status": UnitStatus.RECEIVED.value,
                "created_at": received_at,
                "supplier": supplier,
                "supplier_lot": supplier_lot,
                "unit_cost": unit_cost,
            }
            for serial in serials
        ],
    )


def counts_by_status(
    conn: Connection, tenant_id: int, work_order_code: str
) -> dict[UnitStatus, int]:
    """How many units of a work order are in each status."""
    rows = conn.execute(
        sa.select(units.c.status, sa.func.count())
        .select_from(units.join(work_orders, units.c.work_order_id == work_orders.c.id))
        .where(units.c.tenant_id == tenant_id, work_orders.c.code == work_order_code)
        .group_by(units.c.status)
    )
    return {UnitStatus(status): int(n) for status, n in rows}


def list_for_work_order(conn: Connection, tenant_id: int, work_order_code: str) -> list[UnitRow]:
    """The units of a work order in the order they were made."""
    rows = conn.execute(
        sa.select(units.c.serial, items.c.code, units.c.status, units.c.created_at)
        .select_from(
            units.join(work_orders, units.c.work_order_id == work_orders.c.id).join(
                items, units.c.item_id == items.c.id
            )
        )
        .where(units.c.tenant_id == tenant_id, work_orders.c.code == work_order_code)
        .order_by(units.c.id)
    )
    return [UnitRow(row[0], row[1], UnitStatus(row[2]), row[3]) for row in rows]


def take_sequences(conn: Connection, tenant_id: int, item_code: str, scope: str, count: int) -> int:
    """Reserve `count` sequence numbers of a serial scope; return the first one."""
    item_id = store_items.id_of(conn, tenant_id, item_code)
    where = (
        serial_counters.c.tenant_id == tenant_id,
        serial_counters.c.item_id == item_id,
        serial_counters.c.scope == scope,
    )
    last = conn.execute(
        sa.update(serial_counters)
        .where(*where)
        .values(last_seq=serial_counters.c.last_seq + count)
        .returning(serial_counters.c.last_seq)
    ).scalar_one_or_none()
    if last is None:
        conn.execute(
            sa.insert(serial_counters).values(
                tenant_id=tenant_id, item_id=item_id, scope=scope, last_seq=count
            )
        )
        last = count
    return int(last) - count + 1


def label_facts(conn: Connection, tenant_id: int, serial: str) -> tuple[Any, ...] | None:
    """(serial, item code, item name, GTIN, day made) of a unit made here with this serial."""
    row = conn.execute(
        sa.select(units.c.serial, items.c.code, items.c.name, items.c.gtin, units.c.created_at)
        .select_from(units.join(items, units.c.item_id == items.c.id))
        .where(
            units.c.tenant_id == tenant_id,
            units.c.serial == serial,
            units.c.work_order_id.is_not(None),
        )
        .order_by(units.c.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    return (row[0], row[1], row[2], row[3], row[4].date())
