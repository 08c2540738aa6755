from dataclasses import replace
from decimal import Decimal

import pytest

from tracemes.domain.errors import ConflictError, InvalidInputError, InvalidTransitionError
from tracemes.domain.items import Item, Tracking
from tracemes.domain.units import UnitStatus
from tracemes.domain.work_orders import (
    Status,
    WorkOrder,
    can_move,
    check_cancel,
    check_new_units,
    move,
    new,
    progress,
)

BIKE = Item(code="BIKE", name="Bike", uom="pcs", tracking=Tracking.SERIAL)
STEEL = Item(code="STEEL", name="Steel", uom="kg", tracking=Tracking.LOT)


def a_work_order(status: Status = Status.PLANNED, quantity: int = 10) -> WorkOrder:
    return WorkOrder(
        code="WO-1", item_code="BIKE", quantity=Decimal(quantity), line_code="L1", status=status
    )


def test_the_lifecycle_goes_planned_released_in_progress_completed_closed() -> None:
    order = a_work_order()
    for status in (Status.RELEASED, Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED):
        order = move(order, status)
    assert order.status is Status.CLOSED


def test_a_closed_order_cannot_be_released_again() -> None:
    with pytest.raises(InvalidTransitionError, match="WO-1 is closed; it cannot become released"):
        move(a_work_order(status=Status.CLOSED), Status.RELEASED)


@pytest.mark.parametrize(
    ("start", "to", "allowed"),
    [
        (Status.PLANNED, Status.COMPLETED, False),
        (Status.RELEASED, Status.RELEASED, False),
        (Status.IN_PROGRESS, Status.CLOSED, True),  # closed short
        (Status.IN_PROGRESS, Status.CANCELLED, False),  # work was done: close, not cancel
        (Status.CANCELLED, Status.RELEASED, False),
        (Status.COMPLETED, Status.CLOSED, True),
    ],
)
def test_moves_allowed_and_forbidden(start: Status, to: Status, allowed: bool) -> None:
    assert can_move(start, to) is allowed


def test_an_order_with_started_units_cannot_be_cancelled() -> None:
    with pytest.raises(InvalidTransitionError, match="3 started units; close it instead"):
        check_cancel(a_work_order(Status.RELEASED), started_units=3)
    assert check_cancel(a_work_order(Status.RELEASED), 0).status is Status.CANCELLED


def test_serialised_items_are_ordered_in_whole_units_but_lots_in_any_amount() -> None:
    with pytest.raises(InvalidInputError, match="use a whole number"):
        new("WO-1", BIKE, "2.5", "L1")
    assert new("WO-2", STEEL, "2.5", "L1").quantity == Decimal("2.5")


def test_units_are_added_only_while_the_order_is_on_the_floor() -> None:
    with pytest.raises(InvalidTransitionError, match="units are added once it is released"):
        check_new_units(a_work_order(Status.PLANNED), BIKE, 0, 1)
    check_new_units(a_work_order(Status.RELEASED), BIKE, 0, 1)


def test_live_units_may_not_exceed_the_order_quantity() -> None:
    with pytest.raises(ConflictError, match="is for 10 units and has 8; 3 more") as refusal:
        check_new_units(a_work_order(Status.RELEASED), BIKE, live_units=8, count=3)
    assert refusal.value.code == "quantity_exceeded"


def test_lot_tracked_orders_have_no_units() -> None:
    order = replace(a_work_order(Status.RELEASED), item_code="STEEL")
    with pytest.raises(ConflictError, match="only serialised items have units"):
        check_new_units(order, STEEL, 0, 1)


def test_progress_counts_units_by_status() -> None:
    counts = {
        UnitStatus.QUEUED: 4,
        UnitStatus.IN_PROGRESS: 2,
        UnitStatus.COMPLETED: 3,
        UnitStatus.SHIPPED: 1,
        UnitStatus.SCRAPPED: 1,
    }
    result = progress(a_work_order(Status.IN_PROGRESS), counts)

    assert (result.planned, result.started, result.completed, result.scrapped) == (
        Decimal(10),
        7,
        4,
        1,
    )
