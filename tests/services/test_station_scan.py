"""A station scan is one service call: read in one transaction, booked once, refused whole."""

from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from tests.factories import Plant, make_plant, statements_run, transactions_begun
from tracemes import services
from tracemes.domain.station import Meaning
from tracemes.services.context import Context


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    return make_plant(db, ctx, bikes=2, packs=1)


def test_a_unit_then_its_part_then_pass(db: Engine, ctx: Context, plant: Plant) -> None:
    bike = plant.bikes[0]

    started = services.station.scan(db, ctx, "L1-S1", bike)
    bound = services.station.scan(db, ctx, "L1-S1", "FR-00001", bike)
    passed = services.station.scan(db, ctx, "L1-S1", "PASS", bike)

    assert (started.meaning, started.started) == (Meaning.UNIT, "OP10")
    assert started.unit is not None
    assert started.unit.started
    assert bound.meaning is Meaning.PART
    assert bound.accepted
    assert bound.unit is not None
    assert [(d.item_code, d.bound) for d in bound.unit.due] == [("FRAME", Decimal(1))]
    assert (passed.meaning, passed.unit) == (Meaning.VERDICT, None)
    trace = services.trace.backward(db, ctx, bike)
    assert [node.edge.serial for node in trace.parts] == ["FR-00001"]
    assert [(run.operation, run.result) for run in trace.step_runs] == [("OP10", "pass")]
    assert trace.step_runs[0].station == "L1-S1"


def test_a_refused_scan_changes_nothing_and_shows_the_unit(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    first, second = plant.bikes
    services.station.scan(db, ctx, "L1-S1", first)
    services.station.scan(db, ctx, "L1-S1", "FR-00001", first)
    services.station.scan(db, ctx, "L1-S1", second)
    before = services.ledger.head(db, ctx.tenant_id).position

    refused = services.station.scan(db, ctx, "L1-S1", "FR-00001", second)

    assert not refused.accepted
    assert refused.error is not None
    assert refused.error.code == "part_already_bound"
    assert refused.unit is not None
    assert refused.unit.serial == second
    assert [(d.item_code, d.bound) for d in refused.unit.due] == [("FRAME", Decimal(0))]
    assert services.ledger.head(db, ctx.tenant_id).position == before
    assert [n.edge.serial for n in services.trace.backward(db, ctx, first).parts] == ["FR-00001"]


def test_a_resent_scan_is_booked_once(db: Engine, ctx: Context, plant: Plant) -> None:
    bike = plant.bikes[0]
    services.station.scan(db, ctx, "L1-S1", bike, event_id="start-1")
    first = services.station.scan(db, ctx, "L1-S1", "FR-00001", bike, event_id="bind-1")
    again = services.station.scan(db, ctx, "L1-S1", "FR-00001", bike, event_id="bind-1")

    assert first.accepted
    assert again.accepted
    assert [node.edge.serial for node in services.trace.backward(db, ctx, bike).parts] == [
        "FR-00001"
    ]
    types = [event.type for event in services.trace.history(db, ctx, bike)]
    assert types.count("part.bound") == 1
    assert types.count("step.started") == 1


def test_a_station_label_and_the_refusals_of_a_scan_with_no_unit(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    moved = services.station.scan(db, ctx, "L1-S1", "L1-S2", plant.bikes[0])
    alone = services.station.scan(db, ctx, "L1-S1", "FR-00001")
    verdict = services.station.scan(db, ctx, "L1-S1", "PASS", plant.bikes[0])

    assert (moved.meaning, moved.station, moved.unit) == (Meaning.STATION, "L1-S2", None)
    assert alone.error is not None
    assert alone.error.code == "scan_a_unit_first"
    assert verdict.error is not None
    assert verdict.error.code == "step_not_started"


def test_another_companys_unit_is_a_label_not_a_unit(
    db: Engine, ctx: Context, other_ctx: Context, plant: Plant
) -> None:
    scanned = services.station.scan(db, other_ctx, None, plant.bikes[0])

    assert scanned.error is not None
    assert scanned.error.code == "scan_a_unit_first"
    assert services.trace.backward(db, ctx, plant.bikes[0]).step_runs == []


def test_a_part_scan_is_one_transaction(db: Engine, ctx: Context, plant: Plant) -> None:
    """The page took 5 transactions for this before (load, ask, record, load, redraw)."""
    bike, warm = plant.bikes[0], plant.bikes[1]
    # As in a running server, an earlier part scan has left the plans, the station's id and
    # the frame item's id in the caches kept per database.
    services.station.scan(db, ctx, "L1-S1", warm)
    services.station.scan(db, ctx, "L1-S1", "FR-00009", warm)
    services.station.scan(db, ctx, "L1-S1", bike)

    with transactions_begun(db) as begun, statements_run(db) as statements:
        done = services.station.scan(db, ctx, "L1-S1", "FR-00001", bike)

    assert done.accepted
    assert len(begun) == 1
    # 12 on SQLite (19 before the one floor): 1 reads the label (is it a serial, a lot, a
    # station, which item's pattern?), 4 load the floor (units, the edges around them, work
    # orders, open steps), 1 asks the ledger for the event id, 6 write (the new part with
    # its id, the binding, and 4 for the ledger line and its hash chain).
    sent = [s for s, _ in statements if not s.lstrip().upper().startswith(("SET", "BEGIN"))]
    assert len(sent) <= 12, "\n".join(sent)


def test_showing_a_unit_locks_nothing_and_a_scan_locks_what_it_changes(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    """A phone showing a unit must not queue the line's writers behind it."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks: it serialises writers instead")
    bike = plant.bikes[0]
    with statements_run(db) as shown:
        services.station.unit_at(db, ctx, bike)
    with statements_run(db) as scanned:
        services.station.scan(db, ctx, "L1-S1", bike)

    def locking(statements: list[tuple[str, object]]) -> list[str]:
        return [s for s, _ in statements if "FOR UPDATE" in s.upper()]

    assert locking(shown) == []
    assert len(locking(scanned)) >= 2  # the unit and its work order
