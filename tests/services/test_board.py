"""The line board counts a plant's day from its steps and units: output, work in progress,
pass rate, first-pass and rolled throughput yield, behind the tenant wall."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine

from tests.factories import Plant, make_plant
from tracemes import services
from tracemes.domain.errors import InvalidInputError, NotFoundError
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")  # ACME's zone by default; NOW is 16:30 there


def at_local(
    db: Engine, ctx: Context, hour: int, minute: int, *commands: Command, day: int = 16
) -> None:
    """Record events at a local time of March `day`, one minute apart."""
    start = datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)
    events = [
        FloorEvent(uuid.uuid4().hex, command, start + timedelta(minutes=n))
        for n, command in enumerate(commands)
    ]
    for outcome in services.shop_floor.record(db, ctx, events):
        assert outcome.error is None, outcome.error


def pack_steps(serial: str, lot: str = "C-1") -> list[Command]:
    return [
        StartStep(serial, "P10"),
        BindPart(serial, ComponentRef(item="CELL", lot=lot)),
        CompleteStep(serial, "P10", True),
    ]


@pytest.fixture
def plant(db: Engine, ctx: Context) -> Plant:
    """Yesterday 23:30 a pack; today a pack, a bike that failed OP30 once and passed on
    rework, and a second bike at work in OP20, held."""
    plant = make_plant(db, ctx, bikes=4, packs=4)
    pack, old_pack = plant.packs[0], plant.packs[1]
    first, second = plant.bikes[0], plant.bikes[1]
    at_local(db, ctx, 23, 30, *pack_steps(old_pack), day=15)
    at_local(db, ctx, 9, 5, *pack_steps(pack))
    at_local(
        db,
        ctx,
        10,
        0,
        StartStep(first, "OP10"),
        BindPart(first, ComponentRef(serial="F-1", item="FRAME")),
        CompleteStep(first, "OP10", True),
        StartStep(first, "OP20"),
        BindPart(first, ComponentRef(serial="M-1", item="MOTOR")),
        BindPart(first, ComponentRef(item="SCREW", lot="S-1")),
        CompleteStep(first, "OP20", True),
        StartStep(first, "OP30"),
        BindPart(first, ComponentRef(serial=pack)),
        CompleteStep(first, "OP30", False, {}, ("NOISE",)),  # back to OP20
        StartStep(first, "OP20"),
        CompleteStep(first, "OP20", True),
        StartStep(first, "OP30"),
        CompleteStep(first, "OP30", True),  # 10:13
    )
    at_local(
        db,
        ctx,
        15,
        0,
        StartStep(second, "OP10"),
        BindPart(second, ComponentRef(serial="F-2", item="FRAME")),
        CompleteStep(second, "OP10", True),
        StartStep(second, "OP20"),
    )
    services.holds.place(db, ctx, "noise on the line", serials=[second])
    return plant


def test_today_counts_output_work_in_progress_and_yields(
    db: Engine, ctx: Context, plant: Plant
) -> None:
    board = services.board.line_board(db, ctx, "L1")
    assert str(board.day) == "2026-03-16"
    assert board.output == 2  # today's pack and the first bike; not yesterday's pack
    assert board.hourly[9] == 1
    assert board.hourly[10] == 1
    assert sum(board.hourly) == 2
    assert (board.wip, board.on_hold, board.queued) == (1, 1, 4)
    ops = {op.code: op for op in board.operations}
    assert [op.code for op in board.operations][-3:] == ["OP10", "OP20", "OP30"]
    assert (ops["OP30"].passed, ops["OP30"].failed) == (1, 1)
    assert ops["OP30"].pass_rate == Decimal("0.5")
    assert ops["OP30"].first_pass_yield == Decimal(0)  # passed only on its second try
    assert (ops["OP20"].passed, ops["OP20"].first_tries, ops["OP20"].first_passes) == (2, 1, 1)
    assert (ops["OP20"].waiting, ops["OP20"].in_work) == (0, 1)  # the second bike, running
    assert ops["OP10"].first_pass_yield == Decimal(1)
    assert ops["P10"].passed == 1
    assert board.pass_rate == Decimal("0.8571")  # 6 passes of 7 finished steps
    assert board.rolled_throughput_yield == Decimal(0)
    progress = {line.order.code: line.progress for line in board.orders}
    assert (progress["WO-BIKE"].started, progress["WO-BIKE"].completed) == (2, 1)
    assert (progress["WO-PACK"].started, progress["WO-PACK"].completed) == (2, 2)


def test_the_day_before_has_its_own_figures(db: Engine, ctx: Context, plant: Plant) -> None:
    today = services.board.line_board(db, ctx, "L1").day
    board = services.board.line_board(db, ctx, "L1", today - timedelta(days=1))
    assert board.output == 1
    assert board.hourly[23] == 1
    assert {op.code: op.passed for op in board.operations}["P10"] == 1
    assert board.pass_rate == Decimal(1)
    assert board.wip == 1  # units in work are always now


BERLIN_NOW = datetime(2026, 3, 16, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))


def test_the_day_follows_the_plants_time_zone(db: Engine) -> None:
    """For a plant in Berlin, 23:30 on the 15th in Shanghai is 16:30 on the 15th (the day
    before) and 09:05 on the 16th in Shanghai is 02:05 on the 16th (today)."""
    tenant = services.tenants.create(db, BERLIN_NOW, "BERLIN", "Berlin Bikes", "Europe/Berlin")
    ctx = Context(tenant_id=tenant.id, user_id=None, now=BERLIN_NOW)
    berlin = make_plant(db, ctx, bikes=1, packs=2)
    at_local(db, ctx, 23, 30, *pack_steps(berlin.packs[0]), day=15)  # 16:30 on the 15th in Berlin
    at_local(db, ctx, 9, 5, *pack_steps(berlin.packs[1]))  # 02:05 on the 16th in Berlin
    board = services.board.line_board(db, ctx, "L1")
    assert board.timezone == "Europe/Berlin"
    assert board.output == 1
    assert board.hourly[2] == 1


def test_another_tenants_line_and_work_are_walled_off(
    db: Engine, ctx: Context, other_ctx: Context, plant: Plant
) -> None:
    before = services.board.line_board(db, ctx, "L1")
    beta = make_plant(db, other_ctx, bikes=2, packs=2)
    at_local(db, other_ctx, 11, 0, *pack_steps(beta.packs[0]))
    after = services.board.line_board(db, ctx, "L1")
    assert after == before
    assert services.board.line_board(db, other_ctx, "L1").output == 1


def test_an_unknown_line_is_not_found(db: Engine, ctx: Context) -> None:
    with pytest.raises(NotFoundError):
        services.board.line_board(db, ctx, "L9")


def test_an_idle_line_shows_no_rates_rather_than_zero(db: Engine, ctx: Context) -> None:
    make_plant(db, ctx, bikes=1, packs=1)
    board = services.board.line_board(db, ctx, "L1")
    assert board.output == 0
    assert board.pass_rate is None
    assert board.rolled_throughput_yield is None
    assert all(op.first_pass_yield is None for op in board.operations)


def test_a_tenant_with_an_unknown_time_zone_is_refused(db: Engine) -> None:
    with pytest.raises(InvalidInputError, match="Mars/Olympus"):
        services.tenants.create(db, BERLIN_NOW, "MARS", "Mars Works", "Mars/Olympus")
    assert [t.code for t in services.tenants.list_all(db)] == []
