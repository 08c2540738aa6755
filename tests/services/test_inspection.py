"""Incoming inspection of a received lot: the plan's sample, Ac/Re per defect class, and a
rejection that holds the lot and whatever it already went into."""

import threading
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from tests.factories import (
    Plant,
    accept,
    build_bike,
    build_bike_to_op30,
    build_pack,
    make_plant,
    send,
)
from tracemes import services
from tracemes.domain.characteristics import Characteristic
from tracemes.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.unit_events import ShipUnit
from tracemes.services.context import Context

DEFECTS = [
    {"code": "SWELL", "name": "Swollen can", "class": "critical"},
    {"code": "DENT", "name": "Dented can", "class": "major"},
    {"code": "LABEL", "name": "Label smudged", "class": "minor"},
]
CAPACITY = Characteristic("capacity_mah", "Capacity", lsl=Decimal(4800), unit="mAh")


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    """CELL gets an incoming plan after make_plant's lots: level II, AQL 1.0 major and 4.0
    minor. A lot of 1000 is code letter J: 80 samples, major 2/3, minor 7/8, critical 0/1."""
    plant = make_plant(db, ctx, bikes=1, packs=2)
    services.inspection.put_plan(
        db, ctx, "IQC-CELL", "CELL", "incoming", [CAPACITY], DEFECTS, "II", "1.0", "4.0"
    )
    return plant


def _receive(db: Engine, ctx: Context, lot: str) -> str:
    services.lots.receive(db, ctx, "CELL", lot, 1000, supplier="Lishen")
    (opened,) = [
        row.number for row in services.inspection.list_lots(db, ctx, "open") if row.lot == lot
    ]
    return str(opened)


SampleIn = tuple[str, int, dict[str, object], list[str]]


def _samples(indexes: range, defects: dict[int, list[str]] | None = None) -> list[SampleIn]:
    defects = defects or {}
    return [(uuid.uuid4().hex, i, {"capacity_mah": 4950}, defects.get(i, [])) for i in indexes]


def test_a_receipt_opens_the_inspection_with_the_plans_sample(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    number = _receive(db, ctx, "C-9")
    lot = services.inspection.get_lot(db, ctx, number)
    assert number == "IQC20260316-001"
    assert (lot.item_code, lot.lot, lot.supplier, lot.lot_size) == ("CELL", "C-9", "Lishen", 1000)
    assert lot.sample_size == 80
    assert [(p.defect_class.value, p.sample_size, p.ac, p.re) for p in lot.class_plans] == [
        ("critical", 80, 0, 1),
        ("major", 80, 2, 3),
        ("minor", 80, 7, 8),
    ]
    services.lots.receive(db, ctx, "SCREW", "S-9", 500)  # no plan for screws: nothing opens
    assert len(services.inspection.list_lots(db, ctx)) == 1


def test_two_dents_in_80_are_accepted(db: Engine, ctx: Context, plant: Plant) -> None:
    number = _receive(db, ctx, "C-9")
    services.inspection.record(
        db, ctx, number, _samples(range(1, 81), {3: ["DENT"], 40: ["DENT", "LABEL"]})
    )
    decided = services.inspection.decide(db, ctx, number)
    assert decided.status == "accepted"
    assert decided.verdict is not None
    assert decided.verdict.defectives == {"critical": 0, "major": 2, "minor": 1}
    assert services.lots.get(db, ctx, "CELL", "C-9").status == "available"


def test_an_incomplete_sample_cannot_be_accepted(db: Engine, ctx: Context, plant: Plant) -> None:
    number = _receive(db, ctx, "C-9")
    services.inspection.record(db, ctx, number, _samples(range(1, 60)))
    with pytest.raises(ConflictError, match="21 samples still to record") as early:
        services.inspection.decide(db, ctx, number)
    assert early.value.code == "inspection_incomplete"


def test_a_rejected_lot_is_held_with_the_units_it_went_into_and_cannot_be_bound(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    number = _receive(db, ctx, "C-10")
    first, second = plant.packs
    accept(db, ctx, StartStep(first, "P10"), BindPart(first, ComponentRef(item="CELL", lot="C-10")))
    services.inspection.record(
        db, ctx, number, _samples(range(1, 11), {2: ["DENT"], 5: ["DENT"], 9: ["DENT"]})
    )
    decided = services.inspection.decide(db, ctx, number)  # 3 majors reach Re: no need for 80
    assert decided.status == "rejected"
    assert decided.verdict is not None
    assert decided.verdict.reasons == ("major: 3 defective in 80 (Re 3)",)
    assert decided.hold_code is not None
    hold = services.holds.get(db, ctx, decided.hold_code)
    assert hold.lots == (("CELL", "C-10"),)
    assert hold.units == (first,)  # the pack that took cells of the lot before the verdict
    assert services.lots.get(db, ctx, "CELL", "C-10").status == "on_hold"
    (refused,) = send(
        db, ctx, StartStep(second, "P10"), BindPart(second, ComponentRef(item="CELL", lot="C-10"))
    )[1:]
    assert refused.error is not None
    assert refused.error.code == "lot_on_hold"
    again = services.inspection.decide(db, ctx, number)  # deciding again changes nothing
    assert again.hold_code == decided.hold_code
    with pytest.raises(ConflictError) as late:
        services.inspection.record(db, ctx, number, _samples(range(11, 12)))
    assert late.value.code == "inspection_decided"


def test_a_value_out_of_limits_makes_a_major_defective(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    number = _receive(db, ctx, "C-9")
    low: list[SampleIn] = [(uuid.uuid4().hex, i, {"capacity_mah": 4700}, []) for i in (1, 2, 3)]
    services.inspection.record(db, ctx, number, low)
    assert services.inspection.decide(db, ctx, number).status == "rejected"


def test_samples_are_booked_once_and_a_later_record_corrects(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    number = _receive(db, ctx, "C-9")
    event = uuid.uuid4().hex
    for _ in range(2):
        services.inspection.record(db, ctx, number, [(event, 1, {}, ["SWELL"])])
    lot = services.inspection.get_lot(db, ctx, number)
    assert [s.defects for s in lot.samples] == [("SWELL",)]
    services.inspection.record(db, ctx, number, [(uuid.uuid4().hex, 1, {}, [])])  # a misread
    assert [s.defects for s in services.inspection.get_lot(db, ctx, number).samples] == [()]


def test_bad_samples_are_refused_naming_what_is_wrong(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    number = _receive(db, ctx, "C-9")
    for sample, words in (
        ((uuid.uuid4().hex, 81, {}, []), "sample 81 is not between 1 and 80"),
        ((uuid.uuid4().hex, 1, {}, ["RUST"]), "RUST is not a defect code of plan IQC-CELL"),
        ((uuid.uuid4().hex, 1, {"voltage": 3.6}, []), "voltage is not measured by plan"),
        ((uuid.uuid4().hex, 1, {"capacity_mah": "lots"}, []), "'lots' is not a number"),
    ):
        with pytest.raises(InvalidInputError, match=words):
            services.inspection.record(db, ctx, number, [sample])
    assert services.inspection.get_lot(db, ctx, number).samples == ()


def test_plans_are_checked(db: Engine, ctx: Context, plant: Plant) -> None:
    for args, field in (
        (("X", "CELL", "arrival", [], DEFECTS, "II", "1.0"), "stage"),
        (("X", "CELL", "incoming", [], DEFECTS, "II"), "aql_major"),
        (("X", "CELL", "incoming", [], [*DEFECTS, DEFECTS[0]], "II", "1.0"), "defects"),
        (("X", "CELL", "incoming", [], DEFECTS, "II", "3.0"), "aql"),
        (("X", "CELL", "in_process", [], DEFECTS, "II", "1.0"), "operation"),
    ):
        with pytest.raises(InvalidInputError) as refused:
            services.inspection.put_plan(db, ctx, *args)
        assert refused.value.field == field
    with pytest.raises(NotFoundError):
        services.inspection.put_plan(db, ctx, "X", "NOPE", "incoming", [], DEFECTS, "II", "1.0")


def test_another_tenants_inspection_is_not_there(
    db: Engine, ctx: Context, other_ctx: Context, plant: Plant
) -> None:
    number = _receive(db, ctx, "C-9")
    with pytest.raises(NotFoundError):
        services.inspection.get_lot(db, other_ctx, number)
    with pytest.raises(NotFoundError):
        services.inspection.get_plan(db, other_ctx, "IQC-CELL")
    assert services.inspection.list_lots(db, other_ctx) == []


FINAL_DEFECTS = [
    {"code": "SCRATCH", "name": "Paint scratch", "class": "minor"},
    {"code": "BRAKE", "name": "Brake does not cut power", "class": "critical"},
]


def _finished_bikes(db: Engine, ctx: Context, plant: Plant, count: int) -> list[str]:
    for n, (bike, pack) in enumerate(zip(plant.bikes[:count], plant.packs, strict=False), 1):
        build_pack(db, ctx, pack)
        build_bike(db, ctx, bike, pack, n)
    return plant.bikes[:count]


def test_a_final_inspection_samples_an_orders_finished_units_and_holds_them_when_rejected(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=3, packs=3)
    services.inspection.put_plan(
        db, ctx, "FQC-BIKE", "BIKE", "final", [], FINAL_DEFECTS, "II", aql_minor="4.0"
    )
    with pytest.raises(ConflictError) as empty:
        services.inspection.open_final(db, ctx, "WO-BIKE")
    assert empty.value.code == "nothing_to_inspect"
    bikes = _finished_bikes(db, ctx, plant, 3)  # the order completes: FQC opens by itself
    (opened,) = services.inspection.list_lots(db, ctx, "open")
    lot = services.inspection.get_lot(db, ctx, opened.number)
    assert (lot.number, lot.work_order, lot.lot_size, lot.sample_size) == (
        "FQC20260316-001",
        "WO-BIKE",
        3,
        3,  # lot 3: code A, n 2 -> every unit
    )
    with pytest.raises(ConflictError) as twice:
        services.inspection.open_final(db, ctx, "WO-BIKE")
    assert twice.value.code == "inspection_open"
    services.inspection.record(db, ctx, lot.number, [(uuid.uuid4().hex, 1, {}, ["BRAKE"])])
    decided = services.inspection.decide(db, ctx, lot.number)
    assert decided.status == "rejected"
    assert decided.hold_code is not None
    assert set(services.holds.get(db, ctx, decided.hold_code).units) == set(bikes)


def test_a_final_inspection_needs_a_final_plan(db: Engine, ctx: Context, plant: Plant) -> None:
    with pytest.raises(ConflictError) as refused:
        services.inspection.open_final(db, ctx, "WO-BIKE")
    assert refused.value.code == "no_inspection_plan"
    with pytest.raises(NotFoundError):
        services.inspection.open_final(db, ctx, "WO-NONE")


def test_a_suppliers_next_lot_shows_where_the_switching_rules_stand(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    """Two of Lishen's lots rejected: its next lot is due for tightened inspection (shown;
    the plan stays normal until the tightened table is available). Another supplier's lot
    is not affected."""
    for lot in ("C-31", "C-32"):
        number = _receive(db, ctx, lot)
        services.inspection.record(db, ctx, number, _samples(range(1, 4), {1: ["SWELL"]}))
        assert services.inspection.decide(db, ctx, number).status == "rejected"
    first = services.inspection.get_lot(db, ctx, "IQC20260316-001")
    assert first.switching is not None
    assert (first.switching.severity.value, first.switching.score) == ("normal", 0)
    third = services.inspection.get_lot(db, ctx, _receive(db, ctx, "C-33"))
    assert third.switching is not None
    assert third.switching.severity.value == "tightened"
    assert third.sample_size == 80  # still the normal plan
    services.lots.receive(db, ctx, "CELL", "C-34", 1000, supplier="Hengda")
    (other,) = [r for r in services.inspection.list_lots(db, ctx, "open") if r.lot == "C-34"]
    hengda = services.inspection.get_lot(db, ctx, other.number).switching
    assert hengda is not None
    assert hengda.severity.value == "normal"


def test_an_order_that_completes_opens_its_final_inspection_by_itself(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=2, packs=2)
    services.inspection.put_plan(
        db, ctx, "FQC-BIKE", "BIKE", "final", [], FINAL_DEFECTS, "II", aql_minor="4.0"
    )
    _finished_bikes(db, ctx, plant, 1)
    assert services.inspection.list_lots(db, ctx) == []  # one of two: not done yet
    build_pack(db, ctx, plant.packs[1])
    build_bike(db, ctx, plant.bikes[1], plant.packs[1], 2)
    (opened,) = services.inspection.list_lots(db, ctx, "open")
    assert (opened.work_order, opened.lot_size) == ("WO-BIKE", 2)
    assert services.work_orders.get(db, ctx, "WO-BIKE").order.status == "completed"


def test_an_order_without_a_final_plan_completes_without_inspection(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    _finished_bikes(db, ctx, plant, 1)
    assert services.work_orders.get(db, ctx, "WO-BIKE").order.status == "completed"
    assert services.inspection.list_lots(db, ctx) == []


def test_a_second_final_inspection_takes_only_units_not_inspected_yet(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=3, packs=3)
    services.inspection.put_plan(
        db, ctx, "FQC-BIKE", "BIKE", "final", [], FINAL_DEFECTS, "II", aql_minor="4.0"
    )
    (first_bike,) = _finished_bikes(db, ctx, plant, 1)
    first = services.inspection.open_final(db, ctx, "WO-BIKE")
    assert first.units == (first_bike,)
    services.inspection.record(db, ctx, first.number, [(uuid.uuid4().hex, 1, {}, [])])
    assert services.inspection.decide(db, ctx, first.number).status == "accepted"
    for n in (2, 3):  # the order completes: its final inspection opens by itself
        build_pack(db, ctx, plant.packs[n - 1])
        build_bike(db, ctx, plant.bikes[n - 1], plant.packs[n - 1], n)
    (opened,) = services.inspection.list_lots(db, ctx, "open")
    second = services.inspection.get_lot(db, ctx, opened.number)
    assert (second.lot_size, second.units) == (2, tuple(plant.bikes[1:]))
    services.inspection.record(db, ctx, second.number, [(uuid.uuid4().hex, 1, {}, ["BRAKE"])])
    rejected = services.inspection.decide(db, ctx, second.number)
    assert rejected.hold_code is not None
    assert set(services.holds.get(db, ctx, rejected.hold_code).units) == set(plant.bikes[1:])


LINE_DEFECTS = [
    {"code": "TORQUE", "name": "Motor bolts under torque", "class": "major"},
    {"code": "CABLE", "name": "Cable pinched", "class": "minor"},
]


def _patrol_at_p10(
    db: Engine, ctx: Context, characteristics: list[Characteristic] | None = None
) -> None:
    """Packs sampled where their cells are welded: level II, AQL 1.0 major."""
    services.inspection.put_plan(
        db,
        ctx,
        "IPQC-P10",
        "PACK",
        "in_process",
        characteristics or [],
        DEFECTS,
        "II",
        "1.0",
        operation="P10",
    )


def test_an_in_process_inspection_samples_the_units_past_its_operation_once(
    db: Engine, ctx: Context
) -> None:
    """Patrol inspection at OP20: each lot is the bikes that passed OP20 since the last one."""
    plant = make_plant(db, ctx, bikes=4, packs=1)
    services.inspection.put_plan(
        db,
        ctx,
        "IPQC-OP20",
        "BIKE",
        "in_process",
        [],
        LINE_DEFECTS,
        "II",
        "1.0",
        "4.0",
        operation="OP20",
    )
    with pytest.raises(ConflictError) as empty:
        services.inspection.open_in_process(db, ctx, "WO-BIKE", "OP20")
    assert empty.value.code == "nothing_to_inspect"
    accept(db, ctx, StartStep(plant.bikes[2], "OP10"))  # not past OP20: not in the lot
    for n, bike in enumerate(plant.bikes[:2], 1):
        build_bike_to_op30(db, ctx, bike, n)
    first = services.inspection.open_in_process(db, ctx, "WO-BIKE", "OP20")
    assert (first.number, first.operation, first.work_order) == (
        "IPQC20260316-001",
        "OP20",
        "WO-BIKE",
    )
    assert (first.lot_size, first.units, first.sample_size) == (2, tuple(plant.bikes[:2]), 2)
    with pytest.raises(ConflictError) as twice:
        services.inspection.open_in_process(db, ctx, "WO-BIKE", "OP20")
    assert twice.value.code == "inspection_open"
    clean: list[SampleIn] = [(uuid.uuid4().hex, i, {}, []) for i in (1, 2)]
    services.inspection.record(db, ctx, first.number, clean)
    assert services.inspection.decide(db, ctx, first.number).status == "accepted"
    with pytest.raises(ConflictError) as again:
        services.inspection.open_in_process(db, ctx, "WO-BIKE", "OP20")
    assert again.value.code == "nothing_to_inspect"
    build_bike_to_op30(db, ctx, plant.bikes[3], 4)
    second = services.inspection.open_in_process(db, ctx, "WO-BIKE", "OP20")
    assert second.units == (plant.bikes[3],)


def test_a_rejected_in_process_inspection_stops_its_units_and_what_they_went_into(
    db: Engine, ctx: Context
) -> None:
    """Packs inspected at P10 after one was already built into a bike: the rejection holds
    both packs and that bike, and the bike cannot move on."""
    plant = make_plant(db, ctx, bikes=1, packs=2)
    _patrol_at_p10(db, ctx, [CAPACITY])
    for pack in plant.packs:
        build_pack(db, ctx, pack)
    bike = plant.bikes[0]
    build_bike_to_op30(db, ctx, bike, 1)
    accept(db, ctx, StartStep(bike, "OP30"), BindPart(bike, ComponentRef(serial=plant.packs[0])))
    lot = services.inspection.open_in_process(db, ctx, "WO-PACK", "P10")
    assert lot.units == tuple(plant.packs)
    services.inspection.record(db, ctx, lot.number, _samples(range(1, 2), {1: ["SWELL"]}))
    rejected = services.inspection.decide(db, ctx, lot.number)
    assert rejected.status == "rejected"
    assert rejected.hold_code is not None
    hold = services.holds.get(db, ctx, rejected.hold_code)
    assert set(hold.units) == {*plant.packs, bike}
    assert "in-process (P10) inspection" in hold.reason
    (refused,) = send(db, ctx, CompleteStep(bike, "OP30", True))
    assert refused.error is not None
    assert refused.error.code == "unit_on_hold"
    (record,) = services.holds.nonconformances(db, ctx)
    assert (record.inspection, record.operation) == (lot.number, "P10")


def test_an_in_process_plan_names_an_operation_of_the_items_routing(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    with pytest.raises(InvalidInputError) as unknown:
        services.inspection.put_plan(
            db, ctx, "X", "BIKE", "in_process", [], LINE_DEFECTS, "II", "1.0", operation="OP99"
        )
    assert (unknown.value.field, unknown.value.code) == ("operation", "unknown_operation")
    with pytest.raises(InvalidInputError) as final:
        services.inspection.put_plan(
            db, ctx, "X", "BIKE", "final", [], LINE_DEFECTS, "II", "1.0", operation="OP20"
        )
    assert final.value.field == "operation"
    with pytest.raises(ConflictError) as none:
        services.inspection.open_in_process(db, ctx, "WO-BIKE", "OP10")
    assert none.value.code == "no_inspection_plan"
    assert "in-process inspection at OP10" in str(none.value)
    services.inspection.put_plan(
        db, ctx, "IPQC-OP20", "BIKE", "in_process", [], LINE_DEFECTS, "II", "1.0", operation="OP20"
    )
    assert services.inspection.in_process_operations(db, ctx, "BIKE") == ["OP20"]
    assert services.inspection.in_process_operations(db, ctx, "PACK") == []


def test_two_inspectors_opening_the_same_inspection_at_once_get_one_lot(
    db: Engine, ctx: Context
) -> None:
    """The first opener's transaction is still running when the second asks: the second
    waits for it and is told the inspection is open, instead of opening a twin lot. (On
    SQLite writers queue anyway; the PostgreSQL run is the one that needs the lock.)"""
    plant = make_plant(db, ctx, bikes=2, packs=2)
    services.inspection.put_plan(
        db, ctx, "FQC-BIKE", "BIKE", "final", [], FINAL_DEFECTS, "II", aql_minor="4.0"
    )
    _finished_bikes(db, ctx, plant, 1)  # one of two: the order is not complete
    outcome: list[object] = []

    def second_inspector() -> None:
        try:
            outcome.append(services.inspection.open_final(db, ctx, "WO-BIKE").number)
        except ConflictError as refused:
            outcome.append(refused.code)

    with db.begin() as conn:
        first = services.inspection.open_final_in(conn, ctx, "WO-BIKE")
        racer = threading.Thread(target=second_inspector)
        racer.start()
        time.sleep(0.5)  # the second inspector is at the door now
        assert racer.is_alive()  # and waits for the first to finish
    racer.join(timeout=30)
    assert outcome == ["inspection_open"]
    (opened,) = services.inspection.list_lots(db, ctx, "open")
    assert opened.number == first


def test_units_come_back_to_inspection_only_when_their_rejection_was_not_used_as_is(
    db: Engine, ctx: Context
) -> None:
    """Packs rejected at P10 and reworked are inspected again; packs released as they are
    are not; a pack on hold is left out until it is released."""
    plant = make_plant(db, ctx, bikes=1, packs=3)
    _patrol_at_p10(db, ctx, [CAPACITY])
    first, second, third = plant.packs
    for pack in (first, second):
        build_pack(db, ctx, pack)
    lot = services.inspection.open_in_process(db, ctx, "WO-PACK", "P10")
    services.inspection.record(db, ctx, lot.number, _samples(range(1, 2), {1: ["SWELL"]}))
    rejected = services.inspection.decide(db, ctx, lot.number)
    assert rejected.hold_code is not None
    build_pack(db, ctx, third)
    services.holds.place(db, ctx, "dropped on the floor", serials=[third])
    with pytest.raises(ConflictError) as held:
        services.inspection.open_in_process(db, ctx, "WO-PACK", "P10")
    assert held.value.code == "nothing_to_inspect"  # the two still held, the third too
    services.holds.release(db, ctx, rejected.hold_code, "rework", "re-welded")
    again = services.inspection.open_in_process(db, ctx, "WO-PACK", "P10")
    assert again.units == (first, second)
    services.inspection.record(db, ctx, again.number, _samples(range(1, 2), {1: ["SWELL"]}))
    hold = services.inspection.decide(db, ctx, again.number).hold_code
    assert hold is not None
    services.holds.release(db, ctx, hold, "use_as_is", "concession 2611-3")
    with pytest.raises(ConflictError) as used:
        services.inspection.open_in_process(db, ctx, "WO-PACK", "P10")
    assert used.value.code == "nothing_to_inspect"


def test_an_in_process_inspection_names_its_operation(db: Engine, ctx: Context) -> None:
    make_plant(db, ctx, bikes=1, packs=1)
    with pytest.raises(InvalidInputError) as blank:
        services.inspection.open_in_process(db, ctx, "WO-PACK", " ")
    assert blank.value.field == "operation"


def test_nonconformances_are_listed_open_or_closed_and_only_the_tenants(
    db: Engine, ctx: Context, other_ctx: Context, plant: Plant
) -> None:
    held = services.holds.place(db, ctx, "complaint", lots=[("CELL", "C-1")])
    kept = services.holds.place(db, ctx, "line finding", lots=[("CELL", "C-2")])
    services.holds.release(db, ctx, held.code, "use_as_is")
    assert [r.hold for r in services.holds.nonconformances(db, ctx, "open")] == [kept.code]
    assert [r.hold for r in services.holds.nonconformances(db, ctx, "closed")] == [held.code]
    assert services.holds.open_nonconformances(db, ctx) == 1
    assert services.holds.nonconformances(db, other_ctx) == []
    assert services.holds.open_nonconformances(db, other_ctx) == 0
    with pytest.raises(InvalidInputError):
        services.holds.nonconformances(db, ctx, "pending")


def test_a_rejection_names_the_units_already_shipped_for_a_recall(db: Engine, ctx: Context) -> None:
    """Cells of lot C-10 went into two packs; pack 1 is in bike 1, already shipped. The
    incoming rejection holds the lot and pack 2, and names bike 1 as shipped; so does an
    in-process rejection of the packs at P10, which holds pack 2 only."""
    plant = make_plant(db, ctx, bikes=1, packs=2)
    services.inspection.put_plan(
        db, ctx, "IQC-CELL", "CELL", "incoming", [CAPACITY], DEFECTS, "II", "1.0", "4.0"
    )
    _patrol_at_p10(db, ctx)
    number = _receive(db, ctx, "C-10")
    for pack in plant.packs:
        build_pack(db, ctx, pack, lot="C-10")
    bike = plant.bikes[0]
    build_bike(db, ctx, bike, plant.packs[0], 1)
    accept(db, ctx, ShipUnit(bike, "Hangzhou Ride", "SO-1", "DN-1"))
    patrol = services.inspection.open_in_process(db, ctx, "WO-PACK", "P10")
    assert patrol.units == tuple(plant.packs)
    services.inspection.record(db, ctx, number, _samples(range(1, 2), {1: ["SWELL"]}))
    incoming = services.inspection.decide(db, ctx, number)
    assert incoming.verdict is not None
    assert incoming.verdict.shipped == (bike,)
    assert incoming.hold_code is not None
    assert services.holds.get(db, ctx, incoming.hold_code).units == (plant.packs[1],)
    services.inspection.record(db, ctx, patrol.number, [(uuid.uuid4().hex, 1, {}, ["SWELL"])])
    in_process = services.inspection.decide(db, ctx, patrol.number)
    assert in_process.verdict is not None
    assert in_process.verdict.shipped == (bike,)
    assert in_process.hold_code is not None
    assert services.holds.get(db, ctx, in_process.hold_code).units == (plant.packs[1],)
    (record, _) = services.holds.nonconformances(db, ctx)
    assert record.shipped == (bike,)


def test_inspected_values_are_charted_lot_after_lot_with_the_plans_limits(
    db: Engine, ctx: Context, other_ctx: Context, plant: Plant
) -> None:
    first, second = _receive(db, ctx, "C-41"), _receive(db, ctx, "C-42")
    capacities = {first: [4950, 4900, 4990], second: [4960, 4870]}
    for number, values in capacities.items():
        samples: list[SampleIn] = [
            (uuid.uuid4().hex, i, {"capacity_mah": v}, []) for i, v in enumerate(values, 1)
        ]
        services.inspection.record(db, ctx, number, samples)
    corrected: list[SampleIn] = [(uuid.uuid4().hex, 2, {"capacity_mah": 4910}, [])]
    services.inspection.record(db, ctx, first, corrected)  # sample 2 measured again
    series = services.quality_report.sampled_series(db, ctx, "IQC-CELL", "capacity_mah")
    assert (series.item_code, series.measured_at) == ("CELL", "IQC-CELL")
    assert series.values == (4950, 4910, 4990, 4960, 4870)
    assert series.serials[:2] == (f"{first} #1", f"{first} #2")
    assert series.chart is not None
    assert series.chart.capability is not None
    assert series.chart.capability.cpk is not None  # against the plan's LSL 4800 mAh
    assert services.quality_report.sampled_characteristics(db, ctx) == [
        ("IQC-CELL", "CELL", "capacity_mah", "Capacity")
    ]
    with pytest.raises(NotFoundError):
        services.quality_report.sampled_series(db, other_ctx, "IQC-CELL", "capacity_mah")
    assert services.quality_report.sampled_characteristics(db, other_ctx) == []
