"""Inspection: plans, the inspection lot a receipt opens, samples recorded, the verdict.

A rejected lot is put on hold in the same transaction, extended to every unit it already
went into and that is still in the factory, so nothing more is built from it and nothing
built from it moves on.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain import sampling
from tracemes.domain.characteristics import Characteristic
from tracemes.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tracemes.domain.event_types import EventType
from tracemes.domain.inspection import (
    ClassPlan,
    InspectionPlan,
    LotSummary,
    LotVerdict,
    Sample,
    Stage,
)
from tracemes.domain.lots import Lot
from tracemes.domain.sampling import Switching
from tracemes.domain.trace import AffectedUnit, Location
from tracemes.domain.units import GONE, UnitStatus
from tracemes.services import holds as services_holds
from tracemes.services.context import Context
from tracemes.store.inspection import LotRow

OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
IN_PROCESS = Stage.IN_PROCESS.value
SHIPPED = UnitStatus.SHIPPED.value


@dataclass(frozen=True, slots=True)
class InspectionLot:
    """An inspection of one lot, as the inspector and the API see it."""

    number: str
    plan: InspectionPlan
    item_code: str
    lot: str | None
    work_order: str | None
    supplier: str | None
    lot_size: int
    class_plans: tuple[ClassPlan, ...]
    status: str
    samples: tuple[Sample, ...]
    verdict: LotVerdict | None
    hold_code: str | None
    switching: Switching | None = None  # for a supplier's lot: where the rules stand
    operation: str | None = None  # in-process inspection: where
    units: tuple[str, ...] = ()  # a work order's lot: the serials it covers
    opened_at: datetime | None = None
    decided_at: datetime | None = None

    @property
    def sample_size(self) -> int:
        """How many items to take."""
        return domain.inspection.sample_size(self.class_plans)

    @property
    def counts(self) -> dict[str, tuple[int, int]]:
        """Per defect class: defective items so far, and samples of its n recorded."""
        found = domain.inspection.tally(self.plan, self.class_plans, self.samples)
        return {c.value: numbers for c, numbers in found.items()}

    @property
    def next_index(self) -> int | None:
        """The next sample to record, None when every one is in."""
        return domain.inspection.next_index(self.sample_size, self.samples)


def put_plan(
    db: Engine,
    ctx: Context,
    code: str,
    item_code: str,
    stage: str,
    characteristics: Sequence[Characteristic],
    defects: Sequence[Mapping[str, object]],
    level: str = "II",
    aql_major: object = None,
    aql_minor: object = None,
    full: bool = False,
    operation: str | None = None,
) -> InspectionPlan:
    """Create or replace an inspection plan; lots already open keep the plan they had."""
    plan = domain.inspection.new_plan(
        code,
        item_code,
        stage,
        characteristics,
        defects,
        level,
        aql_major,
        aql_minor,
        full,
        operation,
    )
    with db.begin() as conn:
        _put_plan(conn, ctx, plan)
    return plan


def save_plan(conn: Connection, ctx: Context, plan: InspectionPlan) -> str:
    """Create or replace a plan inside a caller's transaction (Excel import); return what
    happened, and store nothing when the plan is already as given."""
    stored = store.inspection.get_plan(conn, ctx.tenant_id, plan.code)
    if stored == plan:
        return "unchanged"
    _put_plan(conn, ctx, plan)
    return "created" if stored is None else "updated"


def _put_plan(conn: Connection, ctx: Context, plan: InspectionPlan) -> None:
    if store.items.get(conn, ctx.tenant_id, plan.item_code) is None:
        raise NotFoundError("item", plan.item_code)
    if plan.operation is not None:
        routing = store.routings.current(conn, ctx.tenant_id, plan.item_code)
        if routing is None or plan.operation not in {op.code for op in routing.operations}:
            raise InvalidInputError(
                "operation",
                f"{plan.operation} is not an operation of {plan.item_code}'s routing",
                code="unknown_operation",
            )
    store.inspection.put_plan(conn, ctx.tenant_id, plan, ctx.now)
    payload = domain.inspection.plan_as_dict(plan)
    store.ledger.append(conn, ctx.event(EventType.INSPECTION_PLAN_SET, plan.code, payload))


def list_plans(db: Engine, ctx: Context) -> list[InspectionPlan]:
    """Every inspection plan of the company, by code."""
    with store.db.reading(db) as conn:
        return store.inspection.all_plans(conn, ctx.tenant_id)


def get_plan(db: Engine, ctx: Context, code: str) -> InspectionPlan:
    """An inspection plan."""
    with store.db.reading(db) as conn:
        plan = store.inspection.get_plan(conn, ctx.tenant_id, code)
    if plan is None:
        raise NotFoundError("inspection plan", code)
    return plan


def open_for_receipt(conn: Connection, ctx: Context, lot: Lot, lot_id: int) -> str | None:
    """Inside a receipt: open the incoming inspection of the lot when its item has a plan.
    Returns the inspection lot's number."""
    plan = store.inspection.plan_for(conn, ctx.tenant_id, lot.item_code, Stage.INCOMING.value)
    if plan is None:
        return None
    size = max(1, int(lot.quantity.to_integral_value()))
    plans = domain.inspection.class_plans(plan, size)
    number = _next_number(conn, ctx, "IQC")
    store.inspection.add_lot(
        conn, ctx.tenant_id, number, plan, lot_id, lot.supplier, size, plans, ctx.now
    )
    opened = replace(ctx, idempotency_key=None).event(
        EventType.INSPECTION_LOT_OPENED,
        number,
        {"plan": plan.code, "item": lot.item_code, "lot": lot.lot, "lot_size": size},
    )
    store.ledger.append(conn, opened)
    return number


def _next_number(conn: Connection, ctx: Context, kind: str) -> str:
    prefix = f"{kind}{ctx.now:%Y%m%d}-"
    return f"{prefix}{store.inspection.count_lots_starting(conn, ctx.tenant_id, prefix) + 1:03d}"


def open_final(db: Engine, ctx: Context, work_order: str) -> "InspectionLot":
    """Open the final inspection of a work order's finished units (those completed, still
    here and not inspected yet), by the item's final plan."""
    with db.begin() as conn:
        number = open_final_in(conn, ctx, work_order)
        return _full_view(conn, ctx, number)


def open_final_in(conn: Connection, ctx: Context, work_order: str, quiet: bool = False) -> str:
    """The same inside a caller's transaction. `quiet` (an order that just completed): an
    item without a final plan, or an inspection already open, is no error; "" is returned."""
    return _open_for_order(conn, ctx, work_order, None, quiet)


def open_in_process(db: Engine, ctx: Context, work_order: str, operation: str) -> "InspectionLot":
    """Open an in-process inspection (IPQC) at an operation: its lot is the order's units
    that passed the operation since the last such inspection and are still here, sampled
    by the item's in-process plan for that operation."""
    with db.begin() as conn:
        number = _open_for_order(conn, ctx, work_order, operation)
        return _full_view(conn, ctx, number)


def open_number(db: Engine, ctx: Context, work_order: str, operation: str | None) -> str | None:
    """The number of the order's open final inspection (or in-process one at the
    operation), if there is one."""
    with store.db.reading(db) as conn:
        order_id = store.work_orders.id_of(conn, ctx.tenant_id, work_order)
        return store.inspection.open_for_order(conn, ctx.tenant_id, order_id, operation)


def in_process_operations(db: Engine, ctx: Context, item_code: str) -> list[str]:
    """The operations of an item that have an in-process inspection plan."""
    with store.db.reading(db) as conn:
        plans = store.inspection.plans_for(conn, ctx.tenant_id, item_code, IN_PROCESS)
    return sorted({plan.operation for plan in plans if plan.operation})


def _open_for_order(
    conn: Connection, ctx: Context, work_order: str, operation: str | None, quiet: bool = False
) -> str:
    """Open the inspection of a work order's units: final when `operation` is None, else
    in-process at that operation. The lot keeps the units it covers."""
    # the order's row stays locked to the end (PostgreSQL): two inspectors opening the same
    # inspection at once get one lot, not two covering the same units
    locked = store.floor.work_orders_by_code(conn, ctx.tenant_id, [work_order])
    if not locked:
        raise NotFoundError("work order", work_order)
    order = locked[0]
    if operation is not None and not operation.strip():
        raise InvalidInputError("operation", "name the operation to inspect at")
    stage = Stage.FINAL if operation is None else Stage.IN_PROCESS
    what = "final inspection" if operation is None else f"in-process inspection at {operation}"
    plan = store.inspection.plan_for(conn, ctx.tenant_id, order.item_code, stage.value, operation)
    if plan is None:
        if quiet:
            return ""
        raise ConflictError(f"item {order.item_code} has no {what} plan", code="no_inspection_plan")
    order_id = store.work_orders.id_of(conn, ctx.tenant_id, work_order)
    already = store.inspection.open_for_order(conn, ctx.tenant_id, order_id, operation)
    if already is not None:
        if quiet:
            return ""
        raise ConflictError(
            f"{what} {already} of {work_order} is still open", code="inspection_open"
        )
    unit_ids = store.inspection.inspectable_units(conn, ctx.tenant_id, order_id, operation)
    if not unit_ids:
        if quiet:
            return ""
        waiting = "finished unit" if operation is None else f"unit past {operation}"
        raise ConflictError(
            f"no {waiting} of {work_order} waits for {what}", code="nothing_to_inspect"
        )
    plans = domain.inspection.class_plans(plan, len(unit_ids))
    number = _next_number(conn, ctx, "FQC" if operation is None else "IPQC")
    store.inspection.add_lot(
        conn,
        ctx.tenant_id,
        number,
        plan,
        None,
        None,
        len(unit_ids),
        plans,
        ctx.now,
        order_id,
        unit_ids,
    )
    facts = {"plan": plan.code, "item": order.item_code, "work_order": work_order}
    if operation is not None:
        facts["operation"] = operation
    opened = replace(ctx, idempotency_key=None).event(
        EventType.INSPECTION_LOT_OPENED, number, {**facts, "lot_size": len(unit_ids)}
    )
    store.ledger.append(conn, opened)
    return number


def _lot(conn: Connection, ctx: Context, number: str, lock: bool = False) -> LotRow:
    row = store.inspection.get_lot(conn, ctx.tenant_id, number, lock)
    if row is None:
        raise NotFoundError("inspection lot", number)
    return row


def _switching(conn: Connection, ctx: Context, row: LotRow) -> Switching | None:
    """The switching state for this lot's supplier and item, from the lots decided before
    it was opened (clause 9). The state is shown; the plan stays normal while the
    tightened and reduced tables are not available."""
    if row.lot_id is None or not row.supplier:
        return None
    earlier = store.inspection.decided_before(
        conn, ctx.tenant_id, row.item_id, row.supplier, row.id, row.created_at
    )
    return sampling.switching(
        domain.inspection.switching_lot(
            lot.plan, lot.class_plans, lot.lot_size, lot.accepted, lot.verdict
        )
        for lot in earlier
    )


def _view(
    row: LotRow, switching: Switching | None = None, serials: Sequence[str] = ()
) -> InspectionLot:
    return InspectionLot(
        number=row.number,
        plan=row.plan,
        item_code=row.plan.item_code,
        lot=row.lot,
        work_order=row.work_order,
        supplier=row.supplier,
        lot_size=row.lot_size,
        class_plans=row.class_plans,
        status=row.status,
        samples=row.samples,
        verdict=row.verdict,
        hold_code=row.hold_code,
        switching=switching,
        operation=row.operation,
        units=tuple(serials),
        opened_at=row.created_at,
        decided_at=row.decided_at,
    )


def _full_view(conn: Connection, ctx: Context, number: str) -> InspectionLot:
    row = _lot(conn, ctx, number)
    covered = store.inspection.lot_units(conn, ctx.tenant_id, row.id)
    return _view(row, _switching(conn, ctx, row), [serial for _, serial, _ in covered])


def get_lot(db: Engine, ctx: Context, number: str) -> InspectionLot:
    """An inspection lot with its samples so far, and for a supplier's lot where the
    switching rules stand."""
    with store.db.reading(db) as conn:
        return _full_view(conn, ctx, number)


def list_lots(
    db: Engine, ctx: Context, status: str | None = None, limit: int | None = None
) -> list[LotSummary]:
    """Inspection lots, newest first: all, or in one status (the inspector's list: open;
    `decided` for accepted and rejected ones), the newest `limit`."""
    with store.db.reading(db) as conn:
        return store.inspection.list_lots(conn, ctx.tenant_id, status, limit)


def record(
    db: Engine,
    ctx: Context,
    number: str,
    samples: Sequence[tuple[str, int, Mapping[str, object], Sequence[str]]],
) -> InspectionLot:
    """Record samples (event id, index, measurements, defect codes). An event id already
    recorded is not booked again; a sample recorded again corrects the earlier record."""
    with db.begin() as conn:
        row = _lot(conn, ctx, number, lock=True)
        known = store.inspection.known_events(conn, ctx.tenant_id, [s[0] for s in samples])
        fresh = [s for s in samples if s[0] not in known]
        if fresh and row.status != OPEN:
            raise ConflictError(
                f"inspection lot {number} is already {row.status}", code="inspection_decided"
            )
        plan = row.plan
        size = domain.inspection.sample_size(row.class_plans)
        checked = [
            (
                event_id,
                domain.inspection.check_sample(
                    plan,
                    size,
                    Sample(
                        index,
                        {
                            code: domain.numbers.measurement(f"measurements.{code}", value)
                            for code, value in measurements.items()
                        },
                        tuple(defects),
                    ),
                ),
            )
            for event_id, index, measurements, defects in fresh
        ]
        if checked:
            store.inspection.add_samples(conn, ctx.tenant_id, row.id, checked, ctx.user_id, ctx.now)
        return _full_view(conn, ctx, number)


def decide(db: Engine, ctx: Context, number: str) -> InspectionLot:
    """Accept or reject the lot by Ac/Re; a rejection holds the lot and the units it went
    into. Deciding again answers the decision already taken."""
    with db.begin() as conn:
        row = _lot(conn, ctx, number, lock=True)
        if row.status != OPEN:
            return _full_view(conn, ctx, number)
        decided = domain.inspection.verdict(row.plan, row.class_plans, row.samples)
        hold_code, shipped = None, None
        if not decided.accepted:
            hold_code, shipped = _reject(conn, ctx, row, "; ".join(decided.reasons))
        verdict = domain.inspection.lot_verdict(decided, shipped)
        status = ACCEPTED if verdict.accepted else REJECTED
        store.inspection.decide(conn, ctx.tenant_id, row.id, status, verdict, hold_code, ctx.now)
        summary = domain.inspection.verdict_as_dict(verdict)
        store.ledger.append(
            conn,
            ctx.event(
                EventType.INSPECTION_LOT_DECIDED,
                number,
                {**summary, "status": status, "hold": hold_code},
            ),
        )
        return _full_view(conn, ctx, number)


def _reject(conn: Connection, ctx: Context, row: LotRow, why: str) -> tuple[str | None, list[str]]:
    """Hold what a rejected lot covers, and what it went into that is still in the factory:
    a received lot and every unit built from it; a work order's inspected units (for
    in-process inspection with whatever they went into since). Returns the hold's code and
    the finished units it reached that were already shipped: those are a recall."""
    number, plan = row.number, row.plan
    hold_ctx = replace(ctx, idempotency_key=None)
    still_here = services_holds.STILL_HERE
    if row.lot is not None and row.lot_id is not None:  # one walk: what to hold and what left
        reached = store.trace.forward(conn, ctx.tenant_id, "lot", row.lot_id)
        hold = services_holds.place_in(
            conn,
            hold_ctx,
            f"rejected by incoming inspection {number}: {why}",
            lots=[(plan.item_code, row.lot)],
            unit_ids=[unit_id for unit_id, a in reached if a.location in still_here],
        )
        return hold.code, _shipped(a for _, a in reached)
    here: dict[int, None] = {}  # ordered, without repeats
    shipped: list[str] = []
    for unit_id, serial, status in store.inspection.lot_units(conn, ctx.tenant_id, row.id):
        above = store.trace.forward(conn, ctx.tenant_id, "unit", unit_id)
        gone = _shipped(a for _, a in above) if above else ([serial] if status == SHIPPED else [])
        shipped += gone
        if not gone and status not in GONE:
            here[unit_id] = None
            if row.operation is not None:  # in-process: what it went into since
                here.update((holder, None) for holder, a in above if a.location in still_here)
    if not here:
        return None, sorted(set(shipped))
    what = "final" if row.operation is None else f"in-process ({row.operation})"
    hold = services_holds.place_in(
        conn, hold_ctx, f"rejected by {what} inspection {number}: {why}", unit_ids=list(here)
    )
    return hold.code, sorted(set(shipped))


def _shipped(reached: Iterable[AffectedUnit]) -> list[str]:
    """The finished units among these that have left for a customer."""
    return sorted(a.unit.serial for a in reached if a.finished and a.location is Location.SHIPPED)
