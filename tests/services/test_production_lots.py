"""Batch flow through the services: lots of a work order, moved in parts, traced like units."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from tests.factories import accept, make_blade_plant, send
from tracemes import services
from tracemes.domain.errors import ConflictError, NotFoundError
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.production_lots import (
    ConsumeMaterial,
    MergeLots,
    ReportLotStep,
    ShipLot,
    SplitLot,
    TransferLot,
)
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent

D = Decimal


def _open(db: Engine, ctx: Context, *quantities: int) -> list[str]:
    return services.production_lots.open_lots(db, ctx, "WO-BLADE", list(quantities))


def _through(db: Engine, ctx: Context, lot: str, quantity: int) -> None:
    """Run a quantity of a lot through all three operations into stock."""
    for op in ("CUT", "GRIND", "COAT"):
        accept(
            db,
            ctx,
            ReportLotStep("BLADE", lot, op, D(quantity)),
            TransferLot("BLADE", lot, op, D(quantity)),
        )


def test_lots_are_numbered_from_the_pattern_and_never_exceed_the_order(
    db: Engine, ctx: Context
) -> None:
    make_blade_plant(db, ctx, blades=1000)
    assert _open(db, ctx, 500, 300) == ["BL0001", "BL0002"]
    with pytest.raises(ConflictError) as refused:
        _open(db, ctx, 201)
    assert refused.value.code == "quantity_balance"
    assert "800 is already in lots" in str(refused.value)
    assert services.work_orders.get(db, ctx, "WO-BLADE").order.status == "in_progress"


def test_serialised_orders_get_units_not_lots(db: Engine, ctx: Context) -> None:
    make_blade_plant(db, ctx)
    with pytest.raises(ConflictError) as refused:
        services.production_lots.open_lots(db, ctx, "WO-SAW", [1])
    assert refused.value.code == "not_lot_tracked"


def test_partial_transfers_reach_stock_with_exact_quantities(db: Engine, ctx: Context) -> None:
    """200 of 500 go on while 300 are still cut; scrap and rework per step; the rest in
    process; finished good is the lot's stock."""
    make_blade_plant(db, ctx)
    (lot,) = _open(db, ctx, 500)
    accept(
        db,
        ctx,
        ReportLotStep("BLADE", lot, "CUT", D(200)),
        TransferLot("BLADE", lot, "CUT", D(200)),
        ReportLotStep("BLADE", lot, "GRIND", D(180), D(5), D(10), (("CRACK", D(5)),)),
        TransferLot("BLADE", lot, "GRIND", D(150)),
        ReportLotStep("BLADE", lot, "COAT", D(150)),
        TransferLot("BLADE", lot, "COAT", D(150)),
    )
    view = services.production_lots.get(db, ctx, "BLADE", lot)
    cut, grind, coat = (tally for _, _, tally in view.operations)
    assert (cut.received, cut.in_process) == (D(510), D(310))  # 10 came back for rework
    assert (grind.good, grind.scrap, grind.rework, grind.waiting) == (D(180), D(5), D(10), D(30))
    assert grind.in_process == D(5)
    assert grind.defects == {"CRACK": D(5)}
    assert (coat.received, coat.sent) == (D(150), D(150))
    assert (view.finished, view.stock) == (D(150), D(150))
    assert services.lots.get(db, ctx, "BLADE", lot).remaining == D(150)


def test_a_report_that_does_not_add_up_is_refused_with_its_numbers(
    db: Engine, ctx: Context
) -> None:
    make_blade_plant(db, ctx)
    (lot,) = _open(db, ctx, 100)
    (outcome,) = send(db, ctx, ReportLotStep("BLADE", lot, "CUT", D(90), D(20)))
    assert outcome.error is not None
    assert outcome.error.code == "quantity_balance"
    assert "90 good + 20 scrap + 0 rework = 110" in str(outcome.error)
    assert "only 100 is in process" in str(outcome.error)
    view = services.production_lots.get(db, ctx, "BLADE", lot)
    assert view.operations[0][2].good == D(0)


def test_split_and_merge_keep_quantities_and_genealogy(db: Engine, ctx: Context) -> None:
    make_blade_plant(db, ctx)
    first, second = _open(db, ctx, 500, 100)
    accept(
        db,
        ctx,
        ConsumeMaterial("BLADE", first, "STEEL", "K-1", D(100)),
        ConsumeMaterial("BLADE", second, "STEEL", "K-2", D(20)),
        SplitLot("BLADE", first, "CUT", D(120)),
        MergeLots("BLADE", second, "CUT", ((f"{first}-1", D(20)),)),
    )
    child = services.production_lots.get(db, ctx, "BLADE", f"{first}-1")
    assert child.operations[0][2].in_process == D(100)
    assert services.production_lots.get(db, ctx, "BLADE", first).operations[0][2].in_process == D(
        380
    )
    assert services.production_lots.get(db, ctx, "BLADE", second).operations[0][2].in_process == D(
        120
    )
    # Backward from the merged lot: its own coil, and through the split lot, the first coil.
    trace = services.trace.backward_lot(db, ctx, "BLADE", second)
    found = {(node.edge.item_code, node.edge.lot) for node in _walk(trace.parts)}
    assert found == {("STEEL", "K-2"), ("BLADE", f"{first}-1"), ("BLADE", first), ("STEEL", "K-1")}


def _walk(nodes: tuple[object, ...]) -> list:  # type: ignore[type-arg]
    out = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(node.children)  # type: ignore[attr-defined]
    return out


def test_material_beyond_the_bom_needs_a_reason_and_stock_never_goes_negative(
    db: Engine, ctx: Context
) -> None:
    """100 blades x 0.2 kg = 20 kg; up to 21 kg passes, more needs a reason; a coil cannot
    give more than it has, and a material outside the BOM is refused."""
    make_blade_plant(db, ctx)
    (lot,) = _open(db, ctx, 100)
    accept(db, ctx, ConsumeMaterial("BLADE", lot, "STEEL", "K-1", D(21)))
    (over,) = send(db, ctx, ConsumeMaterial("BLADE", lot, "STEEL", "K-1", D(1)))
    assert over.error is not None
    assert over.error.code == "over_consumption"
    accept(db, ctx, ConsumeMaterial("BLADE", lot, "STEEL", "K-1", D(1), reason="bent coil end"))
    (empty,) = send(db, ctx, ConsumeMaterial("BLADE", lot, "STEEL", "K-2", D(501), reason="x"))
    assert empty.error is not None
    assert empty.error.code == "lot_insufficient"
    assert services.lots.get(db, ctx, "STEEL", "K-1").remaining == D(478)
    assert services.lots.get(db, ctx, "STEEL", "K-2").remaining == D(500)
    (outside,) = send(db, ctx, ConsumeMaterial("BLADE", lot, "SAW", "X", D(1)))
    assert outside.error is not None
    assert outside.error.code == "not_found"


def test_replayed_lot_events_are_booked_once(db: Engine, ctx: Context) -> None:
    make_blade_plant(db, ctx)
    (lot,) = _open(db, ctx, 100)
    event = FloorEvent(uuid.uuid4().hex, ReportLotStep("BLADE", lot, "CUT", D(60)))
    for _ in range(2):
        outcomes = services.shop_floor.record(db, ctx, [event, event])
        assert [o.accepted for o in outcomes] == [True, True]
    assert services.production_lots.get(db, ctx, "BLADE", lot).operations[0][2].good == D(60)


def test_trace_crosses_from_coil_to_lots_to_saws_and_customers(db: Engine, ctx: Context) -> None:
    """Forward from a coil: the blade lot, the lot split from it, the saws that took a
    blade, and the customer a quantity of blades was shipped to. Backward from a saw: its
    blade lot and that lot's coil."""
    plant = make_blade_plant(db, ctx)
    (lot,) = _open(db, ctx, 100)
    accept(db, ctx, ConsumeMaterial("BLADE", lot, "STEEL", "K-1", D(20)))
    accept(db, ctx, SplitLot("BLADE", lot, "CUT", D(40)))
    _through(db, ctx, lot, 60)
    saw = plant.saws[0]
    accept(
        db,
        ctx,
        StartStep(saw, "S10"),
        BindPart(saw, ComponentRef(item="BLADE", lot=lot, quantity=D(1))),
        CompleteStep(saw, "S10", True),
        ShipLot("BLADE", lot, D(50), "Hardware Mart", "SO-9"),
    )
    where = services.trace.where_used_lot(db, ctx, "STEEL", "K-1")
    assert [(a.lot, a.depth) for a in where.lots] == [(lot, 1), (f"{lot}-1", 2)]
    assert where.lots[0].shipments[0].customer == "Hardware Mart"
    assert where.lots[0].stock == D(9)  # 60 finished - 1 in a saw - 50 shipped
    assert [u.unit.serial for u in where.units] == [saw]
    backward = services.trace.backward(db, ctx, saw)
    below = {(n.edge.item_code, n.edge.lot) for n in _walk(backward.parts)}
    assert below == {("BLADE", lot), ("STEEL", "K-1")}


def test_unknown_lot_is_not_found(db: Engine, ctx: Context) -> None:
    make_blade_plant(db, ctx)
    with pytest.raises(NotFoundError):
        services.production_lots.get(db, ctx, "BLADE", "NOPE")
    (outcome,) = send(db, ctx, ReportLotStep("BLADE", "NOPE", "CUT", D(1)))
    assert outcome.error is not None
    assert outcome.error.code == "not_found"
