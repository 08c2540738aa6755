"""Rollups: what the floor did in each plant hour, counted once so boards never recount it.

A rollup row holds counts for one plant hour, line, station, item and operation (and, on
defect rows, one defect code). Its counts grow only by the deltas this module computes from
ledger lines, so the rollups written as events arrive and the rollups rebuilt from the whole
ledger come from the same function and cannot drift.

A plant hour is the hour on the plant's wall clock, stored as the UTC instant it begins: a
plant day in any time zone (a +5:30 zone, a day of 23 or 25 hours) is an exact run of hours.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tracemes.domain.event_types import EventType
from tracemes.domain.events import Event

UNIT_TYPES = frozenset({EventType.STEP_STARTED, EventType.STEP_COMPLETED, EventType.UNIT_SCRAPPED})
LOT_TYPES = frozenset({EventType.LOT_STEP_REPORTED})
NONE = ""  # a dimension with nothing to name: no station, no line, no operation, no defect


@dataclass(frozen=True, slots=True, order=True)
class Key:
    """Where counts belong: a plant hour (its UTC start) and what worked in it."""

    hour: datetime
    line: str
    station: str
    item: str
    operation: str
    defect: str = NONE


@dataclass(frozen=True, slots=True)
class Counts:
    """What happened in one rollup's hour and place.

    Units: steps `started`; steps that ended `passed` or `failed` (a step cut short by
    scrapping its unit counts as failed, as the boards always did); of them the units'
    first tries at the operation (`first_tries`) and those that passed (`first_passes`), so
    retries after rework are passed + failed - first_tries; units that passed their last
    operation (`finished`) and units `scrapped`. Production lots: the `lot_good`,
    `lot_scrap` and `lot_rework` quantities reported. On a defect row: the failed unit steps
    that named the code (`defects`) and the lot quantity reported with it (`lot_defects`).
    """

    started: int = 0
    passed: int = 0
    failed: int = 0
    first_tries: int = 0
    first_passes: int = 0
    finished: int = 0
    scrapped: int = 0
    lot_good: Decimal = Decimal(0)
    lot_scrap: Decimal = Decimal(0)
    lot_rework: Decimal = Decimal(0)
    defects: int = 0
    lot_defects: Decimal = Decimal(0)

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(getattr(self, f) + getattr(other, f) for f in COUNTERS))


COUNTERS = tuple(f.name for f in fields(Counts))


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """What the ledger line of a unit's step does not say but its counts need; none of it
    changes once the unit is made (or, for the last two, once it is scrapped)."""

    item: str
    line: str  # its work order's line, or NONE
    last_operation: str | None  # of its work order's routing: passing it finishes the unit
    step_cut_short: str | None = None  # the operation of a step its scrapping ended
    current_operation: str | None = None  # where it is due (where it stays, once scrapped)


def plant_hour(at: datetime, timezone: str) -> datetime:
    """The UTC instant at which the plant's local hour holding `at` begins."""
    local = at.astimezone(ZoneInfo(timezone))
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def hour_of_day(hour: datetime, timezone: str) -> int:
    """The wall-clock hour (0..23) of a plant hour."""
    return hour.astimezone(ZoneInfo(timezone)).hour


def day_of(hour: datetime, timezone: str) -> date:
    """The plant day a plant hour belongs to."""
    return hour.astimezone(ZoneInfo(timezone)).date()


def by_hour_of_day(counts: Iterable[tuple[datetime, int]], timezone: str) -> tuple[int, ...]:
    """Counts of plant hours added up by their wall-clock hour (0..23; the repeated hour of
    a day when clocks go back adds both)."""
    hours = [0] * 24
    for hour, n in counts:
        hours[hour_of_day(hour, timezone)] += n
    return tuple(hours)


def is_counted(event: Event) -> bool:
    """Whether a ledger line changes any rollup (a bound part does not)."""
    return event.type in UNIT_TYPES or event.type in LOT_TYPES


def serials(events: Iterable[Event]) -> set[str]:
    """The units whose facts the counts of these lines need."""
    return {e.payload["unit"] for e in events if e.type in UNIT_TYPES}


def lots(events: Iterable[Event]) -> set[tuple[str, str]]:
    """The production lots (item, lot) whose line the counts of these lines need."""
    return {(e.payload["item"], e.payload["lot"]) for e in events if e.type in LOT_TYPES}


def closures(events: Iterable[Event], units: Mapping[str, UnitFacts]) -> Counter[tuple[str, str]]:
    """Steps these lines ended, by (unit, operation): completed ones and those cut short by
    scrapping the unit."""
    ended: Counter[tuple[str, str]] = Counter()
    for event in events:
        serial: str = event.payload.get("unit", NONE)
        if event.type == EventType.STEP_COMPLETED:
            ended[(serial, event.payload["operation"])] += 1
        elif event.type == EventType.UNIT_SCRAPPED:
            cut = units[serial].step_cut_short if serial in units else None
            if cut is not None:
                ended[(serial, cut)] += 1
    return ended


def deltas(
    events: Sequence[Event],
    timezone: str,
    units: Mapping[str, UnitFacts],
    lot_lines: Mapping[tuple[str, str], str],
    ended: Counter[tuple[str, str]],
) -> dict[Key, Counts]:
    """The counts these ledger lines add, merged by key.

    `ended` holds the steps each unit had ended at each operation before these lines (a
    step is a first try when none had); it is brought up to date as the lines are read, so
    a rebuild passes an empty one and reads the whole ledger in order."""
    added: dict[Key, Counts] = {}

    def add(key: Key, counts: Counts) -> None:
        added[key] = added[key] + counts if key in added else counts

    def end_step(key: Key, serial: str, passed: bool) -> None:
        first = ended[(serial, key.operation)] == 0
        ended[(serial, key.operation)] += 1
        add(
            key,
            Counts(
                passed=int(passed),
                failed=int(not passed),
                first_tries=int(first),
                first_passes=int(first and passed),
            ),
        )

    for event in events:
        if not is_counted(event):
            continue
        hour = plant_hour(event.occurred_at, timezone)
        station = event.station or NONE
        facts = event.payload
        if event.type in LOT_TYPES:
            line = lot_lines.get((facts["item"], facts["lot"]), NONE)
            where = Key(hour, line, station, facts["item"], facts["operation"])
            add(
                where,
                Counts(
                    lot_good=Decimal(facts["good"]),
                    lot_scrap=Decimal(facts.get("scrap", 0)),
                    lot_rework=Decimal(facts.get("rework", 0)),
                ),
            )
            for code, quantity in (facts.get("defects") or {}).items():
                add(_defect(where, code), Counts(lot_defects=Decimal(quantity)))
            continue
        serial = facts["unit"]
        unit = units[serial]
        if event.type == EventType.UNIT_SCRAPPED:
            if unit.step_cut_short is not None:
                end_step(_at(hour, unit, station, unit.step_cut_short), serial, passed=False)
            where = _at(hour, unit, station, unit.step_cut_short or unit.current_operation or NONE)
            add(where, Counts(scrapped=1))
            continue
        where = _at(hour, unit, station, facts["operation"])
        if event.type == EventType.STEP_STARTED:
            add(where, Counts(started=1))
            continue
        passed = facts["result"] == "pass"
        end_step(where, serial, passed)
        if passed and facts["operation"] == unit.last_operation:
            add(where, Counts(finished=1))
        if not passed:  # the defect Pareto counts the codes of failed steps
            for code in facts.get("defects") or ():
                add(_defect(where, code), Counts(defects=1))
    return added


def _at(hour: datetime, unit: UnitFacts, station: str, operation: str) -> Key:
    return Key(hour, unit.line, station, unit.item, operation)


def _defect(key: Key, code: str) -> Key:
    return Key(key.hour, key.line, key.station, key.item, key.operation, code)


def merged(rows: Iterable[tuple[Key, Counts]]) -> dict[Key, Counts]:
    """Rows with the same key added up."""
    total: dict[Key, Counts] = {}
    for key, counts in rows:
        total[key] = total[key] + counts if key in total else counts
    return total
