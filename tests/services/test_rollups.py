"""Rollups kept up by the floor equal rollups rebuilt from the ledger, and the board and the
quality report read them at a cost that does not grow with the plant's history."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from tests.factories import accept, build_pack, make_blade_plant, make_plant, statements_run
from tracemes import services, store
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.production_lots import LotCommand, ReportLotStep, TransferLot
from tracemes.domain.rollups import Counts, Key
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.unit_events import ScrapUnit
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent
from tracemes.store.bulk import insert_rows
from tracemes.store.schema import step_runs, units

NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)
BIKE_OPS = ["OP10", "OP20", "OP30"]
BLADE_OPS = ["CUT", "GRIND", "COAT"]


@dataclass(frozen=True)
class Act:
    kind: str
    unit: int
    op: int
    minutes: int  # after the last event
    station: int
    quantity: int


acts = st.lists(
    st.builds(
        Act,
        st.sampled_from(["start", "pass", "fail", "fail", "bind", "scrap", "report", "move"]),
        st.integers(0, 7),
        st.integers(0, 2),
        st.integers(0, 200),
        st.integers(0, 2),
        st.integers(0, 40),
    ),
    min_size=1,
    max_size=30,
)


@dataclass(frozen=True)
class Kolkata:
    """A plant in a +5:30 zone: bikes, packs and blade lots."""

    ctx: Context
    bikes: list[str]
    packs: list[str]
    lots: list[str]


@pytest.fixture
def kolkata(db: Engine) -> Kolkata:
    tenant = services.tenants.create(db, NOW, "KOL", "Kolkata Cycles", "Asia/Kolkata")
    ctx = Context(tenant_id=tenant.id, user_id=None, now=NOW)
    plant = make_plant(db, ctx, bikes=8, packs=8)
    make_blade_plant(db, ctx, blades=500, saws=1)
    lots = services.production_lots.open_lots(db, ctx, "WO-BLADE", [300, 200])
    return Kolkata(ctx, plant.bikes, plant.packs, lots)


def command(plant: Kolkata, act: Act) -> Command | LotCommand:
    """One random event; most are refused by the floor's rules, which is part of the test."""
    if act.kind in ("report", "move"):
        lot, op = plant.lots[act.unit % 2], BLADE_OPS[act.op]
        good = Decimal(act.quantity)
        if act.kind == "move":
            return TransferLot("BLADE", lot, op, good)
        defects = (("BURR", Decimal(act.station)),) if act.station else ()
        return ReportLotStep("BLADE", lot, op, good, Decimal(act.station), Decimal(0), defects)
    is_pack = act.unit % 2 == 0
    serial = (plant.packs if is_pack else plant.bikes)[act.unit // 2]
    op = "P10" if is_pack else BIKE_OPS[act.op]
    if act.kind == "start":
        return StartStep(serial, op)
    if act.kind == "scrap":
        return ScrapUnit(serial, "dropped")
    if act.kind == "bind":
        part = [
            ComponentRef(serial=f"F-{serial}", item="FRAME"),
            ComponentRef(serial=f"M-{serial}", item="MOTOR"),
            ComponentRef(item="SCREW", lot="S-1"),
        ][act.op]
        return BindPart(serial, ComponentRef(item="CELL", lot="C-1") if is_pack else part)
    codes = ("NOISE",) if act.station else ()
    return CompleteStep(serial, op, act.kind == "pass", {}, codes)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=acts, cut=st.integers(1, 6))
@example(  # a pack that fails, is tried again and passes; a lot reported and moved on
    steps=[
        Act("start", 0, 0, 0, 1, 0),
        Act("bind", 0, 0, 5, 1, 0),
        Act("fail", 0, 0, 50, 1, 0),
        Act("start", 0, 0, 5, 1, 0),
        Act("pass", 0, 0, 5, 0, 0),
        Act("start", 1, 0, 5, 0, 0),
        Act("scrap", 1, 0, 5, 0, 0),
        Act("report", 0, 0, 90, 1, 20),
        Act("move", 0, 0, 1, 0, 10),
    ],
    cut=2,
)
def test_rollups_rebuilt_from_the_ledger_equal_the_ones_kept_up(
    db: Engine, kolkata: Kolkata, steps: list[Act], cut: int
) -> None:
    """Random unit and lot events, in random batches and at random times of a +5:30 plant,
    through the real services; then the rollups are rebuilt from the ledger (examples run
    on one database, so each starts from the floor the one before left)."""
    ctx = kolkata.ctx
    at = NOW - timedelta(days=1)
    events = []
    for act in steps:
        at += timedelta(minutes=act.minutes)
        station = [None, "L1-S1", "L1-S2"][act.station]
        events.append(FloorEvent(uuid.uuid4().hex, command(kolkata, act), at, station=station))
    for start in range(0, len(events), cut):
        services.shop_floor.record(db, ctx, events[start : start + cut])
    kept = services.rollups.rows(db, ctx.tenant_id)

    services.rollups.rebuild(db, ctx.tenant_id)

    assert services.rollups.rows(db, ctx.tenant_id) == kept


def test_the_rollups_hold_what_the_floor_did(db: Engine, kolkata: Kolkata) -> None:
    """Guards the property above against comparing two empty tables."""
    ctx, pack = kolkata.ctx, kolkata.packs[0]
    morning = datetime(2026, 3, 16, 9, 50, tzinfo=UTC)  # 15:20 in Kolkata
    events = [
        FloorEvent("a", StartStep(pack, "P10"), morning, station="L1-S1"),
        FloorEvent("b", BindPart(pack, ComponentRef(item="CELL", lot="C-1")), morning),
        FloorEvent("c", CompleteStep(pack, "P10", True), morning, station="L1-S1"),
        FloorEvent("d", ReportLotStep("BLADE", kolkata.lots[0], "CUT", Decimal("7.5")), morning),
    ]
    assert all(o.accepted for o in services.shop_floor.record(db, ctx, events))

    rows = services.rollups.rows(db, ctx.tenant_id)

    hour = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)  # 15:00 in Kolkata
    pack_row = Counts(started=1, passed=1, first_tries=1, first_passes=1, finished=1)
    assert rows[Key(hour, "L1", "L1-S1", "PACK", "P10")] == pack_row
    assert rows[Key(hour, "L1", "", "BLADE", "CUT")] == Counts(lot_good=Decimal("7.5"))
    assert services.board.line_board(db, ctx, "L1").hourly[15] == 1


def _statements(db: Engine, ctx: Context) -> list[str]:
    with statements_run(db) as statements:
        services.board.line_board(db, ctx, "L1")
        services.quality_report.report(db, ctx)
        services.quality_report.daily(db, ctx)
    return [sql for sql, _ in statements]


def test_the_board_and_quality_report_cost_the_same_after_100000_step_runs(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=2, packs=4)
    build_pack(db, ctx, plant.packs[0])
    few = _statements(db, ctx)
    board = services.board.line_board(db, ctx, "L1")
    with db.begin() as conn:
        unit_ids = (
            conn.execute(sa.select(units.c.id).where(units.c.serial.in_(plant.packs[1:])))
            .scalars()
            .all()
        )
        ended = [NOW - timedelta(minutes=n) for n in range(100_000)]
        insert_rows(
            conn,
            step_runs,
            ("tenant_id", "unit_id", "operation_code", "started_at", "completed_at", "result"),
            [(ctx.tenant_id, unit_ids[n % 3], "P10", t, t, "pass") for n, t in enumerate(ended)],
        )
        history = {  # a year of hours on the rollups too
            Key(NOW - timedelta(hours=n), "L1", "", "PACK", "P10"): Counts(passed=1)
            for n in range(48, 24 * 365)
        }
        store.rollups.add(conn, ctx.tenant_id, history)

    many = _statements(db, ctx)

    assert len(many) == len(few)
    assert services.board.line_board(db, ctx, "L1") == board  # today is untouched
    reads = [sql for sql in many if "step_runs" in sql]
    # Only the board's "in work now" probe touches step_runs: it asks, per unit started and
    # not finished, for an open run (completed_at IS NULL), a cost of the work in progress
    # now, never of the history.
    assert len(reads) == 1
    assert "step_runs.completed_at IS NULL" in reads[0]
    assert "rollups" in " ".join(many)


def test_a_part_scan_writes_no_rollup_and_a_step_adds_one_lookup_and_one_upsert(
    db: Engine, ctx: Context
) -> None:
    plant = make_plant(db, ctx, bikes=1, packs=1)
    pack = plant.packs[0]
    accept(db, ctx, StartStep(pack, "P10"))
    services.plans.plans_of(db)
    with statements_run(db) as bound:
        accept(db, ctx, BindPart(pack, ComponentRef(item="CELL", lot="C-1")))
    with statements_run(db) as completed:
        accept(db, ctx, CompleteStep(pack, "P10", True))

    assert not [sql for sql, _ in bound if "rollups" in sql or "timezone" in sql]
    touching = [sql for sql, _ in completed if "rollups" in sql or "tenants.timezone" in sql]
    assert len(touching) == 2, touching
