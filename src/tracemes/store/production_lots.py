"""Production lots: their tallies per operation, material edges and shipments."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.floor import Kind, LotShipment
from tracemes.domain.production_lots import Tally
from tracemes.store.bulk import insert_rows
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import (
    batch_lots,
    batch_steps,
    bindings,
    items,
    lot_shipments,
    lots,
    work_orders,
)


@dataclass(frozen=True, slots=True)
class ProductionLotRow:
    """A stored production lot: ids, what it is, and its stock."""

    row_id: int  # of its batch_lots row
    lot_id: int
    item_code: str
    lot: str
    work_order: str
    started: Decimal
    remaining: Decimal
    on_hold: bool
    created_at: datetime


# Every production lot with what it is and its stock; the two lookups below narrow it.
_ALL_BATCHES = sa.select(
    batch_lots.c.id,
    lots.c.id,
    items.c.code,
    lots.c.lot,
    work_orders.c.code,
    batch_lots.c.started,
    lots.c.remaining,
    lots.c.on_hold,
    batch_lots.c.created_at,
).select_from(
    batch_lots.join(lots, lots.c.id == batch_lots.c.lot_id)
    .join(items, items.c.id == lots.c.item_id)
    .join(work_orders, work_orders.c.id == batch_lots.c.work_order_id)
)
_BATCHES = _ALL_BATCHES.where(
    batch_lots.c.tenant_id == TENANT,
    # The lots by number first (their index), then their batch rows by lot id.
    batch_lots.c.lot_id.in_(
        sa.select(lots.c.id).where(lots.c.tenant_id == TENANT, lots.c.lot.in_(VALUES))
    ),
)


def _row(row: Any) -> ProductionLotRow:
    return ProductionLotRow(*row)


def by_key(
    conn: Connection, tenant_id: int, keys: Iterable[tuple[str, str]]
) -> list[ProductionLotRow]:
    """Production lots by (item, lot), found by lot number through its index."""
    wanted = set(keys)
    rows = rows_in(conn, _BATCHES, tenant_id, sorted({lot for _, lot in wanted}))
    return [_row(row) for row in rows if (row[2], row[3]) in wanted]


_OF_ORDER = _ALL_BATCHES.where(
    batch_lots.c.tenant_id == TENANT, work_orders.c.code == sa.bindparam("order")
).order_by(lots.c.lot)


def of_order(conn: Connection, tenant_id: int, order: str) -> list[ProductionLotRow]:
    """The production lots of a work order, by lot number."""
    return [_row(row) for row in conn.execute(_OF_ORDER, {"tenant_id": tenant_id, "order": order})]


_STEPS = (
    sa.select(
        batch_steps.c.batch_id,
        batch_steps.c.operation_code,
        batch_steps.c.received,
        batch_steps.c.good,
        batch_steps.c.scrap,
        batch_steps.c.rework,
        batch_steps.c.moved,
        batch_steps.c.sent,
        batch_steps.c.defects,
    )
    .where(batch_steps.c.tenant_id == TENANT, batch_steps.c.batch_id.in_(VALUES))
    .order_by(batch_steps.c.batch_id, batch_steps.c.seq)
)


def tallies(
    conn: Connection, tenant_id: int, row_ids: Iterable[int]
) -> dict[int, dict[str, Tally]]:
    """Each production lot's tallies by operation, in routing order."""
    found: dict[int, dict[str, Tally]] = {}
    for row in rows_in(conn, _STEPS, tenant_id, row_ids):
        defects = {code: Decimal(str(qty)) for code, qty in (row[8] or {}).items()}
        tally = Tally(
            received=row[2],
            good=row[3],
            scrap=row[4],
            rework=row[5],
            moved=row[6],
            sent=row[7],
            defects=defects,
        )
        found.setdefault(row[0], {})[row[1]] = tally
    return found


_CONSUMED = (
    sa.select(bindings.c.parent_id, items.c.code, sa.func.sum(bindings.c.quantity))
    .select_from(bindings.join(items, items.c.id == bindings.c.item_id))
    .where(
        bindings.c.tenant_id == TENANT,
        bindings.c.unbound_at.is_(None),
        bindings.c.parent_kind == Kind.LOT.value,
        bindings.c.parent_id.in_(VALUES),
        bindings.c.child_kind == Kind.LOT.value,
    )
    .group_by(bindings.c.parent_id, items.c.code)
)


def consumed(
    conn: Connection, tenant_id: int, lot_ids: Iterable[int]
) -> dict[int, dict[str, Decimal]]:
    """Material booked into each lot so far, by item (edges from other lots of the lot's own
    item are splits and merges; callers leave those out)."""
    found: dict[int, dict[str, Decimal]] = {}
    for lot_id, item_code, total in rows_in(conn, _CONSUMED, tenant_id, lot_ids):
        found.setdefault(lot_id, {})[item_code] = Decimal(str(total))
    return found


def add(
    conn: Connection,
    tenant_id: int,
    lot_id: int,
    work_order_id: int,
    started: Decimal,
    created_at: datetime,
    operations: Sequence[tuple[int, str]],
    tally: dict[str, Tally],
) -> int:
    """Store a new production lot (its `lots` row exists) and its empty tallies."""
    row_id = conn.execute(
        sa.insert(batch_lots)
        .values(
            tenant_id=tenant_id,
            lot_id=lot_id,
            work_order_id=work_order_id,
            started=started,
            created_at=created_at,
        )
        .returning(batch_lots.c.id)
    ).scalar_one()
    insert_rows(
        conn,
        batch_steps,
        _STEP_COLUMNS,
        [(tenant_id, row_id, code, seq, *_tally_values(tally[code])) for seq, code in operations],
    )
    return int(row_id)


_STEP_COLUMNS = (
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


def _tally_values(tally: Tally) -> tuple[Any, ...]:
    defects = {code: str(quantity) for code, quantity in tally.defects.items()}
    return (
        tally.received,
        tally.good,
        tally.scrap,
        tally.rework,
        tally.moved,
        tally.sent,
        defects,
    )


_UPDATE_STEP = (
    sa.update(batch_steps)
    .where(
        batch_steps.c.tenant_id == sa.bindparam("b_tenant"),
        batch_steps.c.batch_id == sa.bindparam("b_batch"),
        batch_steps.c.operation_code == sa.bindparam("b_operation"),
    )
    .values(
        received=sa.bindparam("b_received"),
        good=sa.bindparam("b_good"),
        scrap=sa.bindparam("b_scrap"),
        rework=sa.bindparam("b_rework"),
        moved=sa.bindparam("b_moved"),
        sent=sa.bindparam("b_sent"),
        defects=sa.bindparam("b_defects"),
    )
)


def update_tallies(
    conn: Connection, tenant_id: int, changed: Sequence[tuple[int, dict[str, Tally]]]
) -> None:
    """Write the tallies of production lots that moved."""
    rows = []
    for row_id, by_operation in changed:
        for code, tally in by_operation.items():
            values = _tally_values(tally)
            rows.append(
                {
                    "b_tenant": tenant_id,
                    "b_batch": row_id,
                    "b_operation": code,
                    "b_received": values[0],
                    "b_good": values[1],
                    "b_scrap": values[2],
                    "b_rework": values[3],
                    "b_moved": values[4],
                    "b_sent": values[5],
                    "b_defects": values[6],
                }
            )
    if rows:
        conn.execute(_UPDATE_STEP, rows)


def add_shipments(conn: Connection, tenant_id: int, shipped: Sequence[LotShipment]) -> None:
    """Store quantities of production lots that left for customers."""
    insert_rows(
        conn,
        lot_shipments,
        ("tenant_id", "lot_id", "quantity", "customer", "sales_order", "delivery", "shipped_at"),
        [
            (tenant_id, s.lot.id, s.quantity, s.customer, s.sales_order, s.delivery, s.shipped_at)
            for s in shipped
        ],
    )


_SHIPMENTS = (
    sa.select(
        lot_shipments.c.lot_id,
        lot_shipments.c.quantity,
        lot_shipments.c.customer,
        lot_shipments.c.sales_order,
        lot_shipments.c.delivery,
        lot_shipments.c.shipped_at,
    )
    .where(lot_shipments.c.tenant_id == TENANT, lot_shipments.c.lot_id.in_(VALUES))
    .order_by(lot_shipments.c.shipped_at, lot_shipments.c.id)
)


def shipments(conn: Connection, tenant_id: int, lot_ids: Iterable[int]) -> list[Any]:
    """Shipments of these lots, oldest first."""
    return list(rows_in(conn, _SHIPMENTS, tenant_id, lot_ids))
