"""A production lot at a station: its transfer card scanned opens it at the operation done
there, and what the operation made is booked there, once."""

from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from tests.factories import make_blade_plant
from tracemes import services, store
from tracemes.domain.production_lots import ReportLotStep, TransferLot
from tracemes.domain.station import Meaning
from tracemes.services.context import Context

D = Decimal


@pytest.fixture
def lot(db: Engine, ctx: Context) -> str:
    make_blade_plant(db, ctx)
    (number,) = services.production_lots.open_lots(db, ctx, "WO-BLADE", [100])
    return number


def test_a_transfer_card_opens_its_lot_at_the_operation_of_this_station(
    db: Engine, ctx: Context, lot: str
) -> None:
    done = services.station.scan(db, ctx, "L1-S1", f"https://mes.example.cn/lots/BLADE/{lot}")

    assert done.accepted
    assert done.meaning is Meaning.LOT
    assert done.unit is None
    assert done.lot is not None
    assert (done.lot.lot, done.lot.operation, done.lot.next_operation) == (lot, "CUT", "GRIND")
    assert (done.lot.in_process, done.lot.waiting) == (D(100), D(0))


def test_what_an_operation_made_is_booked_at_the_station_once(
    db: Engine, ctx: Context, lot: str
) -> None:
    report = ReportLotStep("BLADE", lot, "CUT", D(80), D(5))
    first = services.station.report_lot(db, ctx, "L1-S1", report, "ev-1")
    again = services.station.report_lot(db, ctx, "L1-S1", report, "ev-1")

    assert first.accepted
    assert again.accepted
    assert again.lot is not None
    assert (again.lot.in_process, again.lot.waiting) == (D(15), D(80))
    cut = services.production_lots.get(db, ctx, "BLADE", lot).operations[0][2]
    assert (cut.good, cut.scrap) == (D(80), D(5))
    with store.db.reading(db) as conn:
        history = store.ledger.history(conn, ctx.tenant_id, [f"BLADE/{lot}"])
    booked = [e for e in history if e.type == "lot.step_reported"]
    assert [(e.event_id, e.station) for e in booked] == [("ev-1", "L1-S1")]


def test_good_sent_on_is_worked_at_the_next_stations_operation(
    db: Engine, ctx: Context, lot: str
) -> None:
    services.station.report_lot(db, ctx, "L1-S1", ReportLotStep("BLADE", lot, "CUT", D(80)))
    sent = services.station.report_lot(db, ctx, "L1-S1", TransferLot("BLADE", lot, "CUT", D(80)))

    assert sent.lot is not None
    assert (sent.lot.operation, sent.lot.in_process, sent.lot.waiting) == ("CUT", D(20), D(0))
    there = services.station.lot_at(db, ctx, "L1-S2", "BLADE", lot)
    assert (there.operation, there.in_process) == ("CUT", D(20))  # GRIND has no station
    shown = services.station.scan(db, ctx, None, f"/lots/BLADE/{lot}").lot
    assert shown is not None
    assert [(code, tally.received) for code, _, tally in shown.operations] == [
        ("CUT", D(100)),
        ("GRIND", D(80)),
        ("COAT", D(0)),
    ]


def test_a_report_beyond_what_is_in_process_is_refused_and_changes_nothing(
    db: Engine, ctx: Context, lot: str
) -> None:
    refused = services.station.report_lot(
        db, ctx, "L1-S1", ReportLotStep("BLADE", lot, "CUT", D(101))
    )

    assert refused.error is not None
    assert refused.error.code == "quantity_balance"
    assert refused.lot is not None
    assert refused.lot.in_process == D(100)
    assert services.production_lots.get(db, ctx, "BLADE", lot).operations[0][2].good == 0


def test_another_companys_card_is_not_found(
    db: Engine, ctx: Context, other_ctx: Context, lot: str
) -> None:
    done = services.station.scan(db, other_ctx, None, f"/lots/BLADE/{lot}")

    assert done.error is not None
    assert done.error.code == "not_found"
    assert done.lot is None
