"""Work orders: how many of an item to make on a line, and their lifecycle."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tracemes.domain import codes, numbers
from tracemes.domain.boms import Bom, key_part_operations
from tracemes.domain.errors import ConflictError, InvalidInputError, InvalidTransitionError
from tracemes.domain.items import Item, Tracking
from tracemes.domain.routings import Routing
from tracemes.domain.units import FINISHED, STARTED, UnitStatus


class Status(StrEnum):
    """Lifecycle of a work order."""

    PLANNED = "planned"
    RELEASED = "released"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


_ALLOWED_MOVES: dict[Status, frozenset[Status]] = {
    Status.PLANNED: frozenset({Status.RELEASED, Status.CANCELLED}),
    Status.RELEASED: frozenset({Status.IN_PROGRESS, Status.CANCELLED}),
    # An order may be closed short: the floor stops it with fewer units than planned.
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.CLOSED}),
    Status.COMPLETED: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# Units may be added while the order is on the floor.
_TAKES_UNITS = frozenset({Status.RELEASED, Status.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class WorkOrder:
    """An order to make `quantity` of an item on a line."""

    code: str
    item_code: str
    quantity: Decimal
    line_code: str
    status: Status = Status.PLANNED
    due_on: date | None = None
    bom_version: int | None = None
    routing_version: int | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """How far an order has come, counted from its units."""

    planned: Decimal
    started: int
    completed: int
    scrapped: int


def new(
    code: str, item: Item, quantity: object, line_code: str, due_on: date | None = None
) -> WorkOrder:
    """Check a new order; serialised items are made in whole units."""
    amount = numbers.quantity("quantity", quantity)
    if item.tracking is Tracking.SERIAL and amount != amount.to_integral():
        raise InvalidInputError("quantity", f"{item.code} is serialised; use a whole number")
    return WorkOrder(
        code=codes.check("code", code),
        item_code=item.code,
        quantity=amount,
        line_code=codes.check("line", line_code),
        due_on=due_on,
    )


def can_move(status: Status, to: Status) -> bool:
    """Whether the lifecycle allows this move."""
    return to in _ALLOWED_MOVES[status]


def move(order: WorkOrder, to: Status) -> WorkOrder:
    """Return the order in its new status, or refuse a move the lifecycle forbids."""
    if not can_move(order.status, to):
        raise InvalidTransitionError(
            f"work order {order.code} is {order.status}; it cannot become {to}"
        )
    return replace(order, status=to)


def check_release(
    order: WorkOrder, bom: Bom | None, routing: Routing | None
) -> tuple[Bom, Routing]:
    """The BOM and routing a released order will be made by; they must exist and agree."""
    if routing is None:
        raise ConflictError(f"item {order.item_code} has no routing", code="no_routing")
    if bom is None:
        raise ConflictError(f"item {order.item_code} has no BOM", code="no_bom")
    key_part_operations(bom, routing.operations)
    return bom, routing


def check_cancel(order: WorkOrder, started_units: int) -> WorkOrder:
    """Cancel an order nobody has worked on yet."""
    cancelled = move(order, Status.CANCELLED)
    if started_units:
        raise InvalidTransitionError(
            f"work order {order.code} has {started_units} started units; close it instead"
        )
    return cancelled


def check_new_units(order: WorkOrder, item: Item, live_units: int, count: int) -> None:
    """Refuse units for an order not on the floor, a non-serial item, or beyond the quantity.

    Scrapped units do not count as live, so replacements can be made for them.
    """
    if item.tracking is not Tracking.SERIAL:
        raise ConflictError(
            f"{item.code} is {item.tracking}-tracked; only serialised items have units",
            code="not_serialised",
        )
    if order.status not in _TAKES_UNITS:
        raise InvalidTransitionError(
            f"work order {order.code} is {order.status}; units are added once it is released"
        )
    if count < 1:
        raise InvalidInputError("count", "must be at least 1")
    if live_units + count > order.quantity:
        raise ConflictError(
            f"work order {order.code} is for {order.quantity} units and has {live_units}; "
            f"{count} more would exceed it",
            code="quantity_exceeded",
        )


def progress(order: WorkOrder, unit_counts: Mapping[UnitStatus, int]) -> Progress:
    """Planned, started, completed and scrapped quantities from unit counts by status."""
    return Progress(
        planned=order.quantity,
        started=sum(n for status, n in unit_counts.items() if status in STARTED),
        completed=sum(n for status, n in unit_counts.items() if status in FINISHED),
        scrapped=unit_counts.get(UnitStatus.SCRAPPED, 0),
    )
