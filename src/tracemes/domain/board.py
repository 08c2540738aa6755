"""The line board: what a supervisor reads off a line today, counted from its units and steps.

"Today" is the plant's working day, midnight to midnight where the plant is. Rates are
None while there is nothing to divide by, so an idle line shows "—" rather than 0 % or 100 %.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from tracemes.domain.work_orders import Progress, WorkOrder


def ratio(part: int, whole: int) -> Decimal | None:
    """part / whole to four places, or None when whole is zero."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Yields:
    """Steps that ended in a period: passed and failed, and of them the first tries.

    `first_tries` counts units whose first step ever at the operation ended in the period;
    `first_passes` those of them that passed it, so their ratio is the first-pass yield (a
    unit that failed and passed on rework counts as a failure)."""

    passed: int
    failed: int
    first_tries: int
    first_passes: int

    @property
    def pass_rate(self) -> Decimal | None:
        """Passed steps / finished steps, rework retries included."""
        return ratio(self.passed, self.passed + self.failed)

    @property
    def first_pass_yield(self) -> Decimal | None:
        """Units right first time / units tried for the first time."""
        return ratio(self.first_passes, self.first_tries)


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationLoad(Yields):
    """One operation of the line: units at it now, and the steps it finished that day."""

    code: str
    name: str
    waiting: int
    in_work: int


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A work order running on the line, with its progress."""

    order: WorkOrder
    progress: Progress

    @property
    def done(self) -> Decimal | None:
        """Completed share of the planned quantity."""
        if self.progress.planned == 0:
            return None
        return (Decimal(self.progress.completed) / self.progress.planned).quantize(
            Decimal("0.0001")
        )


@dataclass(frozen=True, slots=True)
class LineBoard:
    """A line's figures for one working day (units waiting and in work: now)."""

    line_code: str
    line_name: str
    day: date
    today: date
    timezone: str
    output: int  # units that finished their routing that day
    hourly: tuple[int, ...]  # of them, by local hour 0..23
    queued: int  # units of running orders not started yet
    wip: int  # units started and not finished or scrapped
    on_hold: int
    operations: tuple[OperationLoad, ...]
    orders: tuple[OrderLine, ...]

    @property
    def pass_rate(self) -> Decimal | None:
        """Passed steps / finished steps today, over every operation of the line."""
        passed = sum(op.passed for op in self.operations)
        return ratio(passed, passed + sum(op.failed for op in self.operations))

    @property
    def rolled_throughput_yield(self) -> Decimal | None:
        """The product of the first-pass yields of the operations tried today: the chance
        a unit goes through every one of them right first time."""
        yields = [op.first_pass_yield for op in self.operations if op.first_tries]
        if not yields:
            return None
        product = Decimal(1)
        for value in yields:
            product *= value or Decimal(0)
        return product.quantize(Decimal("0.0001"))


def today(now: datetime, timezone: str) -> date:
    """The plant's date at `now`."""
    return now.astimezone(ZoneInfo(timezone)).date()


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """Start and end of the plant's day as aware times (23 or 25 hours long where the
    clocks change)."""
    zone = ZoneInfo(timezone)
    return datetime.combine(day, time(), zone), datetime.combine(
        day + timedelta(days=1), time(), zone
    )


def day_starts(first: date, last: date, timezone: str) -> tuple[datetime, ...]:
    """Where each plant day `first` .. `last` begins, and where the last one ends: the
    bounds that sort instants into days."""
    days = (last - first).days + 1
    return tuple(day_bounds(first + timedelta(days=n), timezone)[0] for n in range(days + 1))


def by_hour(finished: Iterable[datetime], timezone: str) -> tuple[int, ...]:
    """How many of these times fall in each local hour of the day (0..23)."""
    zone = ZoneInfo(timezone)
    counts = [0] * 24
    for moment in finished:
        counts[moment.astimezone(zone).hour] += 1
    return tuple(counts)


def operations_in_order(
    routings: Iterable[Sequence[tuple[int, str, str]]],
) -> list[tuple[str, str]]:
    """(code, name) of every operation the line's routings use, in routing order; an operation
    code shared by two items' routings is listed once, where it first comes."""
    seen: dict[str, tuple[int, str]] = {}
    for routing in routings:
        for seq, code, name in routing:
            if code not in seen or seq < seen[code][0]:
                seen[code] = (seq, seen[code][1] if code in seen else name)
    return [(code, name) for code, (_, name) in sorted(seen.items(), key=lambda kv: kv[1][0])]
