"""Items, lines, stations, BOMs and routings through the services, on a real database."""

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.factories import make_bike, make_item, make_line
from tracemes import domain, services, store
from tracemes.domain.boms import BomLine
from tracemes.domain.errors import (
    AlreadyExistsError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from tracemes.domain.routings import Operation
from tracemes.services.context import Context


def ledger_types(db: Engine, ctx: Context, subject: str) -> list[str]:
    with db.connect() as conn:
        return store.ledger.types_for(conn, ctx.tenant_id, subject)


def test_creating_an_item_stores_it_and_records_it_in_the_ledger(db: Engine, ctx: Context) -> None:
    services.items.create(
        db, ctx, "EB-A1", "城市电动车", "pcs", "serial", "4006381333931", "1299.5", "EB{seq:5}"
    )

    item = services.items.get(db, ctx, "EB-A1")
    assert (item.name, item.gtin, item.standard_cost) == (
        "城市电动车",
        "04006381333931",
        Decimal("1299.5"),
    )
    assert ledger_types(db, ctx, "EB-A1") == ["item.created"]


def test_a_duplicate_item_code_is_refused_and_the_first_stays(db: Engine, ctx: Context) -> None:
    make_item(db, ctx, "EB-A1")
    with pytest.raises(AlreadyExistsError, match="item EB-A1 already exists"):
        services.items.create(db, ctx, "EB-A1", "Other", "pcs", "lot")

    assert services.items.get(db, ctx, "EB-A1").name == "Test item"
    assert ledger_types(db, ctx, "EB-A1") == ["item.created"]


def test_a_retried_request_with_the_same_key_is_stored_once(db: Engine, ctx: Context) -> None:
    keyed = replace(ctx, idempotency_key="c0ffee-1")
    first = services.items.create(db, keyed, "EB-A1", "Bike", "pcs", "serial")
    again = services.items.create(db, keyed, "EB-A1", "Bike", "pcs", "serial")

    assert first == again
    assert ledger_types(db, ctx, "EB-A1") == ["item.created"]


def test_a_key_reused_for_another_request_is_refused(db: Engine, ctx: Context) -> None:
    keyed = replace(ctx, idempotency_key="c0ffee-2")
    services.items.create(db, keyed, "EB-A1", "Bike", "pcs", "serial")

    with pytest.raises(IdempotencyConflictError, match=r"already used for item\.created of EB-A1"):
        services.items.create(db, keyed, "EB-B2", "Bike 2", "pcs", "serial")
    with pytest.raises(NotFoundError):
        services.items.get(db, ctx, "EB-B2")


def test_another_tenants_items_are_invisible(db: Engine, ctx: Context, other_ctx: Context) -> None:
    make_item(db, ctx, "EB-A1")

    with pytest.raises(NotFoundError):
        services.items.get(db, other_ctx, "EB-A1")
    assert services.items.list_all(db, other_ctx) == []
    make_item(db, other_ctx, "EB-A1")  # the same code is free in another company


def test_a_station_belongs_to_an_existing_line(db: Engine, ctx: Context) -> None:
    make_line(db, ctx, "L1")

    with pytest.raises(InvalidInputError, match="unknown line L9"):
        services.lines.create_station(db, ctx, "S9", "Station 9", "L9")
    assert [s.code for s in services.lines.list_stations(db, ctx, "L1")] == ["L1-S1", "L1-S2"]
    assert services.lines.get_station(db, ctx, "L1-S2").line_code == "L1"


def test_lines_and_stations_of_another_tenant_are_invisible(
    db: Engine, ctx: Context, other_ctx: Context
) -> None:
    make_line(db, ctx, "L1")

    with pytest.raises(NotFoundError):
        services.lines.get(db, other_ctx, "L1")
    with pytest.raises(NotFoundError):
        services.lines.get_station(db, other_ctx, "L1-S1")
    with pytest.raises(InvalidInputError, match="unknown line L1"):
        services.lines.create_station(db, other_ctx, "X", "X", "L1")
    assert services.lines.list_stations(db, other_ctx) == []


def test_replacing_a_bom_keeps_the_old_version(db: Engine, ctx: Context) -> None:
    make_bike(db, ctx, "BIKE")
    make_item(db, ctx, "BELL", "none")
    first = services.boms.get(db, ctx, "BIKE")

    second = services.boms.replace(db, ctx, "BIKE", [*first.lines, BomLine("BELL", Decimal(1))])

    assert (first.version, second.version) == (1, 2)
    assert services.boms.get(db, ctx, "BIKE") == second
    with db.connect() as conn:
        assert store.boms.get(conn, ctx.tenant_id, "BIKE", 1) == first
    assert ledger_types(db, ctx, "BIKE").count("bom.replaced") == 2


def test_an_unchanged_bom_makes_no_new_version(db: Engine, ctx: Context) -> None:
    make_bike(db, ctx, "BIKE")
    current = services.boms.get(db, ctx, "BIKE")

    assert services.boms.replace(db, ctx, "BIKE", current.lines).version == current.version


def test_a_bom_cycle_through_a_sub_assembly_is_refused(db: Engine, ctx: Context) -> None:
    make_item(db, ctx, "BIKE")
    make_item(db, ctx, "PACK")
    services.boms.replace(db, ctx, "BIKE", [BomLine("PACK", Decimal(1), True)])

    with pytest.raises(InvalidInputError, match="BIKE contains PACK"):
        services.boms.replace(db, ctx, "PACK", [BomLine("BIKE", Decimal(1))])
    with pytest.raises(NotFoundError):
        services.boms.get(db, ctx, "PACK")


def test_a_bom_of_an_unknown_item_is_not_found(db: Engine, ctx: Context) -> None:
    with pytest.raises(NotFoundError, match="item NOPE not found"):
        services.boms.replace(db, ctx, "NOPE", [])


def test_a_routing_names_only_existing_lines_stations_and_items(db: Engine, ctx: Context) -> None:
    make_item(db, ctx, "BIKE")
    make_line(db, ctx, "L1")
    make_line(db, ctx, "L2")

    def routing(**fields: Any) -> list[Operation]:
        return [replace(Operation(10, "OP10", "Frame", Decimal(60), "L1", "L1-S1"), **fields)]

    with pytest.raises(InvalidInputError, match="unknown line L7"):
        services.routings.replace(db, ctx, "BIKE", routing(line_code="L7"))
    with pytest.raises(InvalidInputError, match="unknown station S7"):
        services.routings.replace(db, ctx, "BIKE", routing(station_code="S7"))
    with pytest.raises(InvalidInputError, match="station L2-S1 is on line L2, not L1"):
        services.routings.replace(db, ctx, "BIKE", routing(station_code="L2-S1"))
    with pytest.raises(InvalidInputError, match="binds: unknown item GHOST"):
        services.routings.replace(db, ctx, "BIKE", routing(binds=("GHOST",)))

    stored = services.routings.replace(db, ctx, "BIKE", routing())
    assert stored.version == 1
    assert services.routings.get(db, ctx, "BIKE").operations[0].station_code == "L1-S1"


def test_changing_an_items_tracking_is_refused_but_other_fields_may_change(
    db: Engine, ctx: Context
) -> None:
    make_item(db, ctx, "BIKE")
    with db.begin() as conn:
        renamed = domain.items.new("BIKE", "Renamed", "pcs", "serial")
        assert services.items.save(conn, ctx, renamed) == "updated"
        assert services.items.save(conn, ctx, renamed) == "unchanged"
    with db.begin() as conn, pytest.raises(domain.errors.ConflictError, match="cannot change"):
        services.items.save(conn, ctx, domain.items.new("BIKE", "Renamed", "pcs", "lot"))
    assert services.items.get(db, ctx, "BIKE").tracking is domain.items.Tracking.SERIAL
    assert ledger_types(db, ctx, "BIKE") == ["item.created", "item.updated"]
