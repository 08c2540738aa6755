"""The quality report over a period: yields per operation and routing, the defect Pareto,
supplier quality in ppm, lot acceptance; only the period's and only the tenant's."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from tests.factories import Plant, make_plant
from tests.services.test_board import at_local, pack_steps, plant  # noqa: F401
from tracemes import services
from tracemes.domain.errors import InvalidInputError
from tracemes.services.context import Context

DEFECTS = [{"code": "DENT", "name": "Dented can", "class": "major"}]


def _inspect(
    db: Engine, ctx: Context, lot: str, supplier: str, dents: list[int], count: int
) -> None:
    services.lots.receive(db, ctx, "CELL", lot, 1000, supplier=supplier)
    (number,) = [r.number for r in services.inspection.list_lots(db, ctx, "open") if r.lot == lot]
    samples: list[tuple[str, int, dict[str, object], list[str]]] = [
        (uuid.uuid4().hex, i, {}, ["DENT"] if i in dents else []) for i in range(1, count + 1)
    ]
    services.inspection.record(db, ctx, number, samples)
    services.inspection.decide(db, ctx, number)


@pytest.fixture
def inspected(db: Engine, ctx: Context, plant: Plant) -> Plant:  # noqa: F811
    """Lishen's lot accepted (2 dents in 80), Hengda's rejected (3 dents in the first 3)."""
    services.inspection.put_plan(db, ctx, "IQC-CELL", "CELL", "incoming", [], DEFECTS, "II", "1.0")
    _inspect(db, ctx, "C-20", "Lishen", [7, 30], 80)
    _inspect(db, ctx, "C-21", "Hengda", [1, 2, 3], 3)
    return plant


def test_yields_per_operation_and_routing(db: Engine, ctx: Context, inspected: Plant) -> None:
    report = services.quality_report.report(db, ctx)
    assert (report.first_day, report.last_day) == (date(2026, 2, 15), date(2026, 3, 16))
    steps = {(s.item_code, s.operation): s for s in report.steps}
    op30 = steps[("BIKE", "OP30")]
    assert (op30.passed, op30.failed, op30.pass_rate, op30.first_pass_yield) == (
        1,
        1,
        Decimal("0.5"),
        Decimal(0),
    )
    assert steps[("BIKE", "OP20")].first_pass_yield == Decimal(1)  # the retry is not a first try
    assert steps[("PACK", "P10")].passed == 2  # yesterday's pack and today's
    assert report.rolled_throughput_yield == {"BIKE": Decimal(0), "PACK": Decimal(1)}


def test_the_defect_pareto_counts_steps_and_samples(
    db: Engine, ctx: Context, inspected: Plant
) -> None:
    bars = services.quality_report.report(db, ctx).pareto
    assert [(b.code, b.count, b.share, b.cumulative) for b in bars] == [
        ("DENT", 5, Decimal("0.8333"), Decimal("0.8333")),
        ("NOISE", 1, Decimal("0.1667"), Decimal(1)),
    ]


def test_supplier_quality_in_lots_and_ppm(db: Engine, ctx: Context, inspected: Plant) -> None:
    report = services.quality_report.report(db, ctx)
    suppliers = {s.supplier: s for s in report.suppliers}
    lishen, hengda = suppliers["Lishen"], suppliers["Hengda"]
    assert (lishen.accepted, lishen.rejected, lishen.sampled, lishen.defective) == (1, 0, 80, 2)
    assert lishen.ppm == 25_000
    assert (hengda.rejected, hengda.ppm, hengda.acceptance_rate) == (1, 1_000_000, Decimal(0))
    assert (report.lots_decided, report.lots_accepted, report.acceptance_rate) == (
        2,
        1,
        Decimal("0.5"),
    )


def test_a_period_holds_only_its_own_days(db: Engine, ctx: Context, inspected: Plant) -> None:
    yesterday = services.quality_report.report(db, ctx, date(2026, 3, 15), date(2026, 3, 15))
    assert [(s.item_code, s.operation, s.passed) for s in yesterday.steps] == [("PACK", "P10", 1)]
    assert yesterday.lots_decided == 0
    assert yesterday.pareto == ()


def test_another_tenant_reports_nothing_of_this_one(
    db: Engine, ctx: Context, other_ctx: Context, inspected: Plant
) -> None:
    other = services.quality_report.report(db, other_ctx)
    assert (other.steps, other.pareto, other.suppliers, other.lots_decided) == ((), (), (), 0)


def test_yields_and_lot_acceptance_by_plant_day(
    db: Engine, ctx: Context, other_ctx: Context, inspected: Plant
) -> None:
    """The board's work: yesterday 23:30 a pack; today a pack, a bike that failed OP30 once,
    a second bike at OP20. At 06:00 Shanghai time (22:00 UTC the day before) a third pack:
    it counts on the plant's day, not on UTC's."""
    at_local(db, ctx, 6, 0, *pack_steps(inspected.packs[2]))
    days = services.quality_report.daily(db, ctx, date(2026, 3, 14), date(2026, 3, 16))
    assert [d.day for d in days] == [date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 16)]
    idle, yesterday, today = days
    assert (idle.passed, idle.pass_rate, idle.first_pass_yield, idle.acceptance_rate) == (
        0,
        None,
        None,
        None,
    )
    assert (yesterday.passed, yesterday.first_pass_yield, yesterday.lots_decided) == (
        1,
        Decimal(1),
        0,
    )
    # P10 x2, OP10 x2, OP20 x2 (one a retry), OP30 a fail and a passed retry
    assert (today.passed, today.failed, today.first_tries, today.first_passes) == (7, 1, 6, 5)
    assert (today.pass_rate, today.first_pass_yield) == (Decimal("0.875"), Decimal("0.8333"))
    assert (today.lots_decided, today.lots_accepted, today.acceptance_rate) == (
        2,
        1,
        Decimal("0.5"),
    )
    bikes = services.quality_report.daily(
        db, ctx, date(2026, 3, 15), date(2026, 3, 16), item_code="BIKE"
    )
    assert [(d.passed, d.failed, d.lots_decided) for d in bikes] == [(0, 0, 0), (5, 1, 0)]
    month = services.quality_report.daily(db, ctx)
    report = services.quality_report.report(db, ctx)
    assert len(month) == 30
    assert month[-1] == today
    assert sum(d.passed for d in month) == sum(s.passed for s in report.steps)
    assert sum(d.lots_decided for d in month) == report.lots_decided
    walled = services.quality_report.daily(db, other_ctx, date(2026, 3, 15), date(2026, 3, 16))
    assert [(d.passed, d.lots_decided) for d in walled] == [(0, 0), (0, 0)]


def test_one_day_and_at_most_366_days_by_day(db: Engine, ctx: Context, inspected: Plant) -> None:
    (today,) = services.quality_report.daily(db, ctx, date(2026, 3, 16), date(2026, 3, 16))
    assert (today.day, today.passed, today.lots_decided) == (date(2026, 3, 16), 6, 2)
    year = services.quality_report.daily(db, ctx, date(2025, 3, 16), date(2026, 3, 16))
    assert len(year) == 366
    assert year[-1] == today
    with pytest.raises(InvalidInputError, match="more than 366 days"):
        services.quality_report.daily(db, ctx, date(2025, 3, 15), date(2026, 3, 16))


def test_steps_fall_in_their_plant_day_at_both_ends_of_each_day(db: Engine, ctx: Context) -> None:
    """Packs finished just after midnight and just before it, Shanghai time, on each of five
    days; counted by days over a week, each day gets its two."""
    made = make_plant(db, ctx, bikes=1, packs=10)
    for k, pack in enumerate(made.packs):
        hour, minute = (0, 0) if k % 2 == 0 else (23, 50)  # done 00:02 / 23:52
        at_local(db, ctx, hour, minute, *pack_steps(pack), day=10 + k // 2)
    days = services.quality_report.daily(db, ctx, date(2026, 3, 9), date(2026, 3, 15))
    assert [(d.day.day, d.passed) for d in days] == [
        (9, 0),
        (10, 2),
        (11, 2),
        (12, 2),
        (13, 2),
        (14, 2),
        (15, 0),
    ]
