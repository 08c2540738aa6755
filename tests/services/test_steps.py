"""Step execution: units follow their routing in order; held, scrapped and finished units stop."""

from dataclasses import replace
from decimal import Decimal

from sqlalchemy.engine import Engine

from tests.factories import accept, build_bike, build_pack, make_plant, send
from tracemes import services, store
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.unit_events import ScrapUnit, ShipUnit
from tracemes.domain.work_orders import Status
from tracemes.services.context import Context


def refusal(db: Engine, ctx: Context, *commands: object) -> str:
    """The code of the last event's refusal (earlier events must be accepted)."""
    outcomes = send(db, ctx, *commands)  # type: ignore[arg-type]
    assert all(o.error is None for o in outcomes[:-1]), [o.error for o in outcomes]
    error = outcomes[-1].error
    assert error is not None, "the last event was accepted"
    return error.code


def unit(db: Engine, ctx: Context, serial: str) -> tuple[str, str | None]:
    facts = services.trace.backward(db, ctx, serial).unit
    return facts.status.value, facts.operation


def test_a_unit_starts_at_its_first_operation_only(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]

    assert refusal(db, ctx, StartStep(bike, "OP20")) == "wrong_operation"
    accept(db, ctx, StartStep(bike, "OP10"))
    assert unit(db, ctx, bike) == ("in_progress", "OP10")


def test_a_step_cannot_complete_before_it_starts_or_start_twice(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]

    assert refusal(db, ctx, CompleteStep(bike, "OP10", True)) == "step_not_started"
    assert refusal(db, ctx, StartStep(bike, "OP10"), StartStep(bike, "OP10")) == (
        "step_already_started"
    )


def test_an_unknown_operation_is_bad_input(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]

    outcome = send(db, ctx, StartStep(bike, "OP99"))[0]
    assert outcome.error is not None
    assert outcome.error.code == "validation"
    assert "OP99 is not an operation" in str(outcome.error)


def test_a_pass_needs_the_key_parts_due_at_that_operation(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    accept(db, ctx, StartStep(bike, "OP10"))

    outcome = send(db, ctx, CompleteStep(bike, "OP10", True))[0]
    assert outcome.error is not None
    assert outcome.error.code == "key_part_missing"
    assert "FRAME (0 of 1)" in str(outcome.error)

    accept(
        db,
        ctx,
        BindPart(bike, ComponentRef(serial="F-1", item="FRAME")),
        CompleteStep(bike, "OP10", True),
    )
    assert unit(db, ctx, bike) == ("in_progress", "OP20")


def test_lot_key_parts_must_reach_the_bom_quantity(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    accept(
        db,
        ctx,
        StartStep(bike, "OP10"),
        BindPart(bike, ComponentRef(serial="F-1", item="FRAME")),
        CompleteStep(bike, "OP10", True),
        StartStep(bike, "OP20"),
        BindPart(bike, ComponentRef(serial="M-1", item="MOTOR")),
        BindPart(bike, ComponentRef(item="SCREW", lot="S-1", quantity=Decimal(3))),
    )

    outcome = send(db, ctx, CompleteStep(bike, "OP20", True))[0]
    assert outcome.error is not None
    assert "SCREW (3 of 4)" in str(outcome.error)


def test_the_last_pass_completes_the_unit_and_the_order(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    assert services.work_orders.get(db, ctx, plant.pack_order).order.status is Status.COMPLETED

    accept(db, ctx, StartStep(plant.bikes[0], "OP10"))
    assert services.work_orders.get(db, ctx, plant.bike_order).order.status is Status.IN_PROGRESS
    accept(db, ctx, BindPart(plant.bikes[0], ComponentRef(serial="F-9", item="FRAME")))
    build_rest: list[Command] = [
        CompleteStep(plant.bikes[0], "OP10", True),
        StartStep(plant.bikes[0], "OP20"),
        BindPart(plant.bikes[0], ComponentRef(serial="M-9", item="MOTOR")),
        BindPart(plant.bikes[0], ComponentRef(item="SCREW", lot="S-1")),
        CompleteStep(plant.bikes[0], "OP20", True),
        StartStep(plant.bikes[0], "OP30"),
        BindPart(plant.bikes[0], ComponentRef(serial=plant.packs[0])),
        CompleteStep(plant.bikes[0], "OP30", True, {"voltage": 48.2}),
    ]
    accept(db, ctx, *build_rest)

    view = services.work_orders.get(db, ctx, plant.bike_order)
    assert view.order.status is Status.COMPLETED
    assert (view.progress.started, view.progress.completed) == (1, 1)
    assert unit(db, ctx, plant.bikes[0]) == ("completed", None)


def test_a_fail_sends_the_unit_to_rework_where_the_routing_says(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    bike = plant.bikes[0]
    accept(
        db,
        ctx,
        StartStep(bike, "OP10"),
        BindPart(bike, ComponentRef(serial="F-1", item="FRAME")),
        CompleteStep(bike, "OP10", False, {"gap_mm": 2.5}, ("WELD-GAP",)),
    )
    assert unit(db, ctx, bike) == ("rework", "OP10")  # OP10 repeats itself

    accept(
        db,
        ctx,
        StartStep(bike, "OP10"),
        CompleteStep(bike, "OP10", True),
        StartStep(bike, "OP20"),
        BindPart(bike, ComponentRef(serial="M-1", item="MOTOR")),
        BindPart(bike, ComponentRef(item="SCREW", lot="S-1")),
        CompleteStep(bike, "OP20", True),
        StartStep(bike, "OP30"),
        BindPart(bike, ComponentRef(serial=plant.packs[0])),
        CompleteStep(bike, "OP30", False, {}, ("NO-POWER",)),
    )
    assert unit(db, ctx, bike) == ("rework", "OP20")  # OP30 sends it back to OP20

    runs = services.trace.backward(db, ctx, bike).step_runs
    first = next(r for r in runs if r.serial == bike)
    assert (first.operation, first.result, first.measurements, first.defects) == (
        "OP10",
        "fail",
        {"gap_mm": 2.5},
        ["WELD-GAP"],
    )
    assert [r.result for r in runs if r.serial == bike] == ["fail", "pass", "pass", "fail"]


def test_scrapped_completed_and_held_units_cannot_move(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=3, packs=1)
    scrapped, held, _ = plant.bikes
    build_pack(db, ctx, plant.packs[0])

    accept(db, ctx, ScrapUnit(scrapped, "dropped"))
    services.holds.place(db, ctx, "frame supplier alert", serials=[held])

    assert refusal(db, ctx, StartStep(scrapped, "OP10")) == "unit_scrapped"
    assert refusal(db, ctx, StartStep(held, "OP10")) == "unit_on_hold"
    assert refusal(db, ctx, StartStep(plant.packs[0], "P10")) == "unit_completed"


def test_only_completed_units_ship_and_shipping_records_the_customer(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=2, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)

    assert refusal(db, ctx, ShipUnit(plant.bikes[1], "Shop A")) == "unit_not_completed"
    accept(db, ctx, ShipUnit(plant.bikes[0], "Velo Shop Hangzhou", "SO-7", "DN-12"))

    facts = services.trace.backward(db, ctx, plant.bikes[0]).unit
    assert (facts.status.value, facts.customer, facts.sales_order, facts.delivery) == (
        "shipped",
        "Velo Shop Hangzhou",
        "SO-7",
        "DN-12",
    )
    assert refusal(db, ctx, StartStep(plant.bikes[0], "OP10")) == "unit_shipped"


def test_steps_keep_station_operator_and_time(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    services.users.create(db, ctx, "zhang.san", "operator")
    events = [
        services.shop_floor.FloorEvent(
            "e-1", StartStep(bike, "OP10"), ctx.now, station="L1-S1", operator="zhang.san"
        )
    ]
    assert services.shop_floor.record(db, ctx, events)[0].error is None

    run = services.trace.backward(db, ctx, bike).step_runs[0]
    assert (run.station, run.operator, run.started_at) == ("L1-S1", "zhang.san", ctx.now)
    unknown = replace(events[0], event_id="e-2", station="NOPE")
    outcome = services.shop_floor.record(db, ctx, [unknown])[0]
    assert outcome.error is not None
    assert outcome.error.code == "unknown_station"


def test_a_replayed_event_is_answered_accepted_and_stored_once(db: Engine, ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]
    event = services.shop_floor.FloorEvent("same-id", StartStep(bike, "OP10"))

    first = services.shop_floor.record(db, ctx, [event])
    again = services.shop_floor.record(db, ctx, [event, event])

    assert [o.accepted for o in first + again] == [True, True, True]
    with db.connect() as conn:
        assert store.ledger.types_for(conn, ctx.tenant_id, bike) == ["step.started"]
    assert len(services.trace.backward(db, ctx, bike).step_runs) == 1


def test_a_refused_event_in_a_batch_leaves_the_others(db: Engine, ctx: Context) -> None:
    first, second = make_plant(db, ctx, bikes=2).bikes

    outcomes = send(
        db,
        ctx,
        StartStep(first, "OP10"),
        CompleteStep(first, "OP20", True),
        StartStep(second, "OP10"),
    )

    assert [o.error.code if o.error else "ok" for o in outcomes] == ["ok", "step_not_started", "ok"]
    assert unit(db, ctx, second) == ("in_progress", "OP10")


def test_another_tenants_units_are_unknown(db: Engine, ctx: Context, other_ctx: Context) -> None:
    bike = make_plant(db, ctx).bikes[0]

    outcome = send(db, other_ctx, StartStep(bike, "OP10"))[0]

    assert outcome.error is not None
    assert outcome.error.code == "not_found"
    assert unit(db, ctx, bike) == ("queued", "OP10")


def test_units_of_a_cancelled_or_closed_order_cannot_be_worked(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=2, packs=1)
    services.work_orders.cancel(db, ctx, plant.pack_order, "customer withdrew")
    accept(db, ctx, StartStep(plant.bikes[0], "OP10"))
    services.work_orders.close(db, ctx, plant.bike_order, "stopped short")

    assert refusal(db, ctx, StartStep(plant.packs[0], "P10")) == "work_order_closed"
    assert refusal(db, ctx, StartStep(plant.bikes[1], "OP10")) == "work_order_closed"
    assert refusal(db, ctx, BindPart(plant.bikes[0], ComponentRef(serial="F-1", item="FRAME"))) == (
        "work_order_closed"
    )


def test_shipping_keeps_the_completion_time(db: Engine, ctx: Context) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
    completed = services.trace.backward(db, ctx, plant.bikes[0]).unit.completed_at

    accept(db, ctx, ShipUnit(plant.bikes[0], "Shop A"))

    assert completed is not None
    assert services.trace.backward(db, ctx, plant.bikes[0]).unit.completed_at == completed


def test_a_pack_inside_a_bike_cannot_be_shipped_or_scrapped_on_its_own(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)

    assert refusal(db, ctx, ShipUnit(plant.packs[0], "Someone else")) == "part_bound_in"
    assert refusal(db, ctx, ScrapUnit(plant.packs[0], "dented")) == "part_bound_in"
