"""Quality figures over a period: decided inspection lots with their samples, and the
measurements behind the charts (the step counts are rollups: store.rollups). Each is one
query bounded by the tenant and the period."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.inspection import InspectionPlan, Sample, plan_from_dict
from tracemes.store.schema import (
    inspection_lots,
    inspection_samples,
    items,
    step_runs,
    units,
)


def _day_of(
    column: Any, bounds: Sequence[datetime], first: int = 0, last: int | None = None
) -> sa.ColumnElement[int]:
    """Which of the days between `bounds` (days `first` .. `last`) an instant falls in, 0
    being the first: CASEs nested as a binary search, so a month costs each row five
    comparisons rather than up to thirty."""
    last = len(bounds) - 2 if last is None else last
    if first == last:
        return sa.literal(first)
    middle = (first + last + 1) // 2  # the first day of the upper half
    return sa.case(
        (column < bounds[middle], _day_of(column, bounds, first, middle - 1)),
        else_=_day_of(column, bounds, middle, last),
    )


def lots_by_day(
    conn: Connection, tenant_id: int, bounds: Sequence[datetime], item_code: str | None = None
) -> list[tuple[int, str, int]]:
    """(day, status, count) of inspection lots decided between the first and last of
    `bounds`, of one item when given."""
    decided = inspection_lots.c.decided_at
    query = sa.select(
        _day_of(decided, bounds).label("day"), inspection_lots.c.status.label("status")
    ).where(inspection_lots.c.tenant_id == tenant_id, decided >= bounds[0], decided < bounds[-1])
    if item_code is not None:
        query = query.join(items, inspection_lots.c.item_id == items.c.id).where(
            items.c.code == item_code
        )
    inner = query.subquery()
    grouped = sa.select(inner.c.day, inner.c.status, sa.func.count()).group_by(
        inner.c.day, inner.c.status
    )
    return [(int(day), status, int(n)) for day, status, n in conn.execute(grouped)]


NO_SUPPLIER = "—"  # how lots received without a supplier are named in the figures


@dataclass(frozen=True, slots=True)
class DecidedLot:
    """A decided inspection lot with the latest record of every sample, in the order the
    samples were first recorded."""

    number: str
    supplier: str | None
    status: str
    plan: InspectionPlan
    samples: tuple[Sample, ...]


def decided_lots(
    conn: Connection,
    tenant_id: int,
    start: datetime,
    end: datetime,
    supplier: str | None = None,
) -> list[DecidedLot]:
    """Inspection lots decided in [start, end) (of one supplier when given; `NO_SUPPLIER`
    for lots without one), each with the latest record of every sample."""
    query = (
        sa.select(
            inspection_lots.c.id,
            inspection_lots.c.number,
            inspection_lots.c.supplier,
            inspection_lots.c.status,
            inspection_lots.c.plan,
        )
        .where(
            inspection_lots.c.tenant_id == tenant_id,
            inspection_lots.c.decided_at >= start,
            inspection_lots.c.decided_at < end,
        )
        .order_by(inspection_lots.c.decided_at, inspection_lots.c.id)
    )
    if supplier is not None:
        named = sa.func.coalesce(inspection_lots.c.supplier, NO_SUPPLIER)
        query = query.where(named == supplier)
    lots = list(conn.execute(query))
    if not lots:
        return []
    samples: dict[int, dict[int, Sample]] = {}
    for lot_id, index, measured, defects in conn.execute(
        sa.select(
            inspection_samples.c.inspection_lot_id,
            inspection_samples.c.sample_index,
            inspection_samples.c.measurements,
            inspection_samples.c.defects,
        )
        .where(
            inspection_samples.c.tenant_id == tenant_id,
            inspection_samples.c.inspection_lot_id.in_([lot.id for lot in lots]),
        )
        .order_by(inspection_samples.c.id)
    ):
        values = {code: Decimal(value) for code, value in measured.items()}
        samples.setdefault(lot_id, {})[index] = Sample(index, values, tuple(defects))  # latest
    return [
        DecidedLot(
            number=lot.number,
            supplier=lot.supplier,
            status=lot.status,
            plan=plan_from_dict(lot.plan),
            samples=tuple(samples.get(lot.id, {}).values()),
        )
        for lot in lots
    ]


def measured(
    conn: Connection,
    tenant_id: int,
    item_code: str,
    operation: str,
    start: datetime,
    end: datetime,
) -> list[tuple[str, dict[str, Any]]]:
    """(serial, measurements) of an item's steps at an operation that ended in [start, end)
    with something measured, in the order they ended."""
    # The measurements stay a dict: a step run's JSON column of whatever the routing's
    # checks measured (characteristic code -> value), read by the code the chart asks for.
    rows = conn.execute(
        sa.select(units.c.serial, step_runs.c.measurements)
        .select_from(
            step_runs.join(units, step_runs.c.unit_id == units.c.id).join(
                items, units.c.item_id == items.c.id
            )
        )
        .where(
            step_runs.c.tenant_id == tenant_id,
            items.c.code == item_code,
            step_runs.c.operation_code == operation,
            step_runs.c.completed_at >= start,
            step_runs.c.completed_at < end,
            step_runs.c.measurements.is_not(None),
        )
        .order_by(step_runs.c.completed_at, step_runs.c.id)
    )
    return [(serial, values) for serial, values in rows if values]


def sampled(
    conn: Connection, tenant_id: int, item_code: str, start: datetime, end: datetime
) -> list[tuple[str, str, int, dict[str, str]]]:
    """(inspection lot, plan code, sample index, measurements) of an item's inspection
    samples recorded in [start, end): the latest record of each sample, lot by lot in the
    order the lots opened, samples in index order."""
    rows = conn.execute(
        sa.select(
            inspection_lots.c.number,
            inspection_lots.c.plan,
            inspection_samples.c.sample_index,
            inspection_samples.c.measurements,
        )
        .select_from(
            inspection_samples.join(
                inspection_lots,
                inspection_lots.c.id == inspection_samples.c.inspection_lot_id,
            ).join(items, items.c.id == inspection_lots.c.item_id)
        )
        .where(
            inspection_samples.c.tenant_id == tenant_id,
            items.c.code == item_code,
            inspection_samples.c.recorded_at >= start,
            inspection_samples.c.recorded_at < end,
        )
        .order_by(inspection_lots.c.id, inspection_samples.c.sample_index, inspection_samples.c.id)
    )
    latest: dict[tuple[str, int], tuple[str, str, int, dict[str, str]]] = {}
    for number, plan, index, measured in rows:
        latest[(number, index)] = (number, plan["code"], index, measured)  # a correction wins
    return list(latest.values())
