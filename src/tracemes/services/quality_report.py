"""Quality over a period: lot acceptance, yields per operation and routing, the defect
Pareto and supplier quality (definitions in domain/quality_report.py and docs/quality.md)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.board import ratio
from tracemes.domain.characteristics import Characteristic
from tracemes.domain.quality_report import DayQuality, ParetoBar, StepYield, SupplierQuality
from tracemes.domain.rollups import Counts
from tracemes.services.context import Context

DEFAULT_DAYS = 30
MAX_DAYS = 366  # days in one daily series


@dataclass(frozen=True, slots=True)
class _Period:
    """Plant days `first` .. `last` (inclusive), and the instants they begin and end."""

    first: date
    last: date
    timezone: str
    start: datetime
    end: datetime


def _period(
    conn: Connection, ctx: Context, first_day: date | None, last_day: date | None
) -> _Period:
    """The days asked for, the last 30 by default, in the tenant's time zone."""
    timezone = store.tenants.get_by_id(conn, ctx.tenant_id).timezone
    last = last_day or domain.board.today(ctx.now, timezone)
    first = first_day or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise domain.errors.InvalidInputError("from", f"{first} is after {last}")
    start, _ = domain.board.day_bounds(first, timezone)
    _, end = domain.board.day_bounds(last, timezone)
    return _Period(first, last, timezone, start, end)


def _defective_samples(lot: store.quality.DecidedLot) -> int:
    """How many of a decided lot's sampled items were defective in any class."""
    return sum(bool(domain.inspection.defect_classes(lot.plan, s)) for s in lot.samples)


def _count_steps(tally: list[int], counts: Counts) -> None:
    """Add a rollup's steps to a tally that starts [passed, failed, first tries, first
    passes]."""
    tally[0] += counts.passed
    tally[1] += counts.failed
    tally[2] += counts.first_tries
    tally[3] += counts.first_passes


@dataclass(frozen=True, slots=True)
class QualityReport:
    """The figures of days `first_day` .. `last_day` (inclusive) where the plant is."""

    first_day: date
    last_day: date
    timezone: str
    lots_decided: int
    lots_accepted: int
    steps: tuple[StepYield, ...]
    rolled_throughput_yield: dict[str, Decimal]
    pareto: tuple[ParetoBar, ...]
    suppliers: tuple[SupplierQuality, ...]

    @property
    def acceptance_rate(self) -> Decimal | None:
        """Accepted / decided inspection lots."""
        return ratio(self.lots_accepted, self.lots_decided)


def report(
    db: Engine, ctx: Context, first_day: date | None = None, last_day: date | None = None
) -> QualityReport:
    """The report for a span of plant days (the last 30 days by default)."""
    with store.db.reading(db) as conn:
        days = _period(conn, ctx, first_day, last_day)
        rolled = store.rollups.by_item_operation(conn, ctx.tenant_id, days.start, days.end)
        lots = store.quality.decided_lots(conn, ctx.tenant_id, days.start, days.end)
    tallies: dict[tuple[str, str], list[int]] = {}
    defects: Counter[str] = Counter()
    for item, operation, defect, counts in rolled:
        if defect:
            defects[defect] += counts.defects
        elif counts.passed or counts.failed:  # an operation where steps ended
            _count_steps(tallies.setdefault((item, operation), [0, 0, 0, 0]), counts)
    yields = tuple(
        StepYield(
            item_code=item,
            operation=op,
            passed=tally[0],
            failed=tally[1],
            first_tries=tally[2],
            first_passes=tally[3],
        )
        for (item, op), tally in sorted(tallies.items())
    )
    suppliers: dict[str, list[int]] = {}
    for lot in lots:
        figures = suppliers.setdefault(lot.supplier or store.quality.NO_SUPPLIER, [0] * 5)
        figures[0] += 1
        figures[1 if lot.status == "accepted" else 2] += 1
        figures[3] += len(lot.samples)
        figures[4] += _defective_samples(lot)
        defects.update(code for sample in lot.samples for code in sample.defects)
    return QualityReport(
        first_day=days.first,
        last_day=days.last,
        timezone=days.timezone,
        lots_decided=len(lots),
        lots_accepted=sum(1 for lot in lots if lot.status == "accepted"),
        steps=yields,
        rolled_throughput_yield=domain.quality_report.rolled_throughput_yield(yields),
        pareto=tuple(domain.quality_report.pareto(defects)),
        suppliers=tuple(
            SupplierQuality(name, *figures) for name, figures in sorted(suppliers.items())
        ),
    )


def daily(
    db: Engine,
    ctx: Context,
    first_day: date | None = None,
    last_day: date | None = None,
    item_code: str | None = None,
) -> tuple[DayQuality, ...]:
    """Pass rate, first-pass yield and lot acceptance for each plant day of a span (the
    last 30 by default), of one item when given; days without work are in it, empty."""
    with store.db.reading(db) as conn:
        days = _period(conn, ctx, first_day, last_day)
        if (days.last - days.first).days >= MAX_DAYS:
            raise domain.errors.InvalidInputError(
                "from", f"{days.first} to {days.last} is more than {MAX_DAYS} days"
            )
        bounds = domain.board.day_starts(days.first, days.last, days.timezone)
        hours = store.rollups.by_hour(conn, ctx.tenant_id, days.start, days.end, item_code)
        lots = store.quality.lots_by_day(conn, ctx.tenant_id, bounds, item_code)
    tallies = [[0] * 6 for _ in bounds[1:]]  # the step counts, lots decided, lots accepted
    for hour, counts in hours:
        plant_day = domain.rollups.day_of(hour, days.timezone)
        _count_steps(tallies[(plant_day - days.first).days], counts)
    for day, status, n in lots:
        tallies[day][4] += n
        tallies[day][5] += n if status == "accepted" else 0
    return tuple(
        DayQuality(
            day=days.first + timedelta(days=index),
            passed=tally[0],
            failed=tally[1],
            first_tries=tally[2],
            first_passes=tally[3],
            lots_decided=tally[4],
            lots_accepted=tally[5],
        )
        for index, tally in enumerate(tallies)
    )


@dataclass(frozen=True, slots=True)
class MeasuredSeries:
    """One characteristic as measured at a station step or on inspection samples, in the
    order measured, with its chart."""

    item_code: str
    measured_at: str  # the operation, or the inspection plan
    characteristic: str
    serials: tuple[str, ...]  # the unit measured, or the inspection lot and sample number
    values: tuple[float, ...]
    chart: domain.spc.Analysis | None  # None with fewer than 3 values


def measured_series(
    db: Engine,
    ctx: Context,
    item_code: str,
    operation: str,
    characteristic: str,
    first_day: date | None = None,
    last_day: date | None = None,
) -> MeasuredSeries:
    """An individuals / moving-range chart of a value measured at an operation, with the
    limits of the characteristic in the item's current routing as specification."""
    with store.db.reading(db) as conn:
        days = _period(conn, ctx, first_day, last_day)
        rows = store.quality.measured(
            conn, ctx.tenant_id, item_code, operation, days.start, days.end
        )
        routing = store.routings.current(conn, ctx.tenant_id, item_code)
    points = [
        (serial, float(values[characteristic]))
        for serial, values in rows
        if characteristic in values
    ]
    spec = None
    if routing is not None:
        for op in routing.operations:
            for check in op.checks if op.code == operation else ():
                if check.code == characteristic:
                    spec = check
    return _series(item_code, operation, characteristic, points, spec)


def sampled_series(
    db: Engine,
    ctx: Context,
    plan_code: str,
    characteristic: str,
    first_day: date | None = None,
    last_day: date | None = None,
) -> MeasuredSeries:
    """An individuals / moving-range chart of a value measured on an inspection plan's
    samples (each lot's samples in order, lot after lot), with the plan's limits as
    specification: incoming cell voltage, say, across a supplier's lots."""
    with store.db.reading(db) as conn:
        plan = store.inspection.get_plan(conn, ctx.tenant_id, plan_code)
        if plan is None:
            raise domain.errors.NotFoundError("inspection plan", plan_code)
        days = _period(conn, ctx, first_day, last_day)
        rows = store.quality.sampled(conn, ctx.tenant_id, plan.item_code, days.start, days.end)
    spec = next((c for c in plan.characteristics if c.code == characteristic), None)
    points = [
        (f"{number} #{index}", float(measured[characteristic]))
        for number, code, index, measured in rows
        if code == plan_code and characteristic in measured
    ]
    return _series(plan.item_code, plan_code, characteristic, points, spec)


def _series(
    item_code: str,
    measured_at: str,
    characteristic: str,
    points: list[tuple[str, float]],
    spec: Characteristic | None,
) -> MeasuredSeries:
    """The series and its chart (from 3 values), with the characteristic's limits."""
    lsl = float(spec.lsl) if spec and spec.lsl is not None else None
    usl = float(spec.usl) if spec and spec.usl is not None else None
    values = [v for _, v in points]
    chart = domain.spc.individuals(values, lsl, usl) if len(values) >= 3 else None
    return MeasuredSeries(
        item_code, measured_at, characteristic, tuple(s for s, _ in points), tuple(values), chart
    )


def sampled_characteristics(db: Engine, ctx: Context) -> list[tuple[str, str, str, str]]:
    """(plan, item, characteristic code, name) of every variable an inspection plan
    measures: the inspection charts the quality page offers."""
    with store.db.reading(db) as conn:
        plans = store.inspection.all_plans(conn, ctx.tenant_id)
    return [
        (plan.code, plan.item_code, c.code, c.name)
        for plan in plans
        for c in plan.characteristics
        if c.kind is domain.characteristics.Kind.VARIABLE
    ]


def measured_characteristics(db: Engine, ctx: Context) -> list[tuple[str, str, str, str]]:
    """(item, operation, characteristic code, name) of every variable checked in a current
    routing: what the quality page offers to chart."""
    with store.db.reading(db) as conn:
        rows = store.routings.current_checks(conn, ctx.tenant_id)
    return [
        (item, operation, check.code, check.name)
        for item, operation, checks in rows
        for check in map(domain.characteristics.from_dict, checks)
        if check.kind is domain.characteristics.Kind.VARIABLE
    ]


@dataclass(frozen=True, slots=True)
class SupplierChart:
    """A p chart of one supplier's inspected lots: fraction of defective sampled items."""

    supplier: str
    lots: tuple[str, ...]  # inspection lot numbers, in the order they were decided
    chart: domain.spc.Analysis | None  # None with fewer than 2 lots


def supplier_p_chart(
    db: Engine,
    ctx: Context,
    supplier: str,
    first_day: date | None = None,
    last_day: date | None = None,
) -> SupplierChart:
    """Each lot decided in the period is a sample: its defective sampled items out of the
    items sampled (limits per lot, as sample sizes differ)."""
    with store.db.reading(db) as conn:
        days = _period(conn, ctx, first_day, last_day)
        lots = [
            lot
            for lot in store.quality.decided_lots(
                conn, ctx.tenant_id, days.start, days.end, supplier
            )
            if lot.samples
        ]
    numbers = [lot.number for lot in lots]
    defectives = [_defective_samples(lot) for lot in lots]
    sizes = [len(lot.samples) for lot in lots]
    chart = domain.spc.p_chart(defectives, sizes) if len(numbers) >= 2 else None
    return SupplierChart(supplier, tuple(numbers), chart)
