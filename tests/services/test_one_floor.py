"""Units and production lots on one floor: a batch that mixes them is loaded once, applied in
order on shared state, and written once."""

import threading
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.factories import accept, make_blade_plant, send
from tracemes import services
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.production_lots import MergeLots, ReportLotStep, ShipLot, SplitLot, TransferLot
from tracemes.domain.step_runs import StartStep
from tracemes.services.context import Context

D = Decimal
OPERATIONS = ("CUT", "GRIND", "COAT")


def _finish(lot: str, quantity: int) -> list[ReportLotStep | TransferLot]:
    """A quantity of a lot reported good and sent on at every operation, into stock."""
    events: list[ReportLotStep | TransferLot] = []
    for op in OPERATIONS:
        events += [
            ReportLotStep("BLADE", lot, op, D(quantity)),
            TransferLot("BLADE", lot, op, D(quantity)),
        ]
    return events


def test_a_lot_split_off_and_finished_in_one_batch_keeps_what_went_into_stock(
    db: Engine, ctx: Context
) -> None:
    """The new lot's stock row is written once, as it stands at the end of the batch: the
    40 blades finished from it are in stock, not lost to a row stored empty."""
    make_blade_plant(db, ctx)
    (lot,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [100])
    accept(db, ctx, SplitLot("BLADE", lot, "CUT", D(40), "RUSH"), *_finish("RUSH", 40))
    rush = services.production_lots.get(db, ctx, "BLADE", "RUSH")
    assert rush.stock == D(40)
    assert rush.finished == D(40)
    assert services.lots.get(db, ctx, "BLADE", "RUSH").remaining == D(40)
    assert services.production_lots.get(db, ctx, "BLADE", lot).operations[0][2].in_process == D(60)


def test_a_unit_and_a_shipment_draw_on_the_stock_a_batch_just_finished(
    db: Engine, ctx: Context
) -> None:
    """Ten blades finished, one goes into a saw, nine ship, all in one batch; a tenth
    shipment in the same batch is refused because the saw took that blade."""
    plant = make_blade_plant(db, ctx, saws=1)
    (saw,) = plant.saws
    (lot,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [10])
    outcomes = send(
        db,
        ctx,
        *_finish(lot, 10),
        StartStep(saw, "S10"),
        BindPart(saw, ComponentRef(item="BLADE", lot=lot)),
        ShipLot("BLADE", lot, D(9), "Hardware Co"),
        ShipLot("BLADE", lot, D(1), "Hardware Co"),
    )
    assert [o.error.code if o.error else None for o in outcomes] == [None] * 9 + [
        "quantity_balance"
    ]
    view = services.production_lots.get(db, ctx, "BLADE", lot)
    assert view.stock == D(0)
    assert [s[0] for s in view.shipments] == [D(9)]
    parts = services.trace.backward(db, ctx, saw).parts
    assert [(n.edge.item_code, n.edge.lot) for n in parts] == [("BLADE", lot)]


def test_a_mixed_batch_asks_the_ledger_once_which_events_it_already_holds(
    db: Engine, ctx: Context
) -> None:
    """One event-id check for the whole batch, units and lots alike (two before: one per
    run of each kind)."""
    plant = make_blade_plant(db, ctx, saws=1)
    (lot,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [10])
    statements: list[str] = []

    def collect(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(db, "before_cursor_execute", collect)
    try:
        accept(
            db,
            ctx,
            ReportLotStep("BLADE", lot, "CUT", D(5)),
            StartStep(plant.saws[0], "S10"),
            TransferLot("BLADE", lot, "CUT", D(5)),
        )
    finally:
        sa.event.remove(db, "before_cursor_execute", collect)
    asked = [s for s in statements if "FROM events" in s and "events.event_id IN" in s]
    assert len(asked) == 1, asked


def test_two_reports_on_one_lot_at_once_both_count(db: Engine, ctx: Context) -> None:
    """On PostgreSQL two stations report on the same lot in the same instant. The lot is
    locked before its tallies are read, so the second report adds to the first instead of
    writing over it with what it read before the first committed."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: there is nothing to interleave")
    make_blade_plant(db, ctx)
    (lot,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [100])
    barrier = threading.Barrier(2, timeout=10)
    met: set[int] = set()

    def meet(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "FROM batch_lots" in statement and threading.get_ident() not in met:
            met.add(threading.get_ident())
            barrier.wait()  # both have begun before either reads the lot

    outcomes: list[Any] = []
    sa.event.listen(db, "before_cursor_execute", meet)
    try:
        threads = [
            threading.Thread(
                target=lambda: outcomes.extend(
                    send(db, ctx, ReportLotStep("BLADE", lot, "CUT", D(10)))
                )
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sa.event.remove(db, "before_cursor_execute", meet)
    assert [o.error for o in outcomes] == [None, None]
    assert services.production_lots.get(db, ctx, "BLADE", lot).operations[0][2].good == D(20)


def test_a_lot_that_took_in_a_merge_finishes_all_it_holds(db: Engine, ctx: Context) -> None:
    """It used to fail with a server error: the lot row may not hold more than its quantity,
    which stayed what the lot started with."""
    make_blade_plant(db, ctx)
    a, b = services.production_lots.open_lots(db, ctx, "WO-BLADE", [300, 200])
    accept(db, ctx, MergeLots("BLADE", b, "CUT", ((a, D(1)),)))
    for op in ("CUT", "GRIND", "COAT"):
        accept(db, ctx, ReportLotStep("BLADE", b, op, D(201)))
        accept(db, ctx, TransferLot("BLADE", b, op, D(201)))
    assert services.production_lots.get(db, ctx, "BLADE", b).stock == D(201)
