"""The rules of production-lot events on the floor, without a database: what each changes,
what it refuses (with the code and field the operator sees), and the edges it leaves."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tracemes.domain import production_lots
from tracemes.domain.boms import Bom, BomLine
from tracemes.domain.errors import DomainError
from tracemes.domain.floor import Actor, Floor, LotState, ProductionLotState, plan
from tracemes.domain.items import Tracking
from tracemes.domain.production_lots import (
    ConsumeMaterial,
    MergeLots,
    ReportLotStep,
    ShipLot,
    SplitLot,
    TransferLot,
)
from tracemes.domain.routings import Operation, Routing
from tracemes.domain.shop_floor import apply, named, subjects
from tracemes.domain.station import Meaning, card_of, decide, lot_operation

D = Decimal
NOW = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
ACTOR = Actor(NOW, station_id=7, operator_id=3)
OPERATIONS = (
    Operation(10, "CUT", "Cutting", D(30), "L1", "L1-S1"),
    Operation(20, "GRIND", "Grinding", D(40), "L1", "L1-S2", rework_operation="CUT"),
    Operation(30, "COAT", "Coating", D(20), "L1"),
)
PLAN = plan(
    Bom("BLADE", 1, (BomLine("STEEL", D("0.2"), False, "CUT"),)),
    Routing("BLADE", 1, OPERATIONS),
    {"STEEL": Tracking.LOT},
)


def a_lot(number: str = "BL1", quantity: int = 100, on_hold: bool = False) -> ProductionLotState:
    lot = production_lots.start("BLADE", number, "WO-1", OPERATIONS, D(quantity))
    lot.on_hold = on_hold
    stock = LotState(int(number[2:]) if number[2:].isdigit() else 99, "BLADE", number, D(0))
    return ProductionLotState(lot, stock, PLAN, row_id=1, created_at=NOW)


def a_floor(*lots: ProductionLotState, taken: tuple[str, ...] = (), steel: int = 50) -> Floor:
    coil = LotState(500, "STEEL", "K-1", D(steel))
    return Floor(
        (),
        [coil, *(p.stock for p in lots)],
        (),
        (),
        production_lots=lots,
        numbers_taken=[("BLADE", n) for n in taken],
    )


def refusal(floor: Floor, command: object) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as refused:
        apply(floor, ACTOR, command)  # type: ignore[arg-type]
    return refused.value.code, getattr(refused.value, "field", None)


def test_a_split_takes_the_first_free_number_and_leaves_an_edge_to_its_source() -> None:
    source = a_lot()
    floor = a_floor(source, taken=("BL1-1",))

    happened = apply(floor, ACTOR, SplitLot("BLADE", "BL1", "CUT", D(30)))

    assert isinstance(happened, SplitLot)
    assert happened.new_lot == "BL1-2"
    (new,) = floor.new_production_lots
    assert (new.lot.lot, new.lot.started, new.lot.tallies["CUT"].received) == (
        "BL1-2",
        D(30),
        D(30),
    )
    assert source.lot.tallies["CUT"].moved == D(30)
    (edge,) = floor.new_bindings
    assert (edge.parent, edge.child, edge.quantity, edge.operation) == (
        new.stock,
        source.stock,
        D(30),
        "CUT",
    )
    assert (edge.station_id, edge.operator_id, edge.bound_at) == (7, 3, NOW)
    assert subjects(happened) == ("BLADE/BL1", "BLADE/BL1-2")


def test_a_split_to_a_number_already_taken_is_refused_and_changes_nothing() -> None:
    source = a_lot()
    floor = a_floor(source, a_lot("BL2"), taken=("RUSH",))
    for number in ("RUSH", "BL2"):
        assert refusal(floor, SplitLot("BLADE", "BL1", "CUT", D(30), number))[0] == (
            "already_exists"
        )
    assert source.lot.tallies["CUT"].moved == 0
    assert floor.new_production_lots == []
    assert floor.new_bindings == []


def test_two_splits_in_one_batch_take_two_numbers() -> None:
    floor = a_floor(a_lot())
    first = apply(floor, ACTOR, SplitLot("BLADE", "BL1", "CUT", D(10)))
    second = apply(floor, ACTOR, SplitLot("BLADE", "BL1", "CUT", D(10)))
    assert [c.new_lot for c in (first, second)] == ["BL1-1", "BL1-2"]  # type: ignore[union-attr]


def test_a_merge_checks_every_source_before_moving_any() -> None:
    target, good, held = a_lot("BL1"), a_lot("BL2"), a_lot("BL3", on_hold=True)
    floor = a_floor(target, good, held)
    both = MergeLots("BLADE", "BL1", "CUT", (("BL2", D(20)), ("BL3", D(20))))
    assert refusal(floor, both)[0] == "lot_on_hold"
    assert good.lot.tallies["CUT"].moved == 0
    too_much = MergeLots("BLADE", "BL1", "CUT", (("BL2", D(60)), ("BL2", D(41))))
    assert refusal(floor, too_much)[0] == "quantity_balance"
    assert refusal(floor, MergeLots("BLADE", "BL1", "CUT", (("BL1", D(1)),)))[0] == "validation"
    assert refusal(floor, MergeLots("BLADE", "BL1", "CUT", (("BL2", D(0)),))) == (
        "validation",
        "lots",
    )

    apply(floor, ACTOR, MergeLots("BLADE", "BL1", "CUT", (("BL2", D(100)),)))

    assert target.lot.tallies["CUT"].received == D(200)
    assert good.lot.tallies["CUT"].in_process == 0
    (edge,) = floor.new_bindings
    assert (edge.parent, edge.child, edge.quantity) == (target.stock, good.stock, D(100))


def test_material_goes_in_within_the_bom_and_leaves_an_edge_to_its_lot() -> None:
    lot = a_lot()
    floor = a_floor(lot)
    coil = floor.lot("STEEL", "K-1")
    assert coil is not None

    apply(floor, ACTOR, ConsumeMaterial("BLADE", "BL1", "STEEL", "K-1", D(20)))

    assert coil.remaining == D(30)
    assert coil.changed
    assert lot.lot.consumed == {"STEEL": D(20)}
    (edge,) = floor.new_bindings
    assert (edge.parent, edge.child, edge.item_code, edge.operation) == (
        lot.stock,
        coil,
        "STEEL",
        PLAN.requirements["STEEL"].operation,  # where the plan uses it, when not named
    )


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (ConsumeMaterial("BLADE", "BL1", "STEEL", "K-9", D(1)), "not_found"),
        (ConsumeMaterial("BLADE", "BL1", "PAINT", "K-1", D(1)), "not_found"),
        (ConsumeMaterial("BLADE", "BL1", "STEEL", "K-1", D(51)), "lot_insufficient"),
        (ConsumeMaterial("BLADE", "BL1", "STEEL", "K-1", D(22)), "over_consumption"),
        (ConsumeMaterial("BLADE", "BL1", "STEEL", "K-1", D(1), "PACK"), "validation"),
    ],
)
def test_material_refusals_change_nothing(command: ConsumeMaterial, code: str) -> None:
    floor = a_floor(a_lot(), steel=50)
    assert refusal(floor, command)[0] == code
    coil = floor.lot("STEEL", "K-1")
    assert coil is not None
    assert coil.remaining == D(50)
    assert not coil.changed
    assert floor.new_bindings == []


def test_the_last_transfer_fills_the_stock_which_ships_exactly_once() -> None:
    lot = a_lot(quantity=10)
    floor = a_floor(lot)
    for op in ("CUT", "GRIND", "COAT"):
        apply(floor, ACTOR, ReportLotStep("BLADE", "BL1", op, D(10)))
        apply(floor, ACTOR, TransferLot("BLADE", "BL1", op, D(10)))
    assert lot.stock.remaining == D(10)
    assert lot.stock.changed

    assert refusal(floor, ShipLot("BLADE", "BL1", D(11), "Mart"))[0] == "quantity_balance"
    apply(floor, ACTOR, ShipLot("BLADE", "BL1", D(10), "Mart", "SO-1"))

    assert lot.stock.remaining == 0
    (shipped,) = floor.lot_shipments
    assert (shipped.lot, shipped.quantity, shipped.customer, shipped.sales_order) == (
        lot.stock,
        D(10),
        "Mart",
        "SO-1",
    )
    assert shipped.shipped_at == NOW


def test_an_event_about_a_lot_not_on_the_floor_is_not_found() -> None:
    assert refusal(a_floor(), ReportLotStep("BLADE", "NOPE", "CUT", D(1)))[0] == "not_found"


def test_what_a_batch_names_is_what_the_floor_loads() -> None:
    found = named(
        [
            ReportLotStep("BLADE", "BL1", "CUT", D(1)),
            MergeLots("BLADE", "BL1", "CUT", (("BL2", D(1)),)),
            ConsumeMaterial("BLADE", "BL3", "STEEL", "K-1", D(1)),
            SplitLot("BLADE", "BL1", "CUT", D(1)),
            SplitLot("BLADE", "BL4", "CUT", D(1), "RUSH"),
        ]
    )
    assert found.production_lots == {("BLADE", n) for n in ("BL1", "BL2", "BL3", "BL4")}
    assert found.materials == {("STEEL", "K-1")}
    assert found.split_prefixes == {("BLADE", "BL1-")}
    assert found.lot_numbers == {("BLADE", "RUSH")}
    assert found.units == frozenset()


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("https://mes.example.cn/lots/BLADE/BL0001", ("BLADE", "BL0001")),
        ("https://mes.example.cn/lots/BLADE/BL0001?size=A6", ("BLADE", "BL0001")),
        ("https://mes.example.cn/plant-2/lots/BLADE/BL0001", ("BLADE", "BL0001")),
        ("lots/BLADE/BL0001", ("BLADE", "BL0001")),
        ("/lots/BOX/LOTX/", ("BOX", "LOTX")),
        ("http://127.0.0.1:8000/lots/BLADE/BL0001/", ("BLADE", "BL0001")),
        ("/lots/SAW%20BLADE/BL%2F7", ("SAW BLADE", "BL/7")),
        ("BL0001", None),
        ("lots/BLADE", None),
        ("https://mes.example.cn/items/BLADE/BL0001", None),
        ("/lots//BL0001", None),
    ],
)
def test_a_transfer_cards_qr_code_names_its_lot(text: str, card: tuple[str, str] | None) -> None:
    assert card_of(text) == card


def test_a_lot_is_reported_on_where_this_station_works_else_where_it_has_work() -> None:
    lot = a_lot()
    floor = a_floor(lot)
    apply(floor, ACTOR, ReportLotStep("BLADE", "BL1", "CUT", D(60)))
    apply(floor, ACTOR, TransferLot("BLADE", "BL1", "CUT", D(60)))
    assert lot_operation(lot, "L1-S2") == "GRIND"  # the routing grinds at L1-S2
    assert lot_operation(lot, "L1-S1") == "CUT"  # 40 still in process at CUT
    assert lot_operation(lot, "L9-S9") == "CUT"  # elsewhere: the first with work
    assert lot_operation(lot, None) == "CUT"
    done = a_lot("BL2", quantity=1)
    for op in ("CUT", "GRIND", "COAT"):
        apply(a_floor(done), ACTOR, ReportLotStep("BLADE", "BL2", op, D(1)))
        apply(a_floor(done), ACTOR, TransferLot("BLADE", "BL2", op, D(1)))
    assert lot_operation(done, "L1-S1") is None


def test_a_report_keeps_its_defect_quantities_on_the_operation() -> None:
    lot = a_lot()
    floor = a_floor(lot)
    report = ReportLotStep("BLADE", "BL1", "CUT", D(80), D(5), D(3), (("BURR", D(5)),))
    apply(floor, ACTOR, report)
    cut = lot.lot.tallies["CUT"]
    assert (cut.good, cut.scrap, cut.rework, cut.defects) == (D(80), D(5), D(3), {"BURR": D(5)})


def test_partial_transfers_into_stock_add_up() -> None:
    lot = a_lot(quantity=10)
    floor = a_floor(lot)
    for op in ("CUT", "GRIND", "COAT"):
        apply(floor, ACTOR, ReportLotStep("BLADE", "BL1", op, D(10)))
        if op != "COAT":
            apply(floor, ACTOR, TransferLot("BLADE", "BL1", op, D(10)))
    apply(floor, ACTOR, TransferLot("BLADE", "BL1", "COAT", D(6)))
    apply(floor, ACTOR, TransferLot("BLADE", "BL1", "COAT", D(4)))
    assert lot.stock.remaining == D(10)


def test_a_merge_of_two_sources_grows_the_lot_by_both_and_files_them_all() -> None:
    target, first, second = a_lot("BL1"), a_lot("BL2"), a_lot("BL3")
    floor = a_floor(target, first, second)
    merge = MergeLots("BLADE", "BL1", "CUT", (("BL2", D(1)), ("BL3", D(29))))
    apply(floor, ACTOR, merge)
    assert target.merged_in == D(30)
    assert [(e.child, e.quantity) for e in floor.new_bindings] == [
        (first.stock, D(1)),
        (second.stock, D(29)),
    ]
    assert subjects(merge) == ("BLADE/BL1", "BLADE/BL2", "BLADE/BL3")


def test_a_lot_merged_into_itself_is_refused_on_the_lots_field() -> None:
    floor = a_floor(a_lot())
    assert refusal(floor, MergeLots("BLADE", "BL1", "CUT", (("BL1", D(1)),))) == (
        "validation",
        "lots",
    )


def test_a_split_lot_starts_empty_in_stock_and_follows_its_sources_plan() -> None:
    floor = a_floor(a_lot())
    apply(floor, ACTOR, SplitLot("BLADE", "BL1", "CUT", D(30)))
    (new,) = floor.new_production_lots
    assert new.stock.remaining == 0
    assert new.stock.item_code == "BLADE"
    assert new.plan is PLAN
    assert floor.lot("BLADE", "BL1-1") is new.stock


def test_material_at_a_named_operation_and_beyond_the_bom_with_a_reason() -> None:
    lot = a_lot()
    floor = a_floor(lot, steel=50)
    apply(floor, ACTOR, ConsumeMaterial("BLADE", "BL1", "STEEL", "K-1", D(25), "GRIND", "spill"))
    (edge,) = floor.new_bindings
    assert (edge.quantity, edge.operation) == (D(25), "GRIND")
    assert lot.lot.consumed == {"STEEL": D(25)}  # over the 21 the BOM allows: the reason


def test_a_card_scanned_at_a_station_shows_its_lot_instead_of_the_unit() -> None:
    floor = a_floor(a_lot())
    decision = decide(floor, "https://mes.example.cn/lots/BLADE/BL1", "BK0001", False)
    assert (decision.meaning, decision.unit, decision.lot) == (Meaning.LOT, "", ("BLADE", "BL1"))
    assert decision.command is None
    assert refusal_of_scan(floor, "/lots/BLADE/NOPE") == "not_found"


def refusal_of_scan(floor: Floor, text: str) -> str:
    with pytest.raises(DomainError) as refused:
        decide(floor, text, "", False)
    return refused.value.code


def test_one_piece_in_process_or_waiting_is_work_at_an_operation() -> None:
    lot = a_lot(quantity=2)
    floor = a_floor(lot)
    apply(floor, ACTOR, ReportLotStep("BLADE", "BL1", "CUT", D(1)))  # 1 in process, 1 waiting
    apply(floor, ACTOR, TransferLot("BLADE", "BL1", "CUT", D(1)))  # 1 in process at CUT
    apply(floor, ACTOR, ReportLotStep("BLADE", "BL1", "GRIND", D(1)))  # 1 waiting at GRIND
    assert lot_operation(lot, "L1-S1") == "CUT"
    assert lot_operation(lot, "L1-S2") == "GRIND"
