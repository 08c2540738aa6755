"""Unit events that are not steps: scrapping a unit and shipping it to a customer."""

from dataclasses import dataclass

from tracemes.domain.errors import InvalidInputError
from tracemes.domain.floor import Actor, Floor, UnitState, refuse
from tracemes.domain.units import UnitStatus


@dataclass(frozen=True, slots=True)
class ScrapUnit:
    """unit.scrapped: the unit is given up; its parts stay bound until unbound."""

    unit: str
    reason: str


@dataclass(frozen=True, slots=True)
class ShipUnit:
    """unit.shipped: the unit left the factory for a customer."""

    unit: str
    customer: str
    order: str | None = None
    delivery: str | None = None


def scrap(floor: Floor, actor: Actor, event: ScrapUnit) -> None:
    """Scrap a unit that is still in the factory."""
    unit = floor.unit(event.unit)
    if not event.reason.strip():
        raise InvalidInputError("reason", "say why the unit is scrapped")
    if unit.status in (UnitStatus.SCRAPPED, UnitStatus.SHIPPED):
        raise refuse(f"unit {unit.serial} is {unit.status}", f"unit_{unit.status}")
    _check_not_inside(floor, unit)
    run = floor.open_run(unit)
    if run is not None:
        run.completed_at = actor.occurred_at
        run.result = "scrapped"
        floor.finish(run)
    unit.status = UnitStatus.SCRAPPED
    unit.changed = True


def ship(floor: Floor, actor: Actor, event: ShipUnit) -> None:
    """Ship a completed unit that is not on hold."""
    unit = floor.unit(event.unit)
    if not event.customer.strip():
        raise InvalidInputError("customer", "name the customer")
    if unit.status is not UnitStatus.COMPLETED:
        raise refuse(
            f"unit {unit.serial} is {unit.status}; only completed units are shipped",
            "unit_not_completed",
        )
    if unit.on_hold:
        raise refuse(f"unit {unit.serial} is on hold", "unit_on_hold")
    _check_not_inside(floor, unit)
    unit.status = UnitStatus.SHIPPED
    unit.customer = event.customer.strip()
    unit.sales_order = event.order
    unit.delivery = event.delivery
    unit.shipped_at = actor.occurred_at
    unit.changed = True


def _check_not_inside(floor: Floor, unit: UnitState) -> None:
    """A sub-assembly goes wherever the unit holding it goes; unbind it first."""
    holder = floor.holder(unit)
    if holder is not None:
        raise refuse(
            f"unit {unit.serial} is bound in unit {holder.serial}; unbind it first",
            "part_bound_in",
        )
