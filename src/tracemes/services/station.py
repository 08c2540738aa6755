"""A station: what one scan does there, in one transaction, and what the station shows.

The station page, the scan API and, later, scanners and machines on the network all call
`scan`: the meaning of the text is decided by the pure rules of domain.station, the event
it sends goes through the floor engine, and the answer carries the unit as it stands, or
the production lot whose transfer card was scanned. `report_lot` books what an operation
made of a lot, or sends good quantity on, at the station, the same way.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.characteristics import Characteristic, Kind
from tracemes.domain.errors import DomainError, NotFoundError
from tracemes.domain.floor import Floor, Plan
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.production_lots import ReportLotStep, Tally, TransferLot
from tracemes.domain.station import FAIL_WORDS, PASS_WORDS, Meaning
from tracemes.domain.step_runs import StartStep
from tracemes.domain.units import UnitStatus
from tracemes.services import known_ids, scans, shop_floor
from tracemes.services.context import Context
from tracemes.services.floor import Named, load_floor
from tracemes.services.plans import PlanKey, plans_of
from tracemes.services.submissions import FloorEvent, Outcome


@dataclass(frozen=True, slots=True)
class DuePart:
    """A key part the current operation binds: how many the BOM wants, how many are in."""

    item_code: str
    needed: Decimal
    bound: Decimal

    @property
    def missing(self) -> bool:
        """Still to be scanned."""
        return self.bound < self.needed


@dataclass(frozen=True, slots=True)
class StationUnit:
    """A unit as the operator at a station needs to see it."""

    serial: str
    item_code: str
    work_order: str | None
    status: UnitStatus
    operation: str | None  # the operation it is at or due at next; None when done
    operation_name: str | None
    station: str | None  # where the routing does that operation, if it says
    started: bool
    on_hold: bool
    due: tuple[DuePart, ...]
    checks: tuple[Characteristic, ...] = ()  # what the operation measures

    @property
    def measures_next(self) -> bool:
        """Whether the next thing to do is to enter measurements (step running, parts in)."""
        return (
            self.started
            and any(c.kind is Kind.VARIABLE for c in self.checks)
            and not any(part.missing for part in self.due)
        )


@dataclass(frozen=True, slots=True)
class StationLot:
    """A production lot as the operator at a station needs to see it: the operation to
    report on here, and what is in process and waiting there."""

    item_code: str
    lot: str
    work_order: str
    operation: str | None  # None once the whole lot went on into stock
    operation_name: str | None
    next_operation: str | None  # where good quantity goes on to; None: into stock
    in_process: Decimal
    waiting: Decimal
    on_hold: bool
    operations: tuple[tuple[str, str, Tally], ...]  # code, name, tally: the whole card


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What a scan did: its meaning, whether it was carried out, and what the station shows
    after it (the unit, and the station the device is at)."""

    meaning: Meaning
    text: str
    unit: StationUnit | None
    station: str | None
    error: DomainError | None = None
    started: str | None = None  # the operation a unit scan started
    lot: StationLot | None = None  # the production lot a transfer card opened

    @property
    def accepted(self) -> bool:
        """Carried out (or an empty scan): nothing was refused."""
        return self.error is None


def scan(
    db: Engine,
    ctx: Context,
    station: str | None,
    text: str,
    unit: str = "",
    event_id: str | None = None,
) -> ScanOutcome:
    """One scan at `station` while it shows `unit` ("" for none), in one transaction. The
    event it sends is booked once under `event_id`, so a resent scan changes nothing."""
    text, unit = text.strip(), unit.strip()
    plans = plans_of(db)
    event_id = event_id or uuid.uuid4().hex
    return shop_floor.retrying(
        db, lambda conn: _scan_in(conn, ctx, station, text, unit, event_id, plans)
    )


def _scan_in(
    conn: Connection,
    ctx: Context,
    station: str | None,
    text: str,
    unit: str,
    event_id: str,
    plans: dict[PlanKey, Plan],
) -> ScanOutcome:
    """Read the label once, load the floor once with everything the scan may touch, decide,
    apply the event on that floor, and show the unit from it."""
    card = domain.station.card_of(text)
    could_be_part = (
        bool(unit and text) and card is None and text.upper() not in PASS_WORDS | FAIL_WORDS
    )
    # A text that may be a part is read as a label, which also tells whether it is a
    # station's; any other is looked up as a station (the device's own station is kept).
    reading = scans.read_in(conn, ctx, [text]) if could_be_part else None
    part = reading.parts[text] if reading else None
    parts = [part] if isinstance(part, ComponentRef) else []
    lots = frozenset({card}) if card else frozenset()
    named = Named(frozenset(s for s in (text, unit) if s), tuple(parts), lots)
    floor = load_floor(conn, ctx, named, plans)
    asked = {station} if station else set()
    if reading is None and text:
        asked.add(text)
    stations = known_ids.station_ids(conn, ctx.tenant_id, asked)
    if reading is not None:
        stations |= reading.stations
    try:
        decision = domain.station.decide(floor, text, unit, text in stations)
    except DomainError as refusal:
        return ScanOutcome(Meaning.NOTHING, text, _view(floor, unit), station, refusal)
    if decision.lot is not None:
        shown_lot = _lot_view(floor, decision.lot, station)
        return ScanOutcome(decision.meaning, text, None, station, lot=shown_lot)
    command = decision.command
    outcome = Outcome(event_id)
    if isinstance(command, BindPart):
        if isinstance(part, DomainError):  # the label cannot be read
            outcome = Outcome(event_id, part)
        else:
            assert part is not None
            command = replace(command, component=scans.substitute(command.component, part))
    if command is not None and outcome.accepted:
        sent = FloorEvent(event_id, command, station=station)
        outcome = shop_floor.record_on(conn, ctx, floor, sent, stations)
    shown = decision.unit if outcome.accepted else (decision.unit or unit)
    started = command.operation if isinstance(command, StartStep) and outcome.accepted else None
    return ScanOutcome(
        meaning=decision.meaning,
        text=text,
        unit=_view(floor, shown),
        station=decision.station or station,
        error=outcome.error,
        started=started,
    )


def finish(
    db: Engine,
    ctx: Context,
    station: str | None,
    unit: str,
    passed: bool,
    measurements: Mapping[str, float] | None = None,
    defects: tuple[str, ...] = (),
    event_id: str | None = None,
) -> ScanOutcome:
    """Pass or fail the running step of `unit` at `station`, with what was measured and the
    defect codes found, in one transaction (the station page's Pass and Fail buttons)."""
    plans = plans_of(db)
    event_id = event_id or uuid.uuid4().hex

    def work(conn: Connection) -> ScanOutcome:
        floor = load_floor(conn, ctx, Named(frozenset({unit})), plans)
        stations = known_ids.station_ids(conn, ctx.tenant_id, {station} if station else set())
        try:
            command = domain.station.verdict(floor, unit, passed, measurements, defects)
        except DomainError as refusal:
            return ScanOutcome(Meaning.NOTHING, "", _view(floor, unit), station, refusal)
        sent = FloorEvent(event_id, command, station=station)
        outcome = shop_floor.record_on(conn, ctx, floor, sent, stations)
        shown = "" if outcome.accepted else unit  # ready for the next unit once done
        return ScanOutcome(Meaning.VERDICT, "", _view(floor, shown), station, outcome.error)

    return shop_floor.retrying(db, work)


def report_lot(
    db: Engine,
    ctx: Context,
    station: str | None,
    command: ReportLotStep | TransferLot,
    event_id: str | None = None,
) -> ScanOutcome:
    """Book what an operation made of a production lot (good, scrap, rework), or send good
    quantity on from it, at `station`, in one transaction; the answer shows the lot after
    it. Booked once under `event_id`."""
    plans = plans_of(db)
    event_id = event_id or uuid.uuid4().hex
    key = (command.item, command.lot)

    def work(conn: Connection) -> ScanOutcome:
        floor = load_floor(conn, ctx, Named(production_lots=frozenset({key})), plans)
        stations = known_ids.station_ids(conn, ctx.tenant_id, {station} if station else set())
        sent = FloorEvent(event_id, command, station=station)
        outcome = shop_floor.record_on(conn, ctx, floor, sent, stations)
        shown = _lot_view(floor, key, station, command.operation)
        return ScanOutcome(Meaning.LOT, "", None, station, outcome.error, lot=shown)

    return shop_floor.retrying(db, work)


def lot_at(db: Engine, ctx: Context, station: str | None, item: str, lot: str) -> StationLot:
    """A production lot as the station shows it, read without locks."""
    plans = plans_of(db)
    key = (item, lot)
    with store.db.reading(db) as conn:
        floor = load_floor(conn, ctx, Named(production_lots=frozenset({key})), plans, lock=False)
        return _lot_view(floor, key, station)


def _lot_view(
    floor: Floor, key: tuple[str, str], station: str | None, staying_at: str | None = None
) -> StationLot:
    """The lot at the operation it has work at here (or `staying_at`, the one just reported
    on, while it still has something in process or waiting there)."""
    produced = floor.production_lot(*key)
    lot = produced.lot
    code = domain.station.lot_operation(produced, station)
    if staying_at is not None and staying_at in lot.tallies:
        kept = lot.tallies[staying_at]
        if kept.in_process > 0 or kept.waiting > 0:
            code = staying_at
    operation = produced.plan.get(code) if code else None
    after = produced.plan.after(code) if code else None
    tally = lot.tallies[code] if code else Tally()
    return StationLot(
        item_code=lot.item_code,
        lot=lot.lot,
        work_order=lot.work_order,
        operation=code,
        operation_name=operation.name if operation else None,
        next_operation=after.code if after else None,
        in_process=tally.in_process,
        waiting=tally.waiting,
        on_hold=lot.on_hold,
        operations=tuple((op.code, op.name, lot.tallies[op.code]) for op in lot.operations),
    )


def unit_at(db: Engine, ctx: Context, serial: str) -> StationUnit:
    """A unit made here: where it is in its routing and the key parts still due there."""
    plans = plans_of(db)
    with store.db.reading(db) as conn:
        floor = load_floor(conn, ctx, Named(frozenset({serial})), plans, lock=False)
        shown = _view(floor, serial)
    if shown is None:
        raise NotFoundError("unit made here", serial)
    return shown


def _view(floor: Floor, serial: str) -> StationUnit | None:
    """A unit made here as the floor holds it; None for no serial, or one not made here."""
    if not serial:
        return None
    try:
        unit = floor.unit(serial)
    except NotFoundError:
        return None
    if unit.plan is None:
        return None
    run = floor.open_run(unit)
    parts = floor.live_parts(unit)
    plan = unit.plan
    code = domain.station.due_operation(floor, unit)
    operation = plan.get(code) if code else None
    due = []
    if code is not None:
        for requirement in plan.requirements.values():
            if requirement.is_key and requirement.operation == code:
                bound = sum(
                    (b.quantity for b in parts if b.item_code == requirement.item_code), Decimal(0)
                )
                due.append(DuePart(requirement.item_code, requirement.quantity, bound))
    return StationUnit(
        serial=unit.serial,
        item_code=unit.item_code,
        work_order=unit.work_order.code if unit.work_order else None,
        status=unit.status,
        operation=code,
        operation_name=operation.name if operation else None,
        station=operation.station_code if operation else None,
        started=run is not None,
        on_hold=unit.on_hold,
        due=tuple(due),
        checks=operation.checks if operation else (),
    )
