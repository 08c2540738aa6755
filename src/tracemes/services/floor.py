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
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import Connection

from tracemes import domain, store
from tracemes.domain.batches import LotCommand
from tracemes.domain.errors import DomainError
from tracemes.domain.events import Event
from tracemes.domain.floor import (
    Actor,
    BindingState,
    Floor,
    Kind,
    Plan,
    StepRunState,
    UnitState,
    WorkOrderState,
)
from tracemes.domain.genealogy import BindPart, ComponentRef, UnbindPart
from tracemes.domain.shop_floor import EVENT_TYPES, Command
from tracemes.domain.work_orders import Status
from tracemes.services import batches as services_batches
from tracemes.services import rollups as services_rollups
from tracemes.services import scans as services_scans
from tracemes.services.context import Context
from tracemes.services.plans import PlanKey, plan_for
from tracemes.services.submissions import FloorEvent, Outcome, actor_of

__all__ = ["Recorded", "load_floor", "record_in", "record_on"]

FEW = 50  # events a batch may hold and still reuse prepared plans (one-event requests)


@dataclass
class Recorded:
    """The answer to each event of a batch, and what the accepted ones set going."""

    outcomes: list[Outcome] = field(default_factory=list)
    completed_orders: list[str] = field(default_factory=list)  # due a final inspection


def record_in(
    conn: Connection, ctx: Context, events: Sequence[FloorEvent], plans: dict[PlanKey, Plan]
) -> Recorded:
    """Check and apply a batch of events in order inside the caller's transaction.

    Events about units and events about production lots follow different rules; a batch is
    taken in runs of one kind, in order, so a unit may consume a lot finished earlier in
    the same batch.
    """
    recorded = Recorded()
    for about_lots, run in groupby(events, lambda e: isinstance(e.command, LotCommand)):
        batch = list(run)
        if len(batch) > FEW:  # long IN lists over a growing ledger; each run's _write ends it
            store.db.plan_each_statement(conn)
        if about_lots:
            recorded.outcomes += services_batches.record_in(conn, ctx, batch, plans)
        else:
            _record_units(conn, ctx, batch, plans, recorded)
    return recorded


def _record_units(
    conn: Connection,
    ctx: Context,
    events: Sequence[FloorEvent],
    plans: dict[PlanKey, Plan],
    recorded: Recorded,
) -> None:
    seen = store.ledger.existing_ids(conn, ctx.tenant_id, (e.event_id for e in events))
    prepared, unreadable = _resolve_scans(conn, ctx, [e for e in events if e.event_id not in seen])
    fresh = list(prepared.values())
    floor = _load_floor(conn, ctx, [_unit_command(e) for e in fresh], plans)
    stations = store.lines.station_ids(conn, ctx.tenant_id, {e.station for e in fresh if e.station})
    operators = store.users.ids_by_name(
        conn, ctx.tenant_id, {e.operator for e in fresh if e.operator}
    )
    outcomes, accepted = _apply_all(
        floor, ctx, events, seen, prepared, unreadable, stations, operators
    )
    recorded.outcomes += outcomes
    recorded.completed_orders += _write(conn, ctx, floor, accepted)


def record_on(
    conn: Connection, ctx: Context, floor: Floor, event: FloorEvent, stations: dict[str, int]
) -> tuple[Outcome, list[str]]:
    """One unit event applied to a floor the caller loaded with everything it touches, and
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
            happened = domain.shop_floor.apply(floor, actor, _unit_command(event))
        except DomainError as error:
            outcomes.append(Outcome(event.event_id, error))
            continue
        seen.add(event.event_id)
        accepted.append((event, happened, actor))
        outcomes.append(Outcome(event.event_id))
    return outcomes, accepted


def _unit_command(event: FloorEvent) -> Command:
    """The command of an event record_in has already sorted into a run about units."""
    command = event.command
    assert not isinstance(command, LotCommand)
    return command


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


def _load_floor(
    conn: Connection, ctx: Context, commands: Sequence[Command], plans: dict[PlanKey, Plan]
) -> Floor:
    """Everything the commands can touch, in a fixed handful of queries."""
    parts = [c.component for c in commands if isinstance(c, BindPart | UnbindPart)]
    return load_floor(conn, ctx, {c.unit for c in commands}, parts, plans)


def load_floor(
    conn: Connection,
    ctx: Context,
    parents: set[str],
    parts: Sequence[ComponentRef],
    plans: dict[PlanKey, Plan],
    lock: bool = True,
) -> Floor:
    """The units with these serials and the named parts, with their live edges, lots, open
    steps and plans. A write locks the rows it may change (on PostgreSQL); a page that only
    shows a unit as the floor sees it loads with `lock=False` and stops no writer."""
    tenant = ctx.tenant_id
    part_serials = {p.serial for p in parts if p.serial is not None}
    lot_keys = {(p.item, p.lot) for p in parts if p.lot is not None and p.item is not None}

    loaded = dict(store.floor.units_by_serial(conn, tenant, parents | part_serials, lock))
    parent_ids = [u.id for u in loaded if u.serial in parents and u.id is not None]
    part_ids = [u.id for u in loaded if u.serial in part_serials and u.id is not None]
    edges = store.bindings.live_bindings_of_parents(conn, tenant, parent_ids)
    # Also what holds the addressed units themselves: a sub-assembly inside another unit
    # may not be shipped or scrapped on its own.
    edges += store.bindings.live_bindings_of_units(conn, tenant, part_ids + parent_ids)
    by_id = {u.id: u for u in loaded}
    missing = {e.parent_id for e in edges} | {
        e.child_id for e in edges if e.child_kind is Kind.UNIT
    }
    more = dict(store.floor.units_by_id(conn, tenant, missing - set(by_id), lock))
    loaded.update(more)
    by_id.update({u.id: u for u in more})
    # The lots named and the lots already in these units, locked in one statement: two
    # statements (named first) let two batches lock the same two lots in opposite orders
    # and deadlock on PostgreSQL.
    lot_ids = store.floor.lot_ids_by_key(conn, tenant, lot_keys)
    lot_ids |= {e.child_id for e in edges if e.child_kind is Kind.LOT}
    lots = {lot.id: lot for lot in store.floor.lots_by_id(conn, tenant, sorted(lot_ids), lock)}
    _attach_orders(conn, ctx, loaded, plans, lock)

    bindings = {
        edge.id: BindingState(
            id=edge.id,
            parent=by_id[edge.parent_id],
            child=by_id[edge.child_id] if edge.child_kind is Kind.UNIT else lots[edge.child_id],
            item_code=edge.item_code,
            quantity=edge.quantity,
            operation=edge.operation,
            station_id=edge.station_id,
            operator_id=edge.operator_id,
            bound_at=edge.bound_at,
        )
        for edge in edges
    }
    runs = [
        StepRunState(
            id=row[0],
            unit=by_id[row[1]],
            operation=row[2],
            station_id=row[3],
            operator_id=row[4],
            started_at=row[5],
        )
        for row in store.step_runs.open_runs(conn, tenant, parent_ids)
    ]
    emptied = [
        (by_id[unit_id], item_code)
        for unit_id, item_code in store.bindings.emptied_items(conn, tenant, parent_ids)
    ]
    return Floor(loaded, lots.values(), bindings.values(), runs, emptied)


def _attach_orders(
    conn: Connection,
    ctx: Context,
    units: dict[UnitState, str | None],
    plans: dict[PlanKey, Plan],
    lock: bool,
) -> None:
    """Link each unit to its work order's state and plan (one plan per pinned version)."""
    codes = {code for code in units.values() if code is not None}
    orders = store.floor.work_orders_by_code(conn, ctx.tenant_id, codes, lock)
    states: dict[str, tuple[WorkOrderState, Plan | None]] = {}
    for row in orders:
        state = WorkOrderState(row.code, row.status, row.quantity, row.finished_units)
        states[row.code] = (state, plan_for(conn, ctx, row, plans))
    for unit, code in units.items():
        if code is not None:
            unit.work_order, unit.plan = states[code]


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
    item_id = store.floor.item_ids(conn, tenant, codes)
    store.floor.add_units(conn, tenant, floor.new_units, item_id, ctx.now)
    # End edges before adding new ones: a part unbound and bound again in one batch would
    # otherwise be live twice for a moment, which the unique index refuses.
    store.bindings.end_bindings(conn, tenant, floor.ended_bindings)
    store.bindings.add_bindings(conn, tenant, floor.new_bindings, item_id)
    store.floor.update_units(conn, tenant, floor.changed_units())
    store.floor.update_lots(conn, tenant, floor.changed_lots())
    store.step_runs.add_runs(conn, tenant, floor.new_runs)
    store.step_runs.close_runs(conn, tenant, floor.closed_runs)
    orders = floor.changed_orders()
    store.floor.update_work_orders(conn, tenant, orders)
    ledger = [
        Event(
            tenant_id=tenant,
            event_id=event.event_id,
            type=EVENT_TYPES[type(command)],
            subject=command.unit,
            occurred_at=actor.occurred_at,
            recorded_at=ctx.now,
            user_id=ctx.user_id,
            station=event.station,
            payload=_payload(command, event.operator),
        )
        for event, command, actor in accepted
    ]
    subjects = [
        (event.event_id, subject)
        for event, command, _ in accepted
        for subject in domain.shop_floor.subjects(command)[1:]
    ]
    store.ledger.append_many(conn, ledger)
    services_rollups.add_in(conn, ctx, ledger)
    store.ledger.add_subjects(conn, tenant, subjects)
    return [order.code for order in orders if order.status is Status.COMPLETED]


def _payload(command: Command, operator: str | None) -> dict[str, Any]:
    facts = _facts(command)
    if "passed" in facts:  # the ledger speaks the API's words: result pass or fail
        facts["result"] = "pass" if facts.pop("passed") else "fail"
    if operator is not None:
        facts["operator"] = operator
    return facts


def _facts(value: Any) -> dict[str, Any]:
    """A command as JSON-safe ledger facts, without the deep copies of dataclasses.asdict."""
    facts: dict[str, Any] = {}
    for name in value.__slots__:
        item = getattr(value, name)
        if item is None:
            continue
        if isinstance(item, Decimal):
            item = str(item)
        elif isinstance(item, tuple):
            item = list(item)
        elif hasattr(item, "__slots__"):
            item = _facts(item)
        facts[name] = item
    return facts
