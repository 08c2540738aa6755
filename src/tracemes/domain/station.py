"""What one scan at a station means, decided on the floor as it stands.

An operator's scanner sends text and nothing else. At a station it is, in this order: the
QR code of a production lot's transfer card (the lot is shown at its operation here, to
report on and send on); a PASS or FAIL word for the unit at the station; a unit made here
(its due step starts, or it is shown); a station label (the device works there from now
on); else a part for the unit at the station. A finished unit scanned while another is at
the station is a sub-assembly going in (a battery pack into an e-bike), so it is a part,
not a new unit.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from tracemes.domain.errors import ConflictError, DomainError
from tracemes.domain.floor import Floor, ProductionLotState, UnitState
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.units import UnitStatus

PASS_WORDS = frozenset({"PASS", "OK", "合格"})
FAIL_WORDS = frozenset({"FAIL", "NG", "不合格"})
_DONE = (UnitStatus.COMPLETED, UnitStatus.SHIPPED, UnitStatus.SCRAPPED)


class Meaning(StrEnum):
    """What a scan was taken for; the page words its answer by it."""

    NOTHING = "nothing"  # an empty scan: show the station as it is
    UNIT = "unit"  # a unit made here, shown; its due step started when `command` is set
    VERDICT = "verdict"  # PASS or FAIL for the unit at the station
    STATION = "station"  # a station label: the device works there from now on
    PART = "part"  # a part bound into the unit at the station
    LOT = "lot"  # a transfer card: its production lot is shown at its operation here


@dataclass(frozen=True, slots=True)
class Decision:
    """A scan's meaning, the unit the station shows after it, and the event it sends."""

    meaning: Meaning
    unit: str  # the serial shown after the scan ("" for none)
    command: Command | None = None
    station: str | None = None  # for Meaning.STATION
    lot: tuple[str, str] | None = None  # (item, lot) for Meaning.LOT


def due_operation(floor: Floor, unit: UnitState) -> str | None:
    """The operation a unit made here is at (its running step) or goes to next; None once it
    is done."""
    run = floor.open_run(unit)
    if run is not None:
        return run.operation
    if unit.status in _DONE or unit.plan is None:
        return None
    if unit.current_operation is not None:
        return unit.current_operation
    return unit.plan.operations[0].code


def decide(floor: Floor, text: str, current: str, is_station: bool) -> Decision:
    """The meaning of `text` scanned at a station showing unit `current` ("" for none), or a
    DomainError in the operator's words. `floor` holds the units with both serials;
    `is_station` tells whether the text is a station's code."""
    text = text.strip()
    if not text:
        return Decision(Meaning.NOTHING, current)
    card = card_of(text)
    if card is not None:
        floor.production_lot(*card)  # a card of a lot this company does not have: not found
        return Decision(Meaning.LOT, "", lot=card)
    if current and text.upper() in PASS_WORDS | FAIL_WORDS:
        return Decision(Meaning.VERDICT, "", verdict(floor, current, text.upper() in PASS_WORDS))
    scanned = _made_here(floor, text)
    if scanned is not None:
        operation = due_operation(floor, scanned)
        if not (current and operation is None and text != current):
            started = floor.open_run(scanned) is not None
            start = StartStep(text, operation) if operation and not started else None
            return Decision(Meaning.UNIT, text, start)
    if is_station:
        return Decision(Meaning.STATION, "", station=text)
    if not current:
        raise ConflictError(
            f"{text} is not a unit made here: scan a unit first", code="scan_a_unit_first"
        )
    return Decision(Meaning.PART, current, BindPart(current, ComponentRef(scan=text)))


def _made_here(floor: Floor, serial: str) -> UnitState | None:
    """The unit made here with this serial; None for a bought-in part or unknown text."""
    try:
        unit = floor.unit(serial)
    except DomainError as error:
        if error.code == "ambiguous_serial":
            raise
        return None
    return unit if unit.plan is not None else None


def verdict(
    floor: Floor,
    serial: str,
    passed: bool,
    measurements: Mapping[str, float] | None = None,
    defects: tuple[str, ...] = (),
) -> CompleteStep:
    """Pass or fail the unit's running step, whichever operation it is."""
    unit = floor.unit(serial)
    run = floor.open_run(unit)
    if run is None:
        raise ConflictError(f"no step of {serial} is running here", code="step_not_started")
    return CompleteStep(serial, run.operation, passed, dict(measurements or {}), defects)


def card_of(text: str) -> tuple[str, str] | None:
    """The (item, lot) whose transfer card carries this text in its QR code: the lot's page
    address, `.../lots/{item}/{lot}` on whatever host printed it; None for any other text."""
    path = urlsplit(text).path if "://" in text else text
    parts = path.rstrip("/").split("/")
    if len(parts) < 3 or parts[-3] != "lots" or not parts[-2]:  # the last is never empty
        return None
    return unquote(parts[-2]), unquote(parts[-1])


def lot_operation(produced: ProductionLotState, station: str | None) -> str | None:
    """The operation of a lot to report on at this station: the one the routing does here,
    while something is in process or waiting there; else the first that has something in
    process or waiting; None once the whole lot has gone on into stock."""
    tallies = produced.lot.tallies
    live = [
        op
        for op in produced.lot.operations
        if tallies[op.code].in_process > 0 or tallies[op.code].waiting > 0
    ]
    chosen = [op for op in live if station is not None and op.station_code == station] or live
    return chosen[0].code if chosen else None
