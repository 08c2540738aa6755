"""Work orders through the services: lifecycle, BOM/routing snapshot, units and serials."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from tests.factories import make_bike, make_item, make_released_order, make_work_order
from tracemes import services, store
from tracemes.domain.boms import BomLine
from tracemes.domain.errors import (
    ConflictError,
    InvalidInputError,
    InvalidTransitionError,
    NotFoundError,
)
from tracemes.domain.work_orders import Status
from tracemes.services.context import Context


def ledger_types(db: Engine, ctx: Context, subject: str) -> list[str]:
    with db.connect() as conn:
        return store.ledger.types_for(conn, ctx.tenant_id, subject)


def test_releasing_an_order_records_it_in_the_ledger(db: Engine, ctx: Context) -> None:
    order = make_work_order(db, ctx)

    released = services.work_orders.release(db, ctx, order.code)

    assert released.status is Status.RELEASED
    assert ledger_types(db, ctx, order.code) == ["work_order.created", "work_order.released"]


def test_release_pins_the_bom_and_routing_versions_of_that_moment(db: Engine, ctx: Context) -> None:
    order = make_work_order(db, ctx)
    services.work_orders.release(db, ctx, order.code)
    bom = services.boms.get(db, ctx, order.item_code)

    services.boms.replace(db, ctx, order.item_code, bom.lines[:2])  # a later engineering change

    stored = services.work_orders.get(db, ctx, order.code).order
    assert (stored.bom_version, stored.routing_version) == (1, 1)
    assert services.boms.get(db, ctx, order.item_code).version == 2


def test_an_item_without_a_routing_or_bom_cannot_be_released(db: Engine, ctx: Context) -> None:
    make_bike(db, ctx, "BIKE")
    make_item(db, ctx, "BARE")
    order = services.work_orders.create(db, ctx, "BARE", 5, "L1", code="WO-BARE")

    with pytest.raises(ConflictError, match="item BARE has no routing") as refusal:
        services.work_orders.release(db, ctx, order.code)
    assert refusal.value.code == "no_routing"
    assert services.work_orders.get(db, ctx, "WO-BARE").order.status is Status.PLANNED


def test_a_bom_that_contradicts_the_routing_blocks_release(db: Engine, ctx: Context) -> None:
    order = make_work_order(db, ctx)
    bom = services.boms.get(db, ctx, order.item_code)
    moved = [replace(bom.lines[0], operation_code="OP99"), *bom.lines[1:]]
    services.boms.replace(db, ctx, order.item_code, moved)

    with pytest.raises(ConflictError, match="has no such operation") as refusal:
        services.work_orders.release(db, ctx, order.code)
    assert refusal.value.code == "bom_routing_mismatch"


def test_releasing_twice_is_refused(db: Engine, ctx: Context) -> None:
    order = make_released_order(db, ctx)

    with pytest.raises(InvalidTransitionError, match="is released; it cannot become released"):
        services.work_orders.release(db, ctx, order.code)
    assert ledger_types(db, ctx, order.code).count("work_order.released") == 1


def test_a_retried_release_with_the_same_key_answers_the_same(db: Engine, ctx: Context) -> None:
    order = make_work_order(db, ctx)
    keyed = replace(ctx, idempotency_key="release-1")

    first = services.work_orders.release(db, keyed, order.code)
    second = services.work_orders.release(db, keyed, order.code)

    assert first.status is second.status is Status.RELEASED
    assert ledger_types(db, ctx, order.code).count("work_order.released") == 1


def test_a_generated_code_is_dated_and_numbered(db: Engine, ctx: Context) -> None:
    bike = make_bike(db, ctx, "BIKE")
    first = services.work_orders.create(db, ctx, bike, 5, "L1")
    second = services.work_orders.create(db, ctx, bike, 5, "L1")

    assert (first.code, second.code) == ("WO20260316-001", "WO20260316-002")


def test_a_retried_create_without_a_code_makes_one_order(db: Engine, ctx: Context) -> None:
    bike = make_bike(db, ctx, "BIKE")
    keyed = replace(ctx, idempotency_key="create-1")

    first = services.work_orders.create(db, keyed, bike, 5, "L1")
    again = services.work_orders.create(db, keyed, bike, 5, "L1")

    assert first == again
    assert len(services.work_orders.list_all(db, ctx)) == 1


def test_an_order_names_an_existing_item_and_line(db: Engine, ctx: Context) -> None:
    bike = make_bike(db, ctx, "BIKE")
    with pytest.raises(InvalidInputError, match="unknown item NOPE"):
        services.work_orders.create(db, ctx, "NOPE", 5, "L1")
    with pytest.raises(InvalidInputError, match="unknown line L9"):
        services.work_orders.create(db, ctx, bike, 5, "L9")
    with pytest.raises(InvalidInputError, match="quantity: must be greater than zero"):
        services.work_orders.create(db, ctx, bike, 0, "L1")
    assert services.work_orders.list_all(db, ctx) == []


def test_units_get_serials_from_the_items_pattern_and_count_as_planned(
    db: Engine, ctx: Context
) -> None:
    order = make_released_order(db, ctx, quantity=5)

    serials = services.work_orders.add_units(db, ctx, order.code, count=3)

    assert serials == ["BK2603160001", "BK2603160002", "BK2603160003"]
    view = services.work_orders.get(db, ctx, order.code)
    assert [u.serial for u in view.units] == serials
    assert {u.status for u in view.units} == {"queued"}
    assert (view.progress.planned, view.progress.started, view.progress.completed) == (
        Decimal(5),
        0,
        0,
    )
    assert ledger_types(db, ctx, order.code)[-1] == "work_order.units_created"


def test_serials_continue_the_days_sequence_and_restart_the_next_day(
    db: Engine, ctx: Context
) -> None:
    order = make_released_order(db, ctx, quantity=10)
    services.work_orders.add_units(db, ctx, order.code, count=2)

    later = services.work_orders.add_units(db, ctx, order.code, count=1)
    tomorrow = replace(ctx, now=ctx.now + timedelta(days=1))
    next_day = services.work_orders.add_units(db, tomorrow, order.code, count=1)

    assert later == ["BK2603160003"]
    assert next_day == ["BK2603170001"]


def test_generated_serials_skip_ones_typed_in_by_hand(db: Engine, ctx: Context) -> None:
    order = make_released_order(db, ctx, quantity=5)
    services.work_orders.add_units(db, ctx, order.code, serials=["BK2603160002"])

    assert services.work_orders.add_units(db, ctx, order.code, count=2) == [
        "BK2603160001",
        "BK2603160003",
    ]


def test_a_serial_in_use_is_refused_and_nothing_is_added(db: Engine, ctx: Context) -> None:
    order = make_released_order(db, ctx, quantity=5)
    services.work_orders.add_units(db, ctx, order.code, serials=["S-1"])

    with pytest.raises(ConflictError, match=r"serials already in use for .*: S-1") as refusal:
        services.work_orders.add_units(db, ctx, order.code, serials=["S-2", "S-1"])
    assert refusal.value.code == "serial_in_use"
    with pytest.raises(InvalidInputError, match="listed twice"):
        services.work_orders.add_units(db, ctx, order.code, serials=["S-3", "S-3"])
    assert [u.serial for u in services.work_orders.get(db, ctx, order.code).units] == ["S-1"]


def test_units_beyond_the_order_quantity_are_refused(db: Engine, ctx: Context) -> None:
    order = make_released_order(db, ctx, quantity=3)
    services.work_orders.add_units(db, ctx, order.code, count=2)

    with pytest.raises(ConflictError, match="is for 3 units and has 2; 2 more would exceed it"):
        services.work_orders.add_units(db, ctx, order.code, count=2)
    assert len(services.work_orders.get(db, ctx, order.code).units) == 2


def test_a_planned_order_gets_no_units(db: Engine, ctx: Context) -> None:
    order = make_work_order(db, ctx)
    with pytest.raises(InvalidTransitionError, match="units are added once it is released"):
        services.work_orders.add_units(db, ctx, order.code, count=1)


def test_a_retried_unit_request_returns_the_same_serials(db: Engine, ctx: Context) -> None:
    order = make_released_order(db, ctx, quantity=10)
    keyed = replace(ctx, idempotency_key="units-1")

    first = services.work_orders.add_units(db, keyed, order.code, count=4)
    again = services.work_orders.add_units(db, keyed, order.code, count=4)

    assert first == again
    assert len(services.work_orders.get(db, ctx, order.code).units) == 4


def test_count_or_serials_must_be_given_but_not_both(db: Engine, ctx: Context) -> None:
    order = make_released_order(db, ctx)
    with pytest.raises(InvalidInputError, match="either count or serials"):
        services.work_orders.add_units(db, ctx, order.code)
    with pytest.raises(InvalidInputError, match="either count or serials"):
        services.work_orders.add_units(db, ctx, order.code, count=1, serials=["X"])


def test_cancel_and_close_follow_the_lifecycle(db: Engine, ctx: Context) -> None:
    planned = make_work_order(db, ctx)
    released = make_released_order(db, ctx)

    assert services.work_orders.cancel(db, ctx, planned.code, "customer withdrew").status is (
        Status.CANCELLED
    )
    with pytest.raises(InvalidTransitionError, match="is cancelled; it cannot become released"):
        services.work_orders.release(db, ctx, planned.code)
    with pytest.raises(InvalidTransitionError, match="is released; it cannot become closed"):
        services.work_orders.close(db, ctx, released.code)
    with db.connect() as conn:
        cancelled = store.ledger.list_for(conn, ctx.tenant_id, planned.code)[-1]
    assert cancelled.payload == {"reason": "customer withdrew"}


def test_lists_filter_by_status_newest_first(db: Engine, ctx: Context) -> None:
    first = make_work_order(db, ctx)
    second = make_released_order(db, ctx)

    assert [o.code for o in services.work_orders.list_all(db, ctx)] == [second.code, first.code]
    released = services.work_orders.list_all(db, ctx, frozenset({Status.RELEASED}))
    assert [o.code for o in released] == [second.code]


def test_another_tenants_orders_are_invisible_and_untouchable(
    db: Engine, ctx: Context, other_ctx: Context
) -> None:
    order = make_work_order(db, ctx)

    for action in (
        services.work_orders.get,
        services.work_orders.release,
        services.work_orders.cancel,
        services.work_orders.close,
    ):
        with pytest.raises(NotFoundError, match=f"work order {order.code} not found"):
            action(db, other_ctx, order.code)
    with pytest.raises(NotFoundError):
        services.work_orders.add_units(db, other_ctx, order.code, count=1)
    assert services.work_orders.list_all(db, other_ctx) == []
    assert services.work_orders.get(db, ctx, order.code).order.status is Status.PLANNED


def test_decimal_quantities_survive_the_round_trip(db: Engine, ctx: Context) -> None:
    make_bike(db, ctx, "BIKE")
    make_item(db, ctx, "PAINT", "lot", uom="kg")
    services.boms.replace(db, ctx, "PAINT", [])
    services.boms.replace(db, ctx, "BIKE", [BomLine("PAINT", Decimal("0.125"))])

    assert services.boms.get(db, ctx, "BIKE").lines[0].quantity == Decimal("0.125")
    order = services.work_orders.create(db, ctx, "PAINT", "12.5", "L1", code="WO-PAINT")
    assert services.work_orders.get(db, ctx, order.code).order.quantity == Decimal("12.5")
