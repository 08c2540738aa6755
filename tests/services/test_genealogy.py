"""Binding and unbinding key parts; backward and forward trace through sub-assemblies."""

from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from tests.factories import Plant, accept, build_bike, build_pack, make_plant, send
from tracemes import services
from tracemes.domain.errors import DomainError, NotFoundError
from tracemes.domain.genealogy import BindPart, ComponentRef, UnbindPart
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.trace import Location, Node
from tracemes.domain.unit_events import ScrapUnit, ShipUnit
from tracemes.services.context import Context


def refused(db: Engine, ctx: Context, *commands: object) -> DomainError:
    """The refusal of the last event (earlier ones must be accepted)."""
    outcomes = send(db, ctx, *commands)  # type: ignore[arg-type]
    assert all(o.error is None for o in outcomes[:-1]), [o.error for o in outcomes]
    error = outcomes[-1].error
    assert error is not None, "the last event was accepted"
    return error


def at_op20(db: Engine, ctx: Context, bike: str, frame: str = "F-1") -> None:
    accept(
        db,
        ctx,
        StartStep(bike, "OP10"),
        BindPart(bike, ComponentRef(serial=frame, item="FRAME")),
        CompleteStep(bike, "OP10", True),
        StartStep(bike, "OP20"),
    )


def parts(nodes: tuple[Node, ...], depth: int = 0) -> list[tuple[int, str, str]]:
    """The tree flattened: (depth, item, serial or lot)."""
    found = []
    for node in nodes:
        edge = node.edge
        found.append((depth, edge.item_code, edge.serial or edge.lot or ""))
        found.extend(parts(node.children, depth + 1))
    return found


def lot_left(db: Engine, ctx: Context, item: str, lot: str) -> Decimal:
    return services.lots.get(db, ctx, item, lot).remaining


def test_a_part_not_in_the_bom_is_refused(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]

    error = refused(db, ctx, BindPart(bike, ComponentRef(item="CELL", lot="C-1")))

    assert error.code == "not_in_bom"
    assert "CELL is not in the BOM of BIKE" in str(error)


def test_a_key_part_goes_in_at_its_operation_not_before(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    accept(db, ctx, StartStep(bike, "OP10"))

    error = refused(db, ctx, BindPart(bike, ComponentRef(serial="M-1", item="MOTOR")))

    assert error.code == "wrong_operation"
    assert "MOTOR is bound at OP20; unit BK0001 is at OP10" in str(error)


def test_a_serial_lives_in_one_unit_only(db: Engine, ctx: Context) -> None:
    first, second = make_plant(db, ctx, bikes=2).bikes
    at_op20(db, ctx, first, "F-1")

    error = refused(
        db,
        ctx,
        StartStep(second, "OP10"),
        BindPart(second, ComponentRef(serial="F-1", item="FRAME")),
    )

    assert error.code == "part_already_bound"
    assert f"FRAME F-1 is already bound in unit {first}" in str(error)


def test_more_than_the_bom_quantity_is_refused(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    at_op20(db, ctx, bike)

    error = refused(
        db,
        ctx,
        BindPart(bike, ComponentRef(item="SCREW", lot="S-1", quantity=Decimal(3))),
        BindPart(bike, ComponentRef(item="SCREW", lot="S-1", quantity=Decimal(2))),
    )

    assert error.code == "bom_quantity_exceeded"
    assert lot_left(db, ctx, "SCREW", "S-1") == 997


def test_a_lot_is_drawn_down_and_never_below_zero(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, packs=2)
    services.lots.receive(db, ctx, "CELL", "C-SMALL", 6)
    first, second = plant.packs

    accept(
        db, ctx, StartStep(first, "P10"), BindPart(first, ComponentRef(item="CELL", lot="C-SMALL"))
    )
    error = refused(
        db,
        ctx,
        StartStep(second, "P10"),
        BindPart(second, ComponentRef(item="CELL", lot="C-SMALL")),
    )

    assert error.code == "lot_insufficient"
    assert "has 2 left; 4 asked" in str(error)
    assert lot_left(db, ctx, "CELL", "C-SMALL") == 2


def test_a_lot_on_hold_cannot_be_bound(db: Engine, ctx: Context) -> None:
    pack = make_plant(db, ctx).packs[0]
    services.holds.place(db, ctx, "cell capacity low", lots=[("CELL", "C-1")])

    error = refused(
        db, ctx, StartStep(pack, "P10"), BindPart(pack, ComponentRef(item="CELL", lot="C-1"))
    )

    assert error.code == "lot_on_hold"
    assert lot_left(db, ctx, "CELL", "C-1") == 100


def test_a_serial_or_lot_of_the_wrong_kind_is_refused(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    accept(db, ctx, StartStep(bike, "OP10"))

    assert refused(db, ctx, BindPart(bike, ComponentRef(item="FRAME", lot="L"))).code == (
        "wrong_tracking"
    )
    assert refused(db, ctx, BindPart(bike, ComponentRef(item="X", lot="L"))).code == "not_in_bom"
    assert refused(db, ctx, BindPart(bike, ComponentRef(item="SCREW", lot="NOPE"))).code == (
        "unknown_lot"
    )


def test_an_unknown_serial_needs_its_item_to_be_registered(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    accept(db, ctx, StartStep(bike, "OP10"))

    assert refused(db, ctx, BindPart(bike, ComponentRef(serial="F-NEW"))).code == "unknown_serial"
    accept(db, ctx, BindPart(bike, ComponentRef(serial="F-NEW", item="FRAME")))

    frame = services.trace.backward(db, ctx, bike).parts[0].edge
    assert (frame.item_code, frame.serial, frame.status, frame.operation) == (
        "FRAME",
        "F-NEW",
        "received",
        "OP10",
    )


def test_a_received_serial_binds_by_serial_alone_and_shows_its_supplier(
    db: Engine, ctx: Context
) -> None:
    bike = make_plant(db, ctx).bikes[0]
    services.lots.receive_serials(db, ctx, "MOTOR", ["M-100", "M-101"], "Bafang", "B-26-11")
    at_op20(db, ctx, bike)

    accept(db, ctx, BindPart(bike, ComponentRef(serial="M-101")))

    edges = [n.edge for n in services.trace.backward(db, ctx, bike).parts]
    motor = next(edge for edge in edges if edge.item_code == "MOTOR")
    assert (motor.serial, motor.supplier, motor.supplier_lot) == ("M-101", "Bafang", "B-26-11")


def test_a_sub_assembly_must_be_finished_before_it_is_bound(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    bike = plant.bikes[0]
    at_op20(db, ctx, bike)
    accept(
        db,
        ctx,
        BindPart(bike, ComponentRef(serial="M-1", item="MOTOR")),
        BindPart(bike, ComponentRef(item="SCREW", lot="S-1")),
        CompleteStep(bike, "OP20", True),
        StartStep(bike, "OP30"),
    )

    error = refused(db, ctx, BindPart(bike, ComponentRef(serial=plant.packs[0])))

    assert error.code == "part_not_finished"
    build_pack(db, ctx, plant.packs[0])
    accept(db, ctx, BindPart(bike, ComponentRef(serial=plant.packs[0])))


def test_the_backward_trace_has_three_levels(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)

    found = services.trace.backward(db, ctx, plant.bikes[0])

    assert parts(found.parts) == [
        (0, "FRAME", "F-1"),
        (0, "MOTOR", "M-1"),
        (0, "PACK", plant.packs[0]),
        (1, "CELL", "C-1"),
        (0, "SCREW", "S-1"),
    ]
    cells = found.parts[2].children[0].edge
    assert (cells.quantity, cells.operation, cells.supplier) == (
        Decimal(4),
        "P10",
        "CELL supplier",
    )
    assert {run.serial for run in found.step_runs} == {plant.bikes[0], plant.packs[0]}


def test_unbinding_needs_a_reason_and_keeps_the_history(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    at_op20(db, ctx, bike, "F-1")

    assert refused(db, ctx, UnbindPart(bike, ComponentRef(serial="F-1"), " ")).code == (
        "validation"
    )
    accept(db, ctx, UnbindPart(bike, ComponentRef(serial="F-1"), "cracked weld"))
    assert refused(db, ctx, UnbindPart(bike, ComponentRef(serial="F-1"), "again")).code == (
        "part_not_bound"
    )
    assert refused(db, ctx, CompleteStep(bike, "OP20", True)).code == "key_part_missing"

    accept(db, ctx, BindPart(bike, ComponentRef(serial="F-2", item="FRAME")))  # a replacement

    assert parts(services.trace.backward(db, ctx, bike).parts) == [(0, "FRAME", "F-2")]
    history = services.trace.history(db, ctx, bike)
    assert [e.type for e in history][-2:] == ["part.unbound", "part.bound"]
    assert history[-2].payload["reason"] == "cracked weld"
    frame_history = services.trace.history(db, ctx, "F-1")
    assert [e.type for e in frame_history] == ["part.bound", "part.unbound"]


def test_a_removed_part_can_go_into_another_unit(db: Engine, ctx: Context) -> None:
    first, second = make_plant(db, ctx, bikes=2).bikes
    at_op20(db, ctx, first, "F-1")
    accept(db, ctx, UnbindPart(first, ComponentRef(serial="F-1"), "wrong colour"))

    accept(db, ctx, StartStep(second, "OP10"), BindPart(second, ComponentRef(serial="F-1")))

    assert services.trace.where_used_serial(db, ctx, "F-1").units[0].unit.serial == second


def test_a_shipped_unit_can_be_repaired(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    bike = plant.bikes[0]
    build_bike(db, ctx, bike, plant.packs[0], 1)
    accept(db, ctx, ShipUnit(bike, "Shop A"))

    assert refused(db, ctx, BindPart(bike, ComponentRef(serial="M-2", item="MOTOR"))).code == (
        "bom_quantity_exceeded"
    )
    accept(
        db,
        ctx,
        UnbindPart(bike, ComponentRef(serial="M-1"), "returned: motor noise"),
        BindPart(bike, ComponentRef(serial="M-2", item="MOTOR")),
    )

    edges = [n.edge for n in services.trace.backward(db, ctx, bike).parts]
    assert [e.serial for e in edges if e.item_code == "MOTOR"] == ["M-2"]


def test_a_scrapped_unit_takes_no_parts(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    accept(db, ctx, ScrapUnit(bike, "frame bent"))

    assert refused(db, ctx, BindPart(bike, ComponentRef(serial="F-1", item="FRAME"))).code == (
        "unit_scrapped"
    )


def built(db: Engine, ctx: Context, bikes: int) -> Plant:
    """Packs of lot C-1 in every bike; the first bike shipped, the last (of several) scrapped."""
    plant = make_plant(db, ctx, bikes=bikes, packs=bikes)
    for n, (bike, pack) in enumerate(zip(plant.bikes, plant.packs, strict=True), start=1):
        build_pack(db, ctx, pack)
        build_bike(db, ctx, bike, pack, n)
    accept(db, ctx, ShipUnit(plant.bikes[0], "Velo Shop", "SO-1", "DN-1"))
    if bikes > 1:
        accept(db, ctx, ScrapUnit(plant.bikes[-1], "crash test"))
    return plant


def test_forward_trace_from_a_cell_lot_reaches_every_bike_through_its_pack(
    db: Engine, ctx: Context
) -> None:
    plant = built(db, ctx, bikes=3)

    found = services.trace.where_used_lot(db, ctx, "CELL", "C-1")

    assert [u.unit.serial for u in found.finished] == plant.bikes
    assert {u.unit.serial for u in found.units if not u.finished} == set(plant.packs)
    assert found.counts() == {
        Location.IN_WORK: 0,
        Location.IN_STOCK: 1,
        Location.SHIPPED: 1,
        Location.SCRAPPED: 1,
    }
    shipped = found.finished[0].unit
    assert (shipped.customer, shipped.sales_order, shipped.delivery) == (
        "Velo Shop",
        "SO-1",
        "DN-1",
    )
    assert services.trace.where_used_lot(db, ctx, "CELL", "C-2").units == []


def test_forward_trace_from_a_serial_climbs_to_the_finished_unit(db: Engine, ctx: Context) -> None:
    plant = built(db, ctx, bikes=1)

    found = services.trace.where_used_serial(db, ctx, plant.packs[0])

    assert [(u.unit.serial, u.finished, u.depth) for u in found.units] == [
        (plant.bikes[0], True, 1)
    ]
    with pytest.raises(NotFoundError):
        services.trace.where_used_serial(db, ctx, "NOPE")


def test_trace_of_another_tenant_is_not_found(db: Engine, ctx: Context, other_ctx: Context) -> None:
    plant = built(db, ctx, bikes=1)

    with pytest.raises(NotFoundError):
        services.trace.backward(db, other_ctx, plant.bikes[0])
    with pytest.raises(NotFoundError):
        services.trace.where_used_lot(db, other_ctx, "CELL", "C-1")
    with pytest.raises(NotFoundError):
        services.trace.history(db, other_ctx, plant.bikes[0])


def test_a_hold_extended_to_where_used_stops_units_still_in_the_factory(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=3, packs=4)
    for n, bike in enumerate(plant.bikes[:2], start=1):
        build_pack(db, ctx, plant.packs[n - 1])
        build_bike(db, ctx, bike, plant.packs[n - 1], n)
    accept(db, ctx, ShipUnit(plant.bikes[0], "Shop A"))
    accept(
        db,
        ctx,
        StartStep(plant.packs[2], "P10"),
        BindPart(plant.packs[2], ComponentRef(item="CELL", lot="C-1")),
    )

    hold = services.holds.place(
        db,
        ctx,
        "cell lot C-1 fails capacity test",
        lots=[("CELL", "C-1")],
        extend_to_where_used=True,
    )

    assert hold.lots == (("CELL", "C-1"),)
    # Not the shipped bike, nor the pack inside it: they are with the customer.
    assert set(hold.units) == {plant.packs[1], plant.packs[2], plant.bikes[1]}
    assert services.trace.backward(db, ctx, plant.bikes[1]).unit.on_hold
    assert not services.trace.backward(db, ctx, plant.bikes[0]).unit.on_hold  # shipped
    assert refused(db, ctx, CompleteStep(plant.packs[2], "P10", True)).code == "unit_on_hold"

    released = services.holds.release(db, ctx, hold.code, "use_as_is", "retest passed")
    assert released.disposition is not None
    accept(db, ctx, CompleteStep(plant.packs[2], "P10", True))
    assert services.lots.get(db, ctx, "CELL", "C-1").status == "available"


def test_a_scrap_disposition_scraps_held_units_and_rejects_held_lots(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, packs=2)
    hold = services.holds.place(
        db, ctx, "bad lot", lots=[("CELL", "C-2")], serials=[plant.packs[0]]
    )

    services.holds.release(db, ctx, hold.code, "scrap")

    assert services.lots.get(db, ctx, "CELL", "C-2").status == "rejected"
    assert services.trace.backward(db, ctx, plant.packs[0]).unit.status == "scrapped"
    error = refused(
        db,
        ctx,
        StartStep(plant.packs[1], "P10"),
        BindPart(plant.packs[1], ComponentRef(item="CELL", lot="C-2")),
    )
    assert error.code == "lot_rejected"


def test_a_unit_under_two_holds_stays_held_until_both_are_released(
    db: Engine, ctx: Context
) -> None:
    bike = make_plant(db, ctx).bikes[0]
    first = services.holds.place(db, ctx, "paint", serials=[bike])
    second = services.holds.place(db, ctx, "frames", serials=[bike])

    services.holds.release(db, ctx, first.code, "use_as_is")
    assert services.trace.backward(db, ctx, bike).unit.on_hold
    services.holds.release(db, ctx, second.code, "rework")
    assert not services.trace.backward(db, ctx, bike).unit.on_hold
    with pytest.raises(DomainError, match="already released"):
        services.holds.release(db, ctx, second.code, "rework")


def test_a_part_unbound_and_bound_again_in_one_batch_is_live_once(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    at_op20(db, ctx, bike, "F-1")

    accept(
        db,
        ctx,
        UnbindPart(bike, ComponentRef(serial="F-1"), "re-seated"),
        BindPart(bike, ComponentRef(serial="F-1")),
    )

    assert parts(services.trace.backward(db, ctx, bike).parts) == [(0, "FRAME", "F-1")]
    assert [e.type for e in services.trace.history(db, ctx, "F-1")] == [
        "part.bound",
        "part.unbound",
        "part.bound",
    ]


def test_a_part_taken_out_during_rework_is_replaced_whatever_the_operation(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=2)
    build_pack(db, ctx, plant.packs[0])
    build_pack(db, ctx, plant.packs[1])
    bike = plant.bikes[0]
    at_op20(db, ctx, bike)
    accept(
        db,
        ctx,
        BindPart(bike, ComponentRef(serial="M-1", item="MOTOR")),
        BindPart(bike, ComponentRef(item="SCREW", lot="S-1")),
        CompleteStep(bike, "OP20", True),
        StartStep(bike, "OP30"),
        BindPart(bike, ComponentRef(serial=plant.packs[0])),
        CompleteStep(bike, "OP30", False, {}, ("NO-POWER",)),  # back to OP20
    )

    accept(
        db,
        ctx,
        UnbindPart(bike, ComponentRef(serial=plant.packs[0]), "dead pack"),
        BindPart(bike, ComponentRef(serial=plant.packs[1])),
    )

    packs = [
        n.edge.serial
        for n in services.trace.backward(db, ctx, bike).parts
        if n.edge.item_code == "PACK"
    ]
    assert packs == [plant.packs[1]]
