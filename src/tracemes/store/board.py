"""What the line board reads of its units as of now: a line's orders by where their units
are (the day's flow comes from store.rollups). Each is one grouped query on indexed
columns."""

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.units import UnitStatus
from tracemes.domain.work_orders import Status
from tracemes.store.schema import operations, step_runs, units, work_orders

RUNNING = (Status.RELEASED.value, Status.IN_PROGRESS.value)
STARTED = (UnitStatus.IN_PROGRESS.value, UnitStatus.REWORK.value)


def routing_operations(
    conn: Connection, tenant_id: int, line_id: int
) -> list[list[tuple[int, str, str]]]:
    """(seq, code, name) of the routing pinned to each running order of the line."""
    rows = conn.execute(
        sa.select(operations.c.routing_id, operations.c.seq, operations.c.code, operations.c.name)
        .where(
            operations.c.routing_id.in_(
                sa.select(work_orders.c.routing_id).where(
                    work_orders.c.tenant_id == tenant_id,
                    work_orders.c.line_id == line_id,
                    work_orders.c.status.in_(RUNNING),
                )
            )
        )
        .order_by(operations.c.routing_id, operations.c.seq)
    )
    routings: dict[int, list[tuple[int, str, str]]] = {}
    for routing_id, seq, code, name in rows:
        routings.setdefault(routing_id, []).append((seq, code, name))
    return list(routings.values())


def unit_counts(
    conn: Connection, tenant_id: int, line_id: int
) -> list[tuple[str, UnitStatus, int]]:
    """(work order, unit status, count) for every running order of the line."""
    rows = conn.execute(
        sa.select(work_orders.c.code, units.c.status, sa.func.count())
        .select_from(units.join(work_orders, units.c.work_order_id == work_orders.c.id))
        .where(
            work_orders.c.tenant_id == tenant_id,
            work_orders.c.line_id == line_id,
            work_orders.c.status.in_(RUNNING),
            units.c.tenant_id == tenant_id,
        )
        .group_by(work_orders.c.code, units.c.status)
    )
    return [(code, UnitStatus(status), int(n)) for code, status, n in rows]


def positions(conn: Connection, tenant_id: int, line_id: int) -> list[tuple[str, bool, bool, int]]:
    """(operation, running a step there?, on hold?, count) of the line's started units."""
    running = (
        sa.select(step_runs.c.id)
        .where(
            step_runs.c.tenant_id == tenant_id,
            step_runs.c.unit_id == units.c.id,
            step_runs.c.completed_at.is_(None),
        )
        .exists()
    )
    rows = conn.execute(
        sa.select(units.c.current_operation, running, units.c.on_hold, sa.func.count())
        .select_from(units.join(work_orders, units.c.work_order_id == work_orders.c.id))
        .where(
            work_orders.c.tenant_id == tenant_id,
            work_orders.c.line_id == line_id,
            units.c.tenant_id == tenant_id,
            units.c.status.in_(STARTED),
        )
        .group_by(units.c.current_operation, running, units.c.on_hold)
    )
    return [(operation, bool(busy), bool(held), int(n)) for operation, busy, held, n in rows]
