"""Step execution: a unit starts and completes the operations of its routing in order."""

from dataclasses import dataclass, field
from decimal import Decimal

from tracemes.domain import numbers
from tracemes.domain.characteristics import check_pass
from tracemes.domain.floor import Actor, Floor, StepRunState, UnitState, check_order_open, refuse
from tracemes.domain.units import UnitStatus
from tracemes.domain.work_orders import Status


@dataclass(frozen=True, slots=True)
class StartStep:
    """step.started: a unit begins an operation."""

    unit: str
    operation: str


@dataclass(frozen=True, slots=True)
class CompleteStep:
    """step.completed: a unit passes or fails an operation it started."""

    unit: str
    operation: str
    passed: bool
    measurements: dict[str, float] = field(default_factory=dict)
    defects: tuple[str, ...] = ()


_STOPPED = {
    UnitStatus.SCRAPPED: ("is scrapped", "unit_scrapped"),
    UnitStatus.COMPLETED: ("is already completed", "unit_completed"),
    UnitStatus.SHIPPED: ("has been shipped", "unit_shipped"),
    UnitStatus.RECEIVED: ("is a purchased part with no routing", "not_made_here"),
}


def check_movable(unit: UnitState) -> None:
    """Refuse work on a unit that is finished, scrapped, bought in or on hold."""
    if unit.status in _STOPPED:
        what, code = _STOPPED[unit.status]
        raise refuse(f"unit {unit.serial} {what}", code)
    if unit.on_hold:
        raise refuse(f"unit {unit.serial} is on hold", "unit_on_hold")
    check_order_open(unit)


def start(floor: Floor, actor: Actor, event: StartStep) -> None:
    """Open the unit's current operation; any other operation is out of order."""
    unit = floor.unit(event.unit)
    check_movable(unit)
    assert unit.plan is not None  # only received parts lack a plan, refused above
    unit.plan.seq_of(event.operation)  # an unknown operation is bad input
    running = floor.open_run(unit)
    if running is not None:
        raise refuse(
            f"unit {unit.serial} is already in operation {running.operation}",
            "step_already_started",
        )
    if event.operation != unit.current_operation:
        raise refuse(
            f"unit {unit.serial} is due at {unit.current_operation}, not {event.operation}",
            "wrong_operation",
        )
    floor.start(
        StepRunState(
            id=None,
            unit=unit,
            operation=event.operation,
            station_id=actor.station_id,
            operator_id=actor.operator_id,
            started_at=actor.occurred_at,
        )
    )
    unit.status = UnitStatus.IN_PROGRESS
    unit.changed = True
    order = unit.work_order
    if order is not None and order.status is Status.RELEASED:
        order.status = Status.IN_PROGRESS
        order.changed = True


def complete(floor: Floor, actor: Actor, event: CompleteStep) -> None:
    """Close the step; a pass needs every key part due so far and moves the unit on."""
    unit = floor.unit(event.unit)
    check_movable(unit)
    assert unit.plan is not None
    run = floor.open_run(unit)
    if run is None or run.operation != event.operation:
        raise refuse(
            f"unit {unit.serial} has not started operation {event.operation}", "step_not_started"
        )
    plan = unit.plan
    measured = {
        code: float(numbers.measurement(f"measurements.{code}", value))
        for code, value in event.measurements.items()
    }
    if event.passed:
        missing = _missing_key_parts(floor, unit, event.operation)
        if missing:
            raise refuse(
                f"unit {unit.serial} cannot pass {event.operation}: "
                f"key parts not bound: {', '.join(missing)}",
                "key_part_missing",
            )
        subject = f"unit {unit.serial} at {event.operation}"
        check_pass(plan.get(event.operation).checks, measured, subject)
    run.completed_at = actor.occurred_at
    run.result = "pass" if event.passed else "fail"
    run.measurements = measured
    run.defects = tuple(event.defects)
    floor.finish(run)
    unit.changed = True
    if not event.passed:
        unit.status = UnitStatus.REWORK
        unit.current_operation = plan.get(event.operation).rework_operation or event.operation
        return
    following = plan.after(event.operation)
    if following is not None:
        unit.current_operation = following.code
        return
    unit.status = UnitStatus.COMPLETED
    unit.current_operation = None
    unit.completed_at = actor.occurred_at
    order = unit.work_order
    if order is not None:
        order.finished_units += 1
        order.changed = True
        if order.status is Status.IN_PROGRESS and order.finished_units >= order.quantity:
            order.status = Status.COMPLETED


def _missing_key_parts(floor: Floor, unit: UnitState, operation: str) -> list[str]:
    assert unit.plan is not None
    bound: dict[str, Decimal] = {}
    for binding in floor.live_parts(unit):
        bound[binding.item_code] = bound.get(binding.item_code, Decimal(0)) + binding.quantity
    missing = []
    for req in unit.plan.due_by(operation):
        have = bound.get(req.item_code, Decimal(0))
        if have < req.quantity:
            missing.append(f"{req.item_code} ({have} of {req.quantity})")
    return missing
