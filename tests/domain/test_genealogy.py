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
    assert floor.holder(frame) is None


def test_unbinding_one_part_leaves_every_other_part_bound() -> None:
    """A repair takes out the part named, by serial or by lot, and nothing else."""
    first, second = (
        LotState(id=9, item_code="CELL", lot="C-1", remaining=Decimal(100)),
        LotState(id=10, item_code="CELL", lot="C-2", remaining=Decimal(100)),
    )
    bike = a_bike()
    pack = UnitState(id=4, serial="P1", item_code="PACK", status=UnitStatus.RECEIVED)
    in_pack = BindingState(12, bike, pack, "PACK", Decimal(1), "OP20", None, None, NOW)
    floor = Floor([bike, pack], (first, second), [in_pack], ())
    bind(floor, ACTOR, BindPart("BK1", ComponentRef(serial="F1", item="FRAME")))
    for lot in ("C-1", "C-2"):
        bind(floor, ACTOR, BindPart("BK1", ComponentRef(item="CELL", lot=lot, quantity=D2)))

    unbind(floor, ACTOR, UnbindPart("BK1", ComponentRef(serial="F1"), "cracked"))
    after_frame = sorted(_names(floor, bike))
    unbind(floor, ACTOR, UnbindPart("BK1", ComponentRef(item="CELL", lot="C-1"), "weak"))

    assert after_frame == ["CELL C-1", "CELL C-2", "PACK P1"]
    assert sorted(_names(floor, bike)) == ["CELL C-2", "PACK P1"]
    assert in_pack not in floor.ended_bindings  # nothing ends the loaded edge of P1


def test_a_binding_keeps_where_when_and_by_whom() -> None:
    bike = a_bike()
    floor = a_floor(bike)

    bind(floor, Actor(NOW, 5, 8), BindPart("BK1", ComponentRef(serial="F1", item="FRAME")))

    (edge,) = floor.new_bindings
    assert (edge.station_id, edge.operator_id, edge.bound_at) == (5, 8, NOW)
    assert (edge.item_code, edge.quantity, edge.operation) == ("FRAME", Decimal(1), "OP10")


D2 = Decimal(2)


def _names(floor: Floor, unit: UnitState) -> list[str]:
    return [
        f"{b.item_code} {b.child.serial if isinstance(b.child, UnitState) else b.child.lot}"
        for b in floor.live_parts(unit)
    ]


def _parts() -> list[UnitState | LotState]:
    """What a bike at OP10 may meet: frames in every state, packs, cells and screws."""

    def frame(serial: str, **state: object) -> UnitState:
        fields: dict[str, object] = {"status": UnitStatus.RECEIVED, **state}
        return UnitState(id=None, serial=serial, item_code="FRAME", **fields)  # type: ignore[arg-type]

    made = a_bike().work_order
    return [
        frame("F-SCRAPPED", status=UnitStatus.SCRAPPED),
        frame("F-SHIPPED", status=UnitStatus.SHIPPED),
        frame("F-HELD", on_hold=True),
        frame("F-WIP", status=UnitStatus.IN_PROGRESS, work_order=made, current_operation="W1"),
        frame("F-DONE", status=UnitStatus.COMPLETED, work_order=made),
        frame("X-2"),
        UnitState(id=None, serial="X-2", item_code="PACK", status=UnitStatus.RECEIVED),
        UnitState(id=None, serial="S-1", item_code="SADDLE", status=UnitStatus.RECEIVED),
        LotState(id=20, item_code="CELL", lot="C-4", remaining=Decimal(4)),
        LotState(id=21, item_code="CELL", lot="C-3", remaining=Decimal(3)),
        LotState(id=22, item_code="CELL", lot="C-HELD", remaining=Decimal(9), on_hold=True),
        LotState(id=23, item_code="CELL", lot="C-BAD", remaining=Decimal(9), rejected=True),
        LotState(id=24, item_code="FRAME", lot="F-LOT", remaining=Decimal(9)),
    ]


def _cell(lot: str, quantity: int | None = None) -> ComponentRef:
    return ComponentRef(item="CELL", lot=lot, quantity=None if quantity is None else D(quantity))


D = Decimal


@pytest.mark.parametrize(
    ("command", "code", "field"),
    [
        (UnbindPart("BK1", ComponentRef(serial="F1"), " "), "validation", "reason"),
        (UnbindPart("BK1", ComponentRef(serial="F1"), "loose"), "part_not_bound", None),
        (BindPart("BK1", ComponentRef(lot="C-4")), "validation", "component.item"),
        (BindPart("BK1", ComponentRef(item="FRAME", lot="F-LOT")), "wrong_tracking", "component"),
        (BindPart("BK1", ComponentRef(item="CELL", lot="C-9")), "unknown_lot", "component.lot"),
        (BindPart("BK1", ComponentRef(item="CELL")), "validation", "component"),
        (BindPart("BK1", ComponentRef(serial="Z", item="CELL")), "wrong_tracking", "component"),
        (BindPart("BK1", ComponentRef(serial="NEW")), "unknown_serial", "component.serial"),
        (BindPart("BK1", ComponentRef(serial="S-1")), "not_in_bom", None),
        (BindPart("BK1", ComponentRef(serial="X-2")), "ambiguous_serial", "component.item"),
        (
            BindPart("BK1", ComponentRef(serial="F9", item="FRAME", quantity=D(2))),
            "validation",
            "component.quantity",
        ),
        (BindPart("BK1", _cell("C-4", 0)), "validation", "component.quantity"),
        (BindPart("BK1", _cell("C-4", -1)), "validation", "component.quantity"),
        (BindPart("BK1", _cell("C-4", 5)), "bom_quantity_exceeded", None),
        (BindPart("BK1", _cell("C-3", 4)), "lot_insufficient", None),
        (BindPart("BK1", _cell("C-HELD", 1)), "lot_on_hold", None),
        (BindPart("BK1", _cell("C-BAD", 1)), "lot_rejected", None),
        (BindPart("BK1", ComponentRef(serial="F-SCRAPPED")), "part_scrapped", None),
        (BindPart("BK1", ComponentRef(serial="F-SHIPPED")), "part_shipped", None),
        (BindPart("BK1", ComponentRef(serial="F-HELD")), "part_on_hold", None),
        (BindPart("BK1", ComponentRef(serial="F-WIP")), "part_not_finished", None),
    ],
)
def test_every_refusal_names_its_code_and_field_and_changes_nothing(
    command: BindPart | UnbindPart, code: str, field: str | None
) -> None:
    bike = a_bike()
    parts = _parts()
    floor = Floor(
        [bike, *(p for p in parts if isinstance(p, UnitState))],
        [p for p in parts if isinstance(p, LotState)],
        (),
        (),
    )
    remaining = {p.lot: p.remaining for p in parts if isinstance(p, LotState)}

    with pytest.raises(DomainError) as refused:
        apply(floor, ACTOR, command)

    assert (refused.value.code, getattr(refused.value, "field", None)) == (code, field)
    assert floor.live_parts(bike) == []
    assert floor.new_bindings == []
    assert {p.lot: p.remaining for p in parts if isinstance(p, LotState)} == remaining


def test_exactly_what_is_due_and_exactly_what_is_left_may_be_drawn() -> None:
    parts = _parts()
    lots = [p for p in parts if isinstance(p, LotState)]
    floor = Floor([a_bike(), *(p for p in parts if isinstance(p, UnitState))], lots, (), ())

    drawn = apply(floor, ACTOR, BindPart("BK1", _cell("C-4")))  # what the BOM still needs
    done = apply(floor, ACTOR, BindPart("BK1", ComponentRef(serial="F-DONE")))

    assert isinstance(drawn, BindPart)
    assert isinstance(done, BindPart)
    assert drawn.component.quantity == D(4)
    assert lots[0].remaining == D(0)
    assert done.component.item == "FRAME"
    assert [b.quantity for b in floor.new_bindings] == [D(4), D(1)]


def test_a_binding_is_recorded_as_it_happened() -> None:
    """What the ledger and the tables get from a binding: the part registered once, the
    operation it went in at, the lot drawn down and marked for writing, the reason a part
    came out."""
    known = UnitState(id=5, serial="F-OLD", item_code="FRAME", status=UnitStatus.RECEIVED)
    cells = LotState(id=9, item_code="CELL", lot="C-1", remaining=Decimal(10))
    bike = a_bike(current_operation="OP20")  # a late frame: due at OP10, bound at OP20
    floor = Floor([bike, known], [cells], (), ())

    new = apply(floor, ACTOR, BindPart("BK1", ComponentRef(serial="F-NEW", item="FRAME")))
    drawn = apply(floor, ACTOR, BindPart("BK1", _cell("C-1", 3), "OP10"))
    (registered,) = floor.new_units

    assert (registered.serial, registered.item_code, registered.status) == (
        "F-NEW",
        "FRAME",
        UnitStatus.RECEIVED,
    )
    assert new == BindPart("BK1", ComponentRef("F-NEW", "FRAME", None, D(1)), None)
    assert drawn == BindPart("BK1", ComponentRef(None, "CELL", "C-1", D(3)), "OP10")
    assert [(b.item_code, b.operation) for b in floor.new_bindings] == [
        ("FRAME", "OP20"),
        ("CELL", "OP10"),
    ]
    assert (cells.remaining, cells.changed) == (D(7), True)

    again = Floor([a_bike(), known], (), (), ())
    apply(again, ACTOR, BindPart("BK1", ComponentRef(serial="F-OLD", item="FRAME")))
    (edge,) = again.new_bindings
    assert edge.child is known  # the part in stock, not a second F-OLD
    assert again.new_units == []
    apply(again, ACTOR, UnbindPart("BK1", ComponentRef(serial="F-OLD"), " cracked "))
    assert (edge.unbound_at, edge.unbound_reason) == (NOW, "cracked")


def test_an_emptied_position_of_a_finished_unit_takes_its_part_at_its_operation() -> None:
    frame = UnitState(id=3, serial="F1", item_code="FRAME", status=UnitStatus.RECEIVED)
    done = a_bike(status=UnitStatus.COMPLETED, current_operation=None)
    edge = BindingState(11, done, frame, "FRAME", Decimal(1), "OP10", None, None, NOW)
    floor = Floor([done, frame], (), [edge], ())
    apply(floor, ACTOR, UnbindPart("BK1", ComponentRef(serial="F1"), "cracked"))

    apply(floor, ACTOR, BindPart("BK1", ComponentRef(serial="F2", item="FRAME")))

    (refill,) = floor.new_bindings
    assert isinstance(refill.child, UnitState)
    assert (refill.child.serial, refill.operation) == ("F2", "OP10")
