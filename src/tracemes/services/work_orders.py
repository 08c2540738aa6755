"""Work orders: create, release to the floor, add units, cancel, close."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from tracemes.domain.event_types import EventType
from tracemes.domain.work_orders import Progress, Status, WorkOrder
from tracemes.services.context import Context, replayed
from tracemes.store.units import UnitRow

MAX_UNITS_PER_REQUEST = 10_000


@dataclass(frozen=True, slots=True)
class WorkOrderView:
    """A work order with its progress and units, as the floor and the office see it."""

    order: WorkOrder
    progress: Progress
    units: list[UnitRow]


def create(
    db: Engine,
    ctx: Context,
    item_code: str,
    quantity: object,
    line_code: str,
    code: str | None = None,
    due_on: date | None = None,
) -> WorkOrder:
    """Plan an order to make an item on a line; a code is generated when none is given."""
    with db.begin() as conn:
        if prior := replayed(conn, ctx, EventType.WORK_ORDER_CREATED, code):
            return _get(conn, ctx, prior.subject)
        item = store.items.get(conn, ctx.tenant_id, item_code)
        if item is None:
            raise InvalidInputError("item", f"unknown item {item_code}", code="unknown_item")
        if store.lines.get(conn, ctx.tenant_id, line_code) is None:
            raise InvalidInputError("line", f"unknown line {line_code}", code="unknown_line")
        order = domain.work_orders.new(
            code or _next_code(conn, ctx), item, quantity, line_code, due_on
        )
        if store.work_orders.get(conn, ctx.tenant_id, order.code) is not None:
            raise AlreadyExistsError("work order", order.code)
        store.work_orders.add(conn, ctx.tenant_id, order, ctx.now)
        store.ledger.append(
            conn,
            ctx.event(
                EventType.WORK_ORDER_CREATED,
                order.code,
                {
                    "item": order.item_code,
                    "quantity": str(order.quantity),
                    "line": order.line_code,
                    "due": order.due_on.isoformat() if order.due_on else None,
                },
            ),
        )
    return order


def _next_code(conn: Connection, ctx: Context) -> str:
    prefix = f"WO{ctx.now:%Y%m%d}-"
    sequence = 1
    while store.work_orders.get(conn, ctx.tenant_id, f"{prefix}{sequence:03d}") is not None:
        sequence += 1
    return f"{prefix}{sequence:03d}"


def release(db: Engine, ctx: Context, code: str) -> WorkOrder:
    """Release a planned order to the floor, pinning the BOM and routing it is made by."""
    with db.begin() as conn:
        order = _get(conn, ctx, code)
        if replayed(conn, ctx, EventType.WORK_ORDER_RELEASED, code):
            return order
        released = domain.work_orders.move(order, Status.RELEASED)
        bom, routing = domain.work_orders.check_release(
            order,
            store.boms.current(conn, ctx.tenant_id, order.item_code),
            store.routings.current(conn, ctx.tenant_id, order.item_code),
        )
        store.work_orders.set_status(conn, ctx.tenant_id, code, released.status)
        store.work_orders.set_snapshot(conn, ctx.tenant_id, code, bom.version, routing.version)
        store.ledger.append(
            conn,
            ctx.event(
                EventType.WORK_ORDER_RELEASED,
                code,
                {"bom_version": bom.version, "routing_version": routing.version},
            ),
        )
    return replace(released, bom_version=bom.version, routing_version=routing.version)


def cancel(db: Engine, ctx: Context, code: str, reason: str = "") -> WorkOrder:
    """Cancel an order nobody has started on."""
    with db.begin() as conn:
        order = _get(conn, ctx, code)
        if replayed(conn, ctx, EventType.WORK_ORDER_CANCELLED, code):
            return order
        counts = store.units.counts_by_status(conn, ctx.tenant_id, code)
        cancelled = domain.work_orders.check_cancel(
            order, domain.work_orders.progress(order, counts).started
        )
        store.work_orders.set_status(conn, ctx.tenant_id, code, cancelled.status)
        store.ledger.append(
            conn, ctx.event(EventType.WORK_ORDER_CANCELLED, code, {"reason": reason})
        )
    return cancelled


def close(db: Engine, ctx: Context, code: str, reason: str = "") -> WorkOrder:
    """Close a completed order, or one in progress that stops short of its quantity."""
    with db.begin() as conn:
        order = _get(conn, ctx, code)
        if replayed(conn, ctx, EventType.WORK_ORDER_CLOSED, code):
            return order
        closed = domain.work_orders.move(order, Status.CLOSED)
        store.work_orders.set_status(conn, ctx.tenant_id, code, closed.status)
        store.ledger.append(conn, ctx.event(EventType.WORK_ORDER_CLOSED, code, {"reason": reason}))
    return closed


def add_units(
    db: Engine,
    ctx: Context,
    code: str,
    count: int | None = None,
    serials: Sequence[str] | None = None,
) -> list[str]:
    """Create units of a released order: `count` serials from the item's pattern, or `serials`."""
    if (count is None) == (serials is None):
        raise InvalidInputError("count", "give either count or serials")
    wanted = len(serials) if serials is not None else int(count or 0)
    if wanted > MAX_UNITS_PER_REQUEST:
        raise InvalidInputError("count", f"at most {MAX_UNITS_PER_REQUEST} units per request")
    with db.begin() as conn:
        order = _get(conn, ctx, code)
        if prior := replayed(conn, ctx, EventType.WORK_ORDER_UNITS_CREATED, code):
            return list(prior.payload["serials"])
        item = store.items.get(conn, ctx.tenant_id, order.item_code)
        if item is None:  # pragma: no cover - foreign key keeps it
            raise NotFoundError("item", order.item_code)
        live = store.units.counts_by_status(conn, ctx.tenant_id, code)
        live.pop(domain.units.UnitStatus.SCRAPPED, None)
        domain.work_orders.check_new_units(order, item, sum(live.values()), wanted)
        if serials is not None:
            new_serials = _checked_serials(conn, ctx, item.code, serials)
        else:
            new_serials = _generated_serials(conn, ctx, item, wanted)
        routing = store.routings.get(conn, ctx.tenant_id, item.code, order.routing_version or 0)
        first = routing.operations[0].code if routing else None
        store.units.add_many(conn, ctx.tenant_id, item.code, code, new_serials, ctx.now, first)
        created = ctx.event(
            EventType.WORK_ORDER_UNITS_CREATED, code, {"item": item.code, "serials": new_serials}
        )
        store.ledger.append(conn, created)
        store.ledger.add_subjects(
            conn, ctx.tenant_id, [(created.event_id, serial) for serial in new_serials]
        )
    return new_serials


def _checked_serials(
    conn: Connection, ctx: Context, item_code: str, serials: Sequence[str]
) -> list[str]:
    checked = [domain.codes.check(f"serials[{i}]", s) for i, s in enumerate(serials)]
    if len(set(checked)) != len(checked):
        raise InvalidInputError("serials", "a serial is listed twice")
    taken = store.units.existing_serials(conn, ctx.tenant_id, item_code, checked)
    if taken:
        raise ConflictError(
            f"serials already in use for {item_code}: {', '.join(sorted(taken)[:10])}",
            code="serial_in_use",
        )
    return checked


def _generated_serials(
    conn: Connection, ctx: Context, item: domain.items.Item, count: int
) -> list[str]:
    """Serials from the item's pattern, skipping any typed in by hand earlier."""
    pattern = item.pattern
    scope = domain.serials.scope(pattern, item.code, ctx.now.date())
    result: list[str] = []
    while len(result) < count:
        need = count - len(result)
        first = store.units.take_sequences(conn, ctx.tenant_id, item.code, scope, need)
        batch = [
            domain.serials.render(pattern, item.code, ctx.now.date(), seq)
            for seq in range(first, first + need)
        ]
        taken = store.units.existing_serials(conn, ctx.tenant_id, item.code, batch)
        result.extend(s for s in batch if s not in taken)
    return result


def get(db: Engine, ctx: Context, code: str) -> WorkOrderView:
    """An order with its quantities planned / started / completed / scrapped and its units."""
    with store.db.reading(db) as conn:
        order = _get(conn, ctx, code)
        counts = store.units.counts_by_status(conn, ctx.tenant_id, code)
        units = store.units.list_for_work_order(conn, ctx.tenant_id, code)
    return WorkOrderView(order, domain.work_orders.progress(order, counts), units)


def list_all(
    db: Engine, ctx: Context, statuses: frozenset[Status] | None = None
) -> list[WorkOrder]:
    """The tenant's orders, newest first."""
    with store.db.reading(db) as conn:
        return store.work_orders.list_all(conn, ctx.tenant_id, statuses)


def _get(conn: Connection, ctx: Context, code: str) -> WorkOrder:
    order = store.work_orders.get(conn, ctx.tenant_id, code)
    if order is None:
        raise NotFoundError("work order", code)
    return order
