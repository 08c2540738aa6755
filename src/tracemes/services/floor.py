"""The floor engine: shop-floor events (steps, bindings, scrapping, shipping, production
lots) checked and applied inside a caller's transaction.

The floor a batch touches is loaded in a few queries, each event is checked and applied in
order by the pure rules of the domain (a refused event changes nothing and the rest go on),
and what changed is written back with one statement per table. An event id already in the
ledger is answered as accepted again and changes nothing, so retries are safe. What the
events set going (a final inspection for a completed order) is returned, not done here:
services.shop_floor runs it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import Connection

from tracemes import domain, store
from tracemes.domain.errors import DomainError
from tracemes.domain.event_types import payload
from tracemes.domain.events import Event
from tracemes.domain.floor import (
    Actor,
    BindingState,
    Floor,
    Kind,
    LotState,
    Plan,
    ProductionLotState,
    StepRunState,
    UnitState,
    WorkOrderState,
)
from tracemes.domain.genealogy import BindPart, UnbindPart
from tracemes.domain.lots import Lot
from tracemes.domain.production_lots import ProductionLot
from tracemes.domain.shop_floor import EVENT_TYPES, Command, Named
from tracemes.domain.work_orders import Status
from tracemes.services import known_ids
from tracemes.services import rollups as services_rollups
from tracemes.services import scans as services_scans
from tracemes.services.context import Context
from tracemes.services.plans import PlanKey, plan_for
from tracemes.services.submissions import FloorEvent, Outcome, actor_of
from tracemes.store.bindings import BindingRow
from tracemes.store.production_lots import ProductionLotRow

__all__ = ["Named", "Recorded", "load_floor", "record_in", "record_on"]

FEW = 50  # events a batch may hold and still reuse prepared plans (one-event requests)


@dataclass
class Recorded:
    """The answer to each event of a batch, and what the accepted ones set going."""

    outcomes: list[Outcome] = field(default_factory=list)
    completed_orders: list[str] = field(default_factory=list)  # due a final inspection


def record_in(
    conn: Connection, ctx: Context, events: Sequence[FloorEvent], plans: dict[PlanKey, Plan]
) -> Recorded:
    """Check and apply a batch of events, about units and production lots alike, in order
    inside the caller's transaction: one floor, loaded once, so a unit may draw on a lot
    finished earlier in the same batch."""
    if len(events) > FEW:  # long IN lists over a growing ledger; _write ends it
        store.db.plan_each_statement(conn)
    seen = store.ledger.existing_ids(conn, ctx.tenant_id, (e.event_id for e in events))
    prepared, unreadable = _resolve_scans(conn, ctx, [e for e in events if e.event_id not in seen])
    fresh = list(prepared.values())
    floor = load_floor(conn, ctx, domain.shop_floor.named(e.command for e in fresh), plans)
    stations = known_ids.station_ids(conn, ctx.tenant_id, {e.station for e in fresh if e.station})
    operators = store.users.ids_by_name(
        conn, ctx.tenant_id, {e.operator for e in fresh if e.operator}
    )
    outcomes, accepted = _apply_all(
        floor, ctx, events, seen, prepared, unreadable, stations, operators
    )
    return Recorded(outcomes, _write(conn, ctx, floor, accepted))


def record_on(
    conn: Connection, ctx: Context, floor: Floor, event: FloorEvent, stations: dict[str, int]
) -> tuple[Outcome, list[str]]:
    """One event applied to a floor the caller loaded with everything it touches, and
    written: a station scan loads the floor once to read the scan, applies its event there
    and shows the unit from it. Returns the outcome and the work orders it completed."""
    seen = store.ledger.existing_ids(conn, ctx.tenant_id, [event.event_id])
    operators = (
        store.users.ids_by_name(conn, ctx.tenant_id, {event.operator}) if event.operator else {}
    )
    prepared = {event.event_id: event}
    outcomes, accepted = _apply_all(floor, ctx, [event], seen, prepared, {}, stations, operators)
    return outcomes[0], _write(conn, ctx, floor, accepted)


def _apply_all(
    floor: Floor,
    ctx: Context,
    events: Sequence[FloorEvent],
    seen: set[str],
    prepared: dict[str, FloorEvent],
    unreadable: dict[str, DomainError],
    stations: dict[str, int],
    operators: dict[str, int],
) -> tuple[list[Outcome], list[tuple[FloorEvent, Command, Actor]]]:
    """Each event checked and applied to the floor in order by the domain's rules; the
    answers, and the accepted events with their commands as they happened."""
    outcomes: list[Outcome] = []
    accepted: list[tuple[FloorEvent, Command, Actor]] = []
    for sent in events:
        if sent.event_id in seen:
            outcomes.append(Outcome(sent.event_id))
            continue
        if sent.event_id in unreadable:
            outcomes.append(Outcome(sent.event_id, unreadable[sent.event_id]))
            continue
        event = prepared[sent.event_id]
        try:
            actor = actor_of(ctx, event, stations, operators)
            happened = domain.shop_floor.apply(floor, actor, event.command)
        except DomainError as error:
            outcomes.append(Outcome(event.event_id, error))
            continue
        seen.add(event.event_id)
        accepted.append((event, happened, actor))
        outcomes.append(Outcome(event.event_id))
    return outcomes, accepted


def _resolve_scans(
    conn: Connection, ctx: Context, events: Sequence[FloorEvent]
) -> tuple[dict[str, FloorEvent], dict[str, DomainError]]:
    """New events by id with scanned labels replaced by the parts they name, and the
    refusals of events whose label cannot be read."""
    raws = [
        e.command.component.scan
        for e in events
        if isinstance(e.command, BindPart | UnbindPart) and e.command.component.scan
    ]
    resolved = services_scans.resolve_in(conn, ctx, raws) if raws else {}
    prepared: dict[str, FloorEvent] = {}
    unreadable: dict[str, DomainError] = {}
    for event in events:
        command = event.command
        if isinstance(command, BindPart | UnbindPart) and command.component.scan:
            found = resolved[command.component.scan]
            if isinstance(found, DomainError):
                unreadable.setdefault(event.event_id, found)
                continue
            part = services_scans.substitute(command.component, found)
            event = replace(event, command=replace(command, component=part))
        prepared.setdefault(event.event_id, event)
    return prepared, unreadable


def load_floor(
    conn: Connection,
    ctx: Context,
    named: Named,
    plans: dict[PlanKey, Plan],
    lock: bool = True,
) -> Floor:
    """The units, parts and production lots named, with their live edges, lots, open steps,
    tallies and plans. A write locks the rows it may change (on PostgreSQL); a page that
    only shows the floor loads with `lock=False` and stops no writer."""
    tenant = ctx.tenant_id
    units = _units_and_edges(conn, tenant, named, lock)
    produced = store.production_lots.by_key(conn, tenant, named.production_lots)
    # Every lot the batch may change, locked in one statement in id order: the production
    # lots, the lots named and the lots already in these units. Two statements (named
    # first) let two batches lock the same two lots in opposite orders and deadlock.
    lot_keys = {(p.item, p.lot) for p in named.parts if p.lot is not None and p.item is not None}
    lot_ids = store.floor.lot_ids_by_key(conn, tenant, lot_keys | named.materials)
    lot_ids |= {e.child_id for e in units.edges if e.child_kind is Kind.LOT}
    lot_ids |= {row.lot_id for row in produced}
    lots = {lot.id: lot for lot in store.floor.lots_by_id(conn, tenant, sorted(lot_ids), lock)}
    orders = _attach_orders(
        conn, ctx, units.loaded, {row.work_order for row in produced}, plans, lock
    )
    by_id = {u.id: u for u in units.loaded}
    runs = [
        StepRunState(
            id=row[0],
            unit=by_id[row[1]],
            operation=row[2],
            station_id=row[3],
            operator_id=row[4],
            started_at=row[5],
        )
        for row in store.step_runs.open_runs(conn, tenant, units.parent_ids)
    ]
    into = set(units.parent_ids)
    emptied = [(by_id[unit_id], item) for unit_id, item in units.emptied if unit_id in into]
    taken = store.lots.numbers_taken(conn, tenant, named.lot_numbers, named.split_prefixes)
    return Floor(
        units.loaded,
        lots.values(),
        [_binding(edge, by_id, lots) for edge in units.edges],
        runs,
        emptied,
        _production_lots(conn, tenant, produced, lots, orders),
        taken,
    )


@dataclass(frozen=True)
class _Units:
    """The units a batch names and those their live edges reach, with those edges."""

    loaded: dict[UnitState, str | None]  # unit -> its work order code
    edges: list[BindingRow]
    parent_ids: list[int]  # the units named
    emptied: set[tuple[int, str]]  # (unit id, item) of every part ever taken out


def _units_and_edges(conn: Connection, tenant: int, named: Named, lock: bool) -> _Units:
    parents = set(named.units)
    part_serials = {p.serial for p in named.parts if p.serial is not None}
    loaded = dict(store.floor.units_by_serial(conn, tenant, parents | part_serials, lock))
    parent_ids = [u.id for u in loaded if u.serial in parents and u.id is not None]
    part_ids = [u.id for u in loaded if u.serial in part_serials and u.id is not None]
    # The live edges into the units, and what holds the parts and units themselves (a
    # sub-assembly inside another unit may not be shipped or scrapped on its own).
    around = store.bindings.edges_around(conn, tenant, parent_ids + part_ids)
    into, held = set(parent_ids), set(parent_ids + part_ids)
    edges = [
        e
        for e in around.live
        if e.parent_id in into or (e.child_kind is Kind.UNIT and e.child_id in held)
    ]
    missing = {e.parent_id for e in edges} | {
        e.child_id for e in edges if e.child_kind is Kind.UNIT
    }
    missing -= {u.id for u in loaded}
    loaded.update(store.floor.units_by_id(conn, tenant, missing, lock))
    return _Units(loaded, edges, parent_ids, around.emptied)


def _binding(
    edge: BindingRow, by_id: dict[int | None, UnitState], lots: dict[int | None, LotState]
) -> BindingState:
    child = by_id[edge.child_id] if edge.child_kind is Kind.UNIT else lots[edge.child_id]
    return BindingState(
        id=edge.id,
        parent=by_id[edge.parent_id],
        child=child,
        item_code=edge.item_code,
        quantity=edge.quantity,
        operation=edge.operation,
        station_id=edge.station_id,
        operator_id=edge.operator_id,
        bound_at=edge.bound_at,
    )


def _production_lots(
    conn: Connection,
    tenant: int,
    rows: Sequence[ProductionLotRow],
    lots: dict[int | None, LotState],
    orders: dict[str, tuple[WorkOrderState, Plan | None]],
) -> list[ProductionLotState]:
    """The production lots of these rows with their tallies and the material booked into
    them, each sharing the lot state the rest of the floor sees."""
    tallies = store.production_lots.tallies(conn, tenant, [r.row_id for r in rows])
    consumed = store.production_lots.consumed(conn, tenant, [r.lot_id for r in rows])
    found = []
    for row in rows:
        plan = orders[row.work_order][1]
        assert plan is not None  # lots open only on released orders
        lot = ProductionLot(
            row.item_code,
            row.lot,
            row.work_order,
            plan.operations,
            row.started,
            tallies[row.row_id],
            {k: v for k, v in consumed.get(row.lot_id, {}).items() if k != row.item_code},
            on_hold=row.on_hold,
        )
        found.append(ProductionLotState(lot, lots[row.lot_id], plan, row.row_id, row.created_at))
    return found


def _attach_orders(
    conn: Connection,
    ctx: Context,
    units: dict[UnitState, str | None],
    also: set[str],
    plans: dict[PlanKey, Plan],
    lock: bool,
) -> dict[str, tuple[WorkOrderState, Plan | None]]:
    """Link each unit to its work order's state and plan (one plan per pinned version);
    answer those of the units' orders and of the `also` orders, by code."""
    codes = {code for code in units.values() if code is not None} | also
    orders = store.floor.work_orders_by_code(conn, ctx.tenant_id, codes, lock)
    states: dict[str, tuple[WorkOrderState, Plan | None]] = {}
    for row in orders:
        state = WorkOrderState(row.code, row.status, row.quantity, row.finished_units)
        states[row.code] = (state, plan_for(conn, ctx, row, plans))
    for unit, code in units.items():
        if code is not None:
            unit.work_order, unit.plan = states[code]
    return states


def _write(
    conn: Connection,
    ctx: Context,
    floor: Floor,
    accepted: Sequence[tuple[FloorEvent, Command, Actor]],
) -> list[str]:
    """Write what changed; answer the codes of the work orders the events completed."""
    tenant = ctx.tenant_id
    store.db.plan_as_usual(conn)
    if not accepted:
        return []
    codes = {u.item_code for u in floor.new_units} | {b.item_code for b in floor.new_bindings}
    item_id = known_ids.item_ids(conn, tenant, codes)
    store.floor.add_units(conn, tenant, floor.new_units, item_id, ctx.now)
    _add_production_lots(conn, ctx, floor.new_production_lots)
    # End edges before adding new ones: a part unbound and bound again in one batch would
    # otherwise be live twice for a moment, which the unique index refuses.
    store.bindings.end_bindings(conn, tenant, floor.ended_bindings)
    store.bindings.add_bindings(conn, tenant, floor.new_bindings, item_id)
    store.floor.update_units(conn, tenant, floor.changed_units())
    grown = [
        (p.stock.id, p.merged_in)
        for p in floor.changed_production_lots()
        if p.merged_in and p.stock.id is not None  # a lot split off here is stored grown
    ]
    store.floor.grow_lots(conn, tenant, grown)
    store.floor.update_lots(conn, tenant, floor.changed_lots())
    store.production_lots.update_tallies(
        conn,
        tenant,
        [
            (p.row_id, p.lot.tallies)
            for p in floor.changed_production_lots()
            if p.row_id is not None
        ],
    )
    store.production_lots.add_shipments(conn, tenant, floor.lot_shipments)
    store.step_runs.add_runs(conn, tenant, floor.new_runs)
    store.step_runs.close_runs(conn, tenant, floor.closed_runs)
    orders = floor.changed_orders()
    store.floor.update_work_orders(conn, tenant, orders)
    ledger = []
    subjects = []
    for event, command, actor in accepted:
        about = domain.shop_floor.subjects(command)
        ledger.append(
            Event(
                tenant_id=tenant,
                event_id=event.event_id,
                type=EVENT_TYPES[type(command)],
                subject=about[0],
                occurred_at=actor.occurred_at,
                recorded_at=ctx.now,
                user_id=ctx.user_id,
                station=event.station,
                payload=payload(command, event.operator),
            )
        )
        subjects += [(event.event_id, subject) for subject in about[1:]]
    store.ledger.append_many(conn, ledger)
    services_rollups.add_in(conn, ctx, ledger)
    store.ledger.add_subjects(conn, tenant, subjects)
    return [order.code for order in orders if order.status is Status.COMPLETED]


def _add_production_lots(conn: Connection, ctx: Context, new: Sequence[ProductionLotState]) -> None:
    """Store the production lots split off in this batch (rare: a statement or two each)."""
    order_ids: dict[str, int] = {}
    for produced in new:
        lot = produced.lot
        if lot.work_order not in order_ids:
            order_ids[lot.work_order] = store.work_orders.id_of(conn, ctx.tenant_id, lot.work_order)
        stock = produced.stock
        stock.id = store.lots.add(
            conn,
            ctx.tenant_id,
            Lot(
                lot.item_code,
                lot.lot,
                lot.started + produced.merged_in,
                stock.remaining,
                None,
                ctx.now,
            ),
        )
        stock.changed = lot.changed = False  # stored as they stand now
        produced.row_id = store.production_lots.add(
            conn,
            ctx.tenant_id,
            stock.id,
            order_ids[lot.work_order],
            lot.started,
            ctx.now,
            [(op.seq, op.code) for op in lot.operations],
            lot.tallies,
        )
