"""Inspection plans, inspection lots and the samples recorded on them."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.holds import Disposition
from tracemes.domain.inspection import (
    ClassPlan,
    DefectClass,
    InspectionPlan,
    LotSummary,
    LotVerdict,
    Sample,
    Stage,
    verdict_as_dict,
    verdict_from_dict,
)
from tracemes.domain.inspection import plan_as_dict as _plan_dict
from tracemes.domain.inspection import plan_from_dict as _plan_of
from tracemes.domain.units import GONE
from tracemes.store import items as store_items
from tracemes.store.schema import (
    holds,
    inspection_lot_units,
    inspection_lots,
    inspection_plans,
    inspection_samples,
    items,
    lots,
    step_runs,
    units,
    work_orders,
)


@dataclass(frozen=True, slots=True)
class LotRow:
    """An inspection lot as stored: its plan and class plans as they were when it opened,
    its subject (a received lot, or a work order's units), and the latest record of each
    sample, in index order."""

    id: int
    number: str
    item_id: int
    lot_id: int | None
    lot: str | None
    work_order: str | None
    operation: str | None
    supplier: str | None
    lot_size: int
    plan: InspectionPlan
    class_plans: tuple[ClassPlan, ...]
    status: str
    verdict: LotVerdict | None
    hold_code: str | None
    created_at: datetime
    decided_at: datetime | None
    samples: tuple[Sample, ...]


@dataclass(frozen=True, slots=True)
class DecidedLot:
    """An earlier decided lot, as the switching rules look back on it."""

    accepted: bool
    plan: InspectionPlan
    class_plans: tuple[ClassPlan, ...]
    lot_size: int
    verdict: LotVerdict | None


def _class_plans(stored: Sequence[Mapping[str, Any]]) -> tuple[ClassPlan, ...]:
    """The class plans as `add_lot` stored them."""
    return tuple(ClassPlan(DefectClass(p["class"]), p["n"], p["ac"], p["re"]) for p in stored)


def _verdict(stored: Mapping[str, Any] | None) -> LotVerdict | None:
    return None if stored is None else verdict_from_dict(stored)


def put_plan(conn: Connection, tenant_id: int, plan: InspectionPlan, now: datetime) -> None:
    """Store a plan, replacing the one with its code (open lots keep their own copy)."""
    values = {
        "item_id": store_items.id_of(conn, tenant_id, plan.item_code),
        "stage": plan.stage.value,
        "plan": _plan_dict(plan),
        "updated_at": now,
    }
    updated = conn.execute(
        sa.update(inspection_plans)
        .where(inspection_plans.c.tenant_id == tenant_id, inspection_plans.c.code == plan.code)
        .values(**values)
    )
    if updated.rowcount == 0:
        conn.execute(
            sa.insert(inspection_plans).values(tenant_id=tenant_id, code=plan.code, **values)
        )


def get_plan(conn: Connection, tenant_id: int, code: str) -> InspectionPlan | None:
    """The plan with this code."""
    stored = conn.execute(
        sa.select(inspection_plans.c.plan).where(
            inspection_plans.c.tenant_id == tenant_id, inspection_plans.c.code == code
        )
    ).scalar_one_or_none()
    return None if stored is None else _plan_of(stored)


def all_plans(conn: Connection, tenant_id: int) -> list[InspectionPlan]:
    """Every inspection plan of the tenant, by code."""
    stored = conn.execute(
        sa.select(inspection_plans.c.plan)
        .where(inspection_plans.c.tenant_id == tenant_id)
        .order_by(inspection_plans.c.code)
    ).scalars()
    return [_plan_of(plan) for plan in stored]


def plans_for(conn: Connection, tenant_id: int, item_code: str, stage: str) -> list[InspectionPlan]:
    """The item's plans for a stage, by code (in-process plans: one or more per operation)."""
    stored = conn.execute(
        sa.select(inspection_plans.c.plan)
        .select_from(inspection_plans.join(items, inspection_plans.c.item_id == items.c.id))
        .where(
            inspection_plans.c.tenant_id == tenant_id,
            items.c.code == item_code,
            inspection_plans.c.stage == stage,
        )
        .order_by(inspection_plans.c.code)
    ).scalars()
    return [_plan_of(plan) for plan in stored]


def plan_for(
    conn: Connection, tenant_id: int, item_code: str, stage: str, operation: str | None = None
) -> InspectionPlan | None:
    """The item's plan for a stage, at an operation for in-process inspection (the first
    by code, when there are several)."""
    found = plans_for(conn, tenant_id, item_code, stage)
    if stage != Stage.IN_PROCESS.value:
        return found[0] if found else None
    return next((plan for plan in found if plan.operation == operation), None)


def add_lot(
    conn: Connection,
    tenant_id: int,
    number: str,
    plan: InspectionPlan,
    lot_id: int | None,
    supplier: str | None,
    lot_size: int,
    plans: Sequence[ClassPlan],
    now: datetime,
    work_order_id: int | None = None,
    unit_ids: Sequence[int] = (),
) -> None:
    """Open an inspection lot: of a received lot, or of units of a work order (its
    finished units, or those past an in-process plan's operation), which it keeps."""
    lot_row_id = conn.execute(
        sa.insert(inspection_lots)
        .values(
            tenant_id=tenant_id,
            number=number,
            item_id=store_items.id_of(conn, tenant_id, plan.item_code),
            lot_id=lot_id,
            work_order_id=work_order_id,
            operation=plan.operation if plan.stage is Stage.IN_PROCESS else None,
            supplier=supplier,
            lot_size=lot_size,
            plan=_plan_dict(plan),
            class_plans=[
                {"class": p.defect_class.value, "n": p.sample_size, "ac": p.ac, "re": p.re}
                for p in plans
            ],
            status="open",
            created_at=now,
        )
        .returning(inspection_lots.c.id)
    ).scalar_one()
    if unit_ids:
        conn.execute(
            sa.insert(inspection_lot_units),
            [
                {"tenant_id": tenant_id, "inspection_lot_id": lot_row_id, "unit_id": unit_id}
                for unit_id in unit_ids
            ],
        )


def count_lots_starting(conn: Connection, tenant_id: int, prefix: str) -> int:
    """How many inspection lots have a number with this prefix (for the next number)."""
    return int(
        conn.execute(
            sa.select(sa.func.count()).where(
                inspection_lots.c.tenant_id == tenant_id,
                inspection_lots.c.number.like(prefix + "%"),
            )
        ).scalar_one()
    )


def get_lot(conn: Connection, tenant_id: int, number: str, lock: bool = False) -> LotRow | None:
    """An inspection lot with its plan, class plans, subject lot and the latest record of
    each sample; `lock` keeps it for this transaction (PostgreSQL)."""
    query = (
        sa.select(
            inspection_lots,
            lots.c.lot.label("lot"),
            work_orders.c.code.label("work_order"),
        )
        .select_from(
            inspection_lots.outerjoin(lots, inspection_lots.c.lot_id == lots.c.id).outerjoin(
                work_orders, inspection_lots.c.work_order_id == work_orders.c.id
            )
        )
        .where(inspection_lots.c.tenant_id == tenant_id, inspection_lots.c.number == number)
    )
    if lock:
        query = query.with_for_update(of=inspection_lots)
    row = conn.execute(query).mappings().one_or_none()
    if row is None:
        return None
    samples: dict[int, Sample] = {}
    for index, measured, defects in conn.execute(
        sa.select(
            inspection_samples.c.sample_index,
            inspection_samples.c.measurements,
            inspection_samples.c.defects,
        )
        .where(
            inspection_samples.c.tenant_id == tenant_id,
            inspection_samples.c.inspection_lot_id == row["id"],
        )
        .order_by(inspection_samples.c.id)
    ):
        measurements = {code: Decimal(value) for code, value in measured.items()}
        samples[index] = Sample(index, measurements, tuple(defects))  # the latest counts
    return LotRow(
        id=row["id"],
        number=row["number"],
        item_id=row["item_id"],
        lot_id=row["lot_id"],
        lot=row["lot"],
        work_order=row["work_order"],
        operation=row["operation"],
        supplier=row["supplier"],
        lot_size=int(row["lot_size"]),
        plan=_plan_of(row["plan"]),
        class_plans=_class_plans(row["class_plans"]),
        status=row["status"],
        verdict=_verdict(row["verdict"]),
        hold_code=row["hold_code"],
        created_at=row["created_at"],
        decided_at=row["decided_at"],
        samples=tuple(samples[i] for i in sorted(samples)),
    )


def list_lots(
    conn: Connection, tenant_id: int, status: str | None, limit: int | None = None
) -> list[LotSummary]:
    """Inspection lots, newest first, in one status (`decided`: not open) or all."""
    query = (
        sa.select(
            inspection_lots.c.number,
            items.c.code.label("item"),
            lots.c.lot.label("lot"),
            work_orders.c.code.label("work_order"),
            inspection_lots.c.operation,
            inspection_lots.c.supplier,
            inspection_lots.c.lot_size,
            inspection_lots.c.status,
            inspection_lots.c.hold_code,
            inspection_lots.c.created_at,
            inspection_lots.c.decided_at,
        )
        .select_from(
            inspection_lots.join(items, inspection_lots.c.item_id == items.c.id)
            .outerjoin(lots, inspection_lots.c.lot_id == lots.c.id)
            .outerjoin(work_orders, inspection_lots.c.work_order_id == work_orders.c.id)
        )
        .where(inspection_lots.c.tenant_id == tenant_id)
        .order_by(inspection_lots.c.id.desc())
    )
    if status == "decided":
        query = query.where(inspection_lots.c.status != "open")
    elif status:
        query = query.where(inspection_lots.c.status == status)
    return [
        LotSummary(
            number=row.number,
            item=row.item,
            lot=row.lot,
            work_order=row.work_order,
            operation=row.operation,
            supplier=row.supplier,
            lot_size=int(row.lot_size),
            status=row.status,
            hold_code=row.hold_code,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )
        for row in conn.execute(query.limit(limit))
    ]


def _at(operation: str | None) -> sa.ColumnElement[bool]:
    """Lots at this operation (in-process), or final lots when it is None."""
    column = inspection_lots.c.operation
    return column.is_(None) if operation is None else column == operation


def open_for_order(
    conn: Connection, tenant_id: int, work_order_id: int, operation: str | None = None
) -> str | None:
    """The number of the work order's open final inspection (or in-process inspection at
    the operation), if there is one."""
    return conn.execute(
        sa.select(inspection_lots.c.number).where(
            inspection_lots.c.tenant_id == tenant_id,
            inspection_lots.c.work_order_id == work_order_id,
            inspection_lots.c.status == "open",
            _at(operation),
        )
    ).scalar_one_or_none()


def inspectable_units(
    conn: Connection, tenant_id: int, work_order_id: int, operation: str | None
) -> list[int]:
    """A work order's units due for inspection, by id: for final inspection those finished
    and still here; in-process, those still here that passed the operation. Units on hold,
    and units already in an open or accepted lot of the same inspection, or in a rejected
    one released for use as is, are left out (other rejected lots' units come back, e.g.
    after rework, once their hold is released)."""
    used_as_is = sa.select(holds.c.id).where(
        holds.c.tenant_id == tenant_id,
        holds.c.code == inspection_lots.c.hold_code,
        holds.c.disposition == Disposition.USE_AS_IS.value,
    )
    covered = (
        sa.select(inspection_lot_units.c.unit_id)
        .join(inspection_lots, inspection_lots.c.id == inspection_lot_units.c.inspection_lot_id)
        .where(
            inspection_lot_units.c.tenant_id == tenant_id,
            inspection_lot_units.c.unit_id == units.c.id,
            inspection_lots.c.tenant_id == tenant_id,
            inspection_lots.c.work_order_id == work_order_id,
            sa.or_(inspection_lots.c.status.in_(("open", "accepted")), sa.exists(used_as_is)),
            _at(operation),
        )
    )
    query = sa.select(units.c.id).where(
        units.c.tenant_id == tenant_id,
        units.c.work_order_id == work_order_id,
        units.c.on_hold.is_(False),
        ~sa.exists(covered),
    )
    if operation is None:
        query = query.where(units.c.status == "completed")
    else:
        passed = sa.select(step_runs.c.id).where(
            step_runs.c.tenant_id == tenant_id,
            step_runs.c.unit_id == units.c.id,
            step_runs.c.operation_code == operation,
            step_runs.c.result == "pass",
        )
        gone = [status.value for status in GONE]
        query = query.where(units.c.status.notin_(gone), sa.exists(passed))
    return list(conn.execute(query.order_by(units.c.id)).scalars())


def lot_units(conn: Connection, tenant_id: int, lot_row_id: int) -> list[tuple[int, str, str]]:
    """The units an inspection lot covers (id, serial, status now), in the order they were
    made."""
    rows = conn.execute(
        sa.select(units.c.id, units.c.serial, units.c.status)
        .join(inspection_lot_units, inspection_lot_units.c.unit_id == units.c.id)
        .where(
            inspection_lot_units.c.tenant_id == tenant_id,
            inspection_lot_units.c.inspection_lot_id == lot_row_id,
        )
        .order_by(units.c.id)
    )
    return [(unit_id, serial, status) for unit_id, serial, status in rows]


def known_events(conn: Connection, tenant_id: int, event_ids: Sequence[str]) -> set[str]:
    """Which of these sample events are already recorded."""
    if not event_ids:
        return set()
    return set(
        conn.execute(
            sa.select(inspection_samples.c.event_id).where(
                inspection_samples.c.tenant_id == tenant_id,
                inspection_samples.c.event_id.in_(list(event_ids)),
            )
        ).scalars()
    )


def add_samples(
    conn: Connection,
    tenant_id: int,
    lot_row_id: int,
    recorded: Sequence[tuple[str, Sample]],
    inspector_id: int | None,
    now: datetime,
) -> None:
    """Append sample records (a sample recorded again corrects the earlier record)."""
    conn.execute(
        sa.insert(inspection_samples),
        [
            {
                "tenant_id": tenant_id,
                "inspection_lot_id": lot_row_id,
                "event_id": event_id,
                "sample_index": sample.index,
                "measurements": {k: str(v) for k, v in sample.measurements.items()},
                "defects": list(sample.defects),
                "inspector_id": inspector_id,
                "recorded_at": now,
            }
            for event_id, sample in recorded
        ],
    )


def decide(
    conn: Connection,
    tenant_id: int,
    lot_row_id: int,
    status: str,
    verdict: LotVerdict,
    hold_code: str | None,
    now: datetime,
) -> None:
    """Record the decision on an inspection lot."""
    conn.execute(
        sa.update(inspection_lots)
        .where(inspection_lots.c.tenant_id == tenant_id, inspection_lots.c.id == lot_row_id)
        .values(
            status=status, verdict=verdict_as_dict(verdict), hold_code=hold_code, decided_at=now
        )
    )


def decided_before(
    conn: Connection, tenant_id: int, item_id: int, supplier: str, lot_row_id: int, opened: datetime
) -> list[DecidedLot]:
    """A supplier's earlier inspection lots of an item, decided by the time this one was
    opened, oldest first: what the switching rules look back on."""
    rows = conn.execute(
        sa.select(
            inspection_lots.c.status,
            inspection_lots.c.verdict,
            inspection_lots.c.class_plans,
            inspection_lots.c.lot_size,
            inspection_lots.c.plan,
        )
        .where(
            inspection_lots.c.tenant_id == tenant_id,
            inspection_lots.c.item_id == item_id,
            inspection_lots.c.supplier == supplier,
            inspection_lots.c.id < lot_row_id,
            inspection_lots.c.decided_at <= opened,
            inspection_lots.c.status != "open",
        )
        .order_by(inspection_lots.c.decided_at, inspection_lots.c.id)
    )
    return [
        DecidedLot(
            accepted=status == "accepted",
            plan=_plan_of(plan),
            class_plans=_class_plans(class_plans),
            lot_size=int(lot_size),
            verdict=_verdict(verdict),
        )
        for status, verdict, class_plans, lot_size, plan in rows
    ]
