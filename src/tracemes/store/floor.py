"""Loading the part of the floor a batch of events touches, and writing back what changed.

Every read is one query for the whole batch (chunked IN lists), and every write one
executemany, so a batch of thousands of events costs a handful of round trips. Rows a
batch will change are locked (FOR UPDATE) on PostgreSQL; SQLite serialises writers anyway.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.floor import BindingState, Kind, LotState, StepRunState, UnitState
from tracemes.domain.units import UnitStatus
from tracemes.domain.work_orders import Status
from tracemes.store.schema import (
    bindings,
    boms,
    items,
    lots,
    routings,
    step_runs,
    units,
    work_orders,
)

T = TypeVar("T")
CHUNK = 2000


def _chunks(values: Iterable[T]) -> Iterator[list[T]]:
    ordered = list(dict.fromkeys(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


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
)


def _unit_query() -> sa.Select[Any]:
    return (
        sa.select(*_unit_columns)
        .select_from(
            units.join(items, units.c.item_id == items.c.id).outerjoin(
                work_orders, units.c.work_order_id == work_orders.c.id
            )
        )
        .with_for_update(of=units)
    )


def _unit(row: sa.RowMapping) -> tuple[UnitState, str | None]:
    state = UnitState(
        id=row["id"],
        serial=row["serial"],
        item_code=row["item_code"],
        status=UnitStatus(row["status"]),
        current_operation=row["current_operation"],
        on_hold=row["on_hold"],
    )
    return state, row["work_order"]


def units_by_serial(
    conn: Connection, tenant_id: int, serials: Iterable[str]
) -> list[tuple[UnitState, str | None]]:
    """The units carrying these serials (any item), with their work order codes."""
    found: list[tuple[UnitState, str | None]] = []
    for chunk in _chunks(serials):
        rows = conn.execute(
            _unit_query().where(units.c.tenant_id == tenant_id, units.c.serial.in_(chunk))
        ).mappings()
        found.extend(_unit(row) for row in rows)
    return found


def units_by_id(
    conn: Connection, tenant_id: int, ids: Iterable[int]
) -> list[tuple[UnitState, str | None]]:
    """The units with these ids, with their work order codes."""
    found: list[tuple[UnitState, str | None]] = []
    for chunk in _chunks(ids):
        rows = conn.execute(
            _unit_query().where(units.c.tenant_id == tenant_id, units.c.id.in_(chunk))
        ).mappings()
        found.extend(_unit(row) for row in rows)
    return found


def _lot_query() -> sa.Select[Any]:
    return (
        sa.select(
            lots.c.id,
            items.c.code,
            lots.c.lot,
            lots.c.remaining,
            lots.c.on_hold,
            lots.c.rejected,
        )
        .select_from(lots.join(items, lots.c.item_id == items.c.id))
        .with_for_update(of=lots)
    )


def lots_by_key(
    conn: Connection, tenant_id: int, keys: Iterable[tuple[str, str]]
) -> list[LotState]:
    """The lots named by (item code, lot number)."""
    found: list[LotState] = []
    for chunk in _chunks(keys):
        rows = conn.execute(
            _lot_query().where(
                lots.c.tenant_id == tenant_id, sa.tuple_(items.c.code, lots.c.lot).in_(chunk)
            )
        )
        found.extend(LotState(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows)
    return found


def lots_by_id(conn: Connection, tenant_id: int, ids: Iterable[int]) -> list[LotState]:
    """The lots with these ids."""
    found: list[LotState] = []
    for chunk in _chunks(ids):
        rows = conn.execute(_lot_query().where(lots.c.tenant_id == tenant_id, lots.c.id.in_(chunk)))
        found.extend(LotState(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows)
    return found


@dataclass(frozen=True, slots=True)
class BindingRow:
    """A live edge as stored, before its ends are linked to loaded units and lots."""

    id: int
    parent_id: int
    child_kind: Kind
    child_id: int
    item_code: str
    quantity: Decimal
    operation: str | None
    station_id: int | None
    operator_id: int | None
    bound_at: Any


def _binding_query() -> sa.Select[Any]:
    return sa.select(
        bindings.c.id,
        bindings.c.parent_id,
        bindings.c.child_kind,
        bindings.c.child_id,
        items.c.code,
        bindings.c.quantity,
        bindings.c.operation_code,
        bindings.c.station_id,
        bindings.c.operator_id,
        bindings.c.bound_at,
    ).select_from(bindings.join(items, bindings.c.item_id == items.c.id))


def live_bindings_of_parents(
    conn: Connection, tenant_id: int, parent_ids: Iterable[int]
) -> list[BindingRow]:
    """Live edges into these units."""
    found: list[BindingRow] = []
    for chunk in _chunks(parent_ids):
        rows = conn.execute(
            _binding_query().where(
                bindings.c.tenant_id == tenant_id,
                bindings.c.parent_kind == Kind.UNIT.value,
                bindings.c.parent_id.in_(chunk),
                bindings.c.unbound_at.is_(None),
            )
        )
        found.extend(_binding_row(row) for row in rows)
    return found


def live_bindings_of_units(
    conn: Connection, tenant_id: int, child_ids: Iterable[int]
) -> list[BindingRow]:
    """The live edges that hold these units as parts."""
    found: list[BindingRow] = []
    for chunk in _chunks(child_ids):
        rows = conn.execute(
            _binding_query().where(
                bindings.c.tenant_id == tenant_id,
                bindings.c.child_kind == Kind.UNIT.value,
                bindings.c.child_id.in_(chunk),
                bindings.c.unbound_at.is_(None),
            )
        )
        found.extend(_binding_row(row) for row in rows)
    return found


def _binding_row(row: Any) -> BindingRow:
    return BindingRow(
        row[0], row[1], Kind(row[2]), row[3], row[4], row[5], row[6], row[7], row[8], row[9]
    )


def open_runs(conn: Connection, tenant_id: int, unit_ids: Iterable[int]) -> list[Any]:
    """Started, not completed step runs of these units: (id, unit id, operation, ...)."""
    found: list[Any] = []
    for chunk in _chunks(unit_ids):
        found.extend(
            conn.execute(
                sa.select(
                    step_runs.c.id,
                    step_runs.c.unit_id,
                    step_runs.c.operation_code,
                    step_runs.c.station_id,
                    step_runs.c.operator_id,
                    step_runs.c.started_at,
                ).where(
                    step_runs.c.tenant_id == tenant_id,
                    step_runs.c.unit_id.in_(chunk),
                    step_runs.c.completed_at.is_(None),
                )
            )
        )
    return found


def work_orders_by_code(
    conn: Connection, tenant_id: int, codes: Iterable[str]
) -> list[WorkOrderRow]:
    """Work orders with their pinned versions and how many units are finished."""
    finished = (
        sa.select(sa.func.count())
        .where(
            units.c.work_order_id == work_orders.c.id,
            units.c.status.in_([UnitStatus.COMPLETED.value, UnitStatus.SHIPPED.value]),
        )
        .scalar_subquery()
    )
    bom = boms.alias("bom")
    routing = routings.alias("routing")
    found: list[WorkOrderRow] = []
    for chunk in _chunks(codes):
        rows = conn.execute(
            sa.select(
                work_orders.c.code,
                items.c.code,
                work_orders.c.status,
                work_orders.c.quantity,
                bom.c.version,
                routing.c.version,
                finished,
            )
            .select_from(
                work_orders.join(items, work_orders.c.item_id == items.c.id)
                .outerjoin(bom, work_orders.c.bom_id == bom.c.id)
                .outerjoin(routing, work_orders.c.routing_id == routing.c.id)
            )
            .where(work_orders.c.tenant_id == tenant_id, work_orders.c.code.in_(chunk))
            .with_for_update(of=work_orders)
        )
        found.extend(
            WorkOrderRow(row[0], row[1], Status(row[2]), row[3], row[4], row[5], int(row[6]))
            for row in rows
        )
    return found


# -- writing ----------------------------------------------------------------------------


def item_ids(conn: Connection, tenant_id: int, codes: Iterable[str]) -> dict[str, int]:
    """Surrogate ids of items by code."""
    found: dict[str, int] = {}
    for chunk in _chunks(codes):
        rows = conn.execute(
            sa.select(items.c.code, items.c.id).where(
                items.c.tenant_id == tenant_id, items.c.code.in_(chunk)
            )
        )
        found.update({code: int(item_id) for code, item_id in rows})
    return found


def add_units(
    conn: Connection, tenant_id: int, new: Sequence[UnitState], item_id: dict[str, int], at: Any
) -> None:
    """Store parts registered at their first binding, and give them their ids."""
    if not new:
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
    for chunk in _chunks(unit.serial for unit in new):
        rows = conn.execute(
            sa.select(units.c.item_id, units.c.serial, units.c.id).where(
                units.c.tenant_id == tenant_id, units.c.serial.in_(chunk)
            )
        )
        ids.update({(item, serial): int(unit_id) for item, serial, unit_id in rows})
    for unit in new:
        unit.id = ids[(item_id[unit.item_code], unit.serial)]


def add_bindings(
    conn: Connection, tenant_id: int, new: Sequence[BindingState], item_id: dict[str, int]
) -> None:
    """Store new edges (an edge ended in the same batch is stored ended)."""
    if not new:
        return
    conn.execute(
        sa.insert(bindings),
        [
            {
                "tenant_id": tenant_id,
                "parent_kind": Kind.UNIT.value,
                "parent_id": b.parent.id,
                "child_kind": b.kind.value,
                "child_id": b.child.id,
                "item_id": item_id[b.item_code],
                "quantity": b.quantity,
                "operation_code": b.operation,
                "station_id": b.station_id,
                "operator_id": b.operator_id,
                "bound_at": b.bound_at,
                "unbound_at": b.unbound_at,
                "unbound_reason": b.unbound_reason,
            }
            for b in new
        ],
    )


def end_bindings(conn: Connection, tenant_id: int, ended: Sequence[BindingState]) -> None:
    """Mark stored edges as no longer live."""
    if not ended:
        return
    conn.execute(
        sa.update(bindings)
        .where(bindings.c.tenant_id == tenant_id, bindings.c.id == sa.bindparam("b_id"))
        .values(unbound_at=sa.bindparam("b_at"), unbound_reason=sa.bindparam("b_reason")),
        [{"b_id": b.id, "b_at": b.unbound_at, "b_reason": b.unbound_reason} for b in ended],
    )


def update_units(conn: Connection, tenant_id: int, changed: Sequence[UnitState]) -> None:
    """Write units' new status, operation and shipping facts."""
    if not changed:
        return
    conn.execute(
        sa.update(units)
        .where(units.c.tenant_id == tenant_id, units.c.id == sa.bindparam("b_id"))
        .values(
            status=sa.bindparam("b_status"),
            current_operation=sa.bindparam("b_operation"),
            completed_at=sa.bindparam("b_completed_at"),
            customer=sa.bindparam("b_customer"),
            sales_order=sa.bindparam("b_sales_order"),
            delivery=sa.bindparam("b_delivery"),
            shipped_at=sa.bindparam("b_shipped_at"),
        ),
        [
            {
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
        sa.update(lots)
        .where(lots.c.tenant_id == tenant_id, lots.c.id == sa.bindparam("b_id"))
        .values(remaining=sa.bindparam("b_remaining")),
        [{"b_id": lot.id, "b_remaining": lot.remaining} for lot in changed],
    )


def add_runs(conn: Connection, tenant_id: int, new: Sequence[StepRunState]) -> None:
    """Store new step runs (closed ones with their result)."""
    if not new:
        return
    conn.execute(sa.insert(step_runs), [_run_values(tenant_id, run) for run in new])


def close_runs(conn: Connection, tenant_id: int, closed: Sequence[StepRunState]) -> None:
    """Write the end, result, measurements and defects of stored step runs."""
    if not closed:
        return
    conn.execute(
        sa.update(step_runs)
        .where(step_runs.c.tenant_id == tenant_id, step_runs.c.id == sa.bindparam("b_id"))
        .values(
            completed_at=sa.bindparam("b_completed_at"),
            result=sa.bindparam("b_result"),
            measurements=sa.bindparam("b_measurements", type_=step_runs.c.measurements.type),
            defects=sa.bindparam("b_defects", type_=step_runs.c.defects.type),
        ),
        [
            {
                "b_id": run.id,
                "b_completed_at": run.completed_at,
                "b_result": run.result,
                "b_measurements": run.measurements,
                "b_defects": list(run.defects),
            }
            for run in closed
        ],
    )


def _run_values(tenant_id: int, run: StepRunState) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "unit_id": run.unit.id,
        "operation_code": run.operation,
        "station_id": run.station_id,
        "operator_id": run.operator_id,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "result": run.result,
        "measurements": run.measurements,
        "defects": list(run.defects),
    }


def set_work_order_statuses(
    conn: Connection, tenant_id: int, changed: Iterable[tuple[str, Status]]
) -> None:
    """Move work orders that the floor started or completed."""
    rows = [{"b_code": code, "b_status": status.value} for code, status in changed]
    if rows:
        conn.execute(
            sa.update(work_orders)
            .where(
                work_orders.c.tenant_id == tenant_id, work_orders.c.code == sa.bindparam("b_code")
            )
            .values(status=sa.bindparam("b_status")),
            rows,
        )
