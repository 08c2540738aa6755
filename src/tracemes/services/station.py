"""What a station page shows about a scanned unit, and how it reads a scan."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.engine import Engine

from tracemes import store
from tracemes.domain.characteristics import Characteristic, Kind
from tracemes.domain.errors import NotFoundError
from tracemes.domain.floor import Plan
from tracemes.domain.units import UnitStatus
from tracemes.services.context import Context
from tracemes.services.events import load_floor
from tracemes.services.plans import plans_of


@dataclass(frozen=True, slots=True)
class DuePart:
    """A key part the current operation binds: how many the BOM wants, how many are in."""

    item_code: str
    needed: Decimal
    bound: Decimal

    @property
    def missing(self) -> bool:
        """Still to be scanned."""
        return self.bound < self.needed


@dataclass(frozen=True, slots=True)
class StationUnit:
    """A unit as the operator at a station needs to see it."""

    serial: str
    item_code: str
    work_order: str | None
    status: UnitStatus
    operation: str | None  # the operation it is at or due at next; None when done
    operation_name: str | None
    station: str | None  # where the routing does that operation, if it says
    started: bool
    on_hold: bool
    due: tuple[DuePart, ...]
    checks: tuple[Characteristic, ...] = ()  # what the operation measures

    @property
    def measures_next(self) -> bool:
        """Whether the next thing to do is to enter measurements (step running, parts in)."""
        return (
            self.started
            and any(c.kind is Kind.VARIABLE for c in self.checks)
            and not any(part.missing for part in self.due)
        )


def unit_at(db: Engine, ctx: Context, serial: str) -> StationUnit:
    """A unit made here: where it is in its routing and the key parts still due there."""
    plans = plans_of(db)
    with store.db.reading(db) as conn:
        floor = load_floor(conn, ctx, {serial}, [], plans)
        unit = floor.unit(serial)
        if unit.plan is None:
            raise NotFoundError("unit made here", serial)
        run = floor.open_run(unit)
        parts = floor.live_parts(unit)
    plan = unit.plan
    code = (
        run.operation
        if run is not None
        else _next_operation(unit.status, unit.current_operation, plan)
    )
    operation = plan.get(code) if code else None
    due = []
    if code is not None:
        for requirement in plan.requirements.values():
            if requirement.is_key and requirement.operation == code:
                bound = sum(
                    (b.quantity for b in parts if b.item_code == requirement.item_code), Decimal(0)
                )
                due.append(DuePart(requirement.item_code, requirement.quantity, bound))
    return StationUnit(
        serial=unit.serial,
        item_code=unit.item_code,
        work_order=unit.work_order.code if unit.work_order else None,
        status=unit.status,
        operation=code,
        operation_name=operation.name if operation else None,
        station=operation.station_code if operation else None,
        started=run is not None,
        on_hold=unit.on_hold,
        due=tuple(due),
        checks=operation.checks if operation else (),
    )


def _next_operation(status: UnitStatus, current: str | None, plan: Plan) -> str | None:
    """Where a unit without a running step goes next: its current operation, the first one
    for a unit not yet started, none once it is done."""
    if status in (UnitStatus.COMPLETED, UnitStatus.SHIPPED, UnitStatus.SCRAPPED):
        return None
    return current if current is not None else plan.operations[0].code
