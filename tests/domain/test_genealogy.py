"""Binding rules on an in-memory floor: no database, every refusal with its code."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tracemes.domain.boms import Bom, BomLine
from tracemes.domain.errors import DomainError
from tracemes.domain.floor import (
    Actor,
    BindingState,
    Floor,
    LotState,
    StepRunState,
    UnitState,
    WorkOrderState,
    plan,
)
from tracemes.domain.genealogy import BindPart, ComponentRef, UnbindPart, bind, unbind
from tracemes.domain.items import Tracking
from tracemes.domain.routings import Operation, Routing
from tracemes.domain.shop_floor import apply
from tracemes.domain.unit_events import ScrapUnit, ShipUnit, scrap, ship
from tracemes.domain.units import UnitStatus
from tracemes.domain.work_orders import Status

NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
ACTOR = Actor(NOW)
PLAN = plan(
    Bom(
        "BIKE",
        1,
        (
            BomLine("FRAME", Decimal(1), True, "OP10"),
            BomLine("CELL", Decimal(4), True, "OP10"),
            BomLine("PACK", Decimal(1), True, "OP20"),
        ),
    ),
    Routing(
        "BIKE",
        1,
        (Operation(10, "OP10", "A", Decimal(1)), Operation(20, "OP20", "B", Decimal(1))),
    ),
    {"FRAME": Tracking.SERIAL, "CELL": Tracking.LOT, "PACK": Tracking.SERIAL},
)


def a_bike(**state: object) -> UnitState:
    order = WorkOrderState("WO-1", Status.IN_PROGRESS, Decimal(5), 0)
    fields: dict[str, object] = {
        "status": UnitStatus.IN_PROGRESS,
        "current_operation": "OP10",
        "work_order": order,
        "plan": PLAN,
        **state,
    }
    return UnitState(id=1, serial="BK1", item_code="BIKE", **fields)  # type: ignore[arg-type]


def a_floor(*units: UnitState, lots: tuple[LotState, ...] = ()) -> Floor:
    return Floor(units, lots, (), ())


def code_of(floor: Floor, command: BindPart | UnbindPart) -> str:
    with pytest.raises(DomainError) as refusal:
        apply(floor, ACTOR, command)
    return refusal.value.code


def test_nothing_is_bound_into_a_held_or_bought_in_unit() -> None:
    held = a_bike(on_hold=True)
    bought = UnitState(id=2, serial="BK2", item_code="BIKE", status=UnitStatus.RECEIVED)
    frame = ComponentRef(serial="F1", item="FRAME")

    assert code_of(a_floor(held), BindPart("BK1", frame)) == "unit_on_hold"
    assert code_of(a_floor(bought), BindPart("BK2", frame)) == "not_in_bom"


def test_an_explicit_operation_must_exist_and_match() -> None:
    floor = a_floor(a_bike())
    frame = ComponentRef(serial="F1", item="FRAME")

    assert code_of(floor, BindPart("BK1", frame, "OP99")) == "validation"
    assert code_of(floor, BindPart("BK1", frame, "OP20")) == "wrong_operation"
    bind(floor, ACTOR, BindPart("BK1", frame, "OP10"))


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        (ComponentRef(lot="C-1"), "validation"),  # a lot without its item
        (ComponentRef(), "validation"),  # neither serial nor lot
        (ComponentRef(serial="F1", item="CELL"), "wrong_tracking"),
        (ComponentRef(serial="F1", item="FRAME", quantity=Decimal(2)), "validation"),
        (ComponentRef(item="CELL", lot="C-1", quantity=Decimal(0)), "validation"),
    ],
)
def test_malformed_parts_are_bad_input(ref: ComponentRef, code: str) -> None:
    lot = LotState(id=9, item_code="CELL", lot="C-1", remaining=Decimal(100))
    assert code_of(a_floor(a_bike(), lots=(lot,)), BindPart("BK1", ref)) == code


def test_a_serial_shared_by_two_items_in_the_bom_needs_its_item() -> None:
    frame = UnitState(id=3, serial="X1", item_code="FRAME", status=UnitStatus.RECEIVED)
    pack = UnitState(id=4, serial="X1", item_code="PACK", status=UnitStatus.RECEIVED)
    other = UnitState(id=5, serial="Y1", item_code="SADDLE", status=UnitStatus.RECEIVED)
    floor = a_floor(a_bike(), frame, pack, other)

    assert code_of(floor, BindPart("BK1", ComponentRef(serial="X1"))) == "ambiguous_serial"
    assert code_of(floor, BindPart("BK1", ComponentRef(serial="Y1"))) == "not_in_bom"
    bind(floor, ACTOR, BindPart("BK1", ComponentRef(serial="X1", item="FRAME")))


@pytest.mark.parametrize(
    ("status", "on_hold", "code"),
    [
        (UnitStatus.SCRAPPED, False, "part_scrapped"),
        (UnitStatus.SHIPPED, False, "part_shipped"),
        (UnitStatus.RECEIVED, True, "part_on_hold"),
    ],
)
def test_a_part_must_be_usable(status: UnitStatus, on_hold: bool, code: str) -> None:
    frame = UnitState(id=3, serial="F1", item_code="FRAME", status=status, on_hold=on_hold)

    assert code_of(a_floor(a_bike(), frame), BindPart("BK1", ComponentRef(serial="F1"))) == code


def test_a_rejected_lot_cannot_be_bound() -> None:
    lot = LotState(id=9, item_code="CELL", lot="C-1", remaining=Decimal(100), rejected=True)

    floor = a_floor(a_bike(), lots=(lot,))

    assert code_of(floor, BindPart("BK1", ComponentRef(item="CELL", lot="C-1"))) == "lot_rejected"


def test_unbinding_a_lot_ends_every_live_edge_from_it() -> None:
    lot = LotState(id=9, item_code="CELL", lot="C-1", remaining=Decimal(100))
    bike = a_bike()
    floor = a_floor(bike, lots=(lot,))
    for quantity in (1, 3):
        bind(
            floor,
            ACTOR,
            BindPart("BK1", ComponentRef(item="CELL", lot="C-1", quantity=Decimal(quantity))),
        )

    unbind(floor, ACTOR, UnbindPart("BK1", ComponentRef(item="CELL", lot="C-1"), "wrong cells"))

    assert floor.live_parts(bike) == []
    assert lot.remaining == 96  # drawn stock is not returned: removed cells are scrap


def test_scrapping_closes_an_open_step_and_shipping_needs_a_customer() -> None:
    bike = a_bike()
    floor = Floor([bike], (), (), [StepRunState(7, bike, "OP10", None, None, NOW)])

    scrap(floor, ACTOR, ScrapUnit("BK1", "dropped"))

    assert floor.open_run(bike) is None
    assert floor.closed_runs[0].result == "scrapped"
    with pytest.raises(DomainError, match="is scrapped"):
        scrap(floor, ACTOR, ScrapUnit("BK1", "again"))
    with pytest.raises(DomainError, match="say why"):
        scrap(a_floor(a_bike()), ACTOR, ScrapUnit("BK1", " "))
    done = a_bike(status=UnitStatus.COMPLETED, current_operation=None)
    with pytest.raises(DomainError, match="name the customer"):
        ship(a_floor(done), ACTOR, ShipUnit("BK1", ""))
    with pytest.raises(DomainError, match="on hold"):
        ship(
            a_floor(a_bike(status=UnitStatus.COMPLETED, on_hold=True)), ACTOR, ShipUnit("BK1", "A")
        )


def test_a_binding_of_a_loaded_edge_is_listed_for_writing_when_it_ends() -> None:
    bike = a_bike()
    frame = UnitState(id=3, serial="F1", item_code="FRAME", status=UnitStatus.RECEIVED)
    edge = BindingState(11, bike, frame, "FRAME", Decimal(1), "OP10", None, None, NOW)
    floor = Floor([bike, frame], (), [edge], ())

    unbind(floor, ACTOR, UnbindPart("BK1", ComponentRef(serial="F1"), "cracked"))

    assert floor.ended_bindings == [edge]
    assert floor.live_parent_binding(frame) is None
