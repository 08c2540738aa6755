"""Batch flow production: lots of a work order moved through their routing in parts.

Opening lots numbers them from the item's pattern. Events about lots (step reports,
transfers, splits, merges, material consumption, shipments) come in through the same
ledger and batch endpoint as unit events: a batch loads the lots it names in a few queries,
applies each event in order (a refused one changes nothing), and writes what changed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain import batches
from tracemes.domain.batches import (
    LOT_EVENT_TYPES,
    BatchLot,
    ConsumeMaterial,
    LotCommand,
    MergeLots,
    ReportLotStep,
    ShipLot,
    SplitLot,
    Tally,
    TransferLot,
)
from tracemes.domain.errors import (
    ConflictError,
    DomainError,
    InvalidInputError,
    NotFoundError,
)
from tracemes.domain.event_types import EventType
from tracemes.domain.events import Event
from tracemes.domain.floor import Actor, LotState, Plan
from tracemes.domain.items import Tracking
from tracemes.domain.lots import Lot
from tracemes.domain.work_orders import Status
from tracemes.services import rollups as services_rollups
from tracemes.services.context import Context
from tracemes.services.plans import PlanKey, plan_for, plans_of
from tracemes.services.submissions import FloorEvent, Outcome, actor_of
from tracemes.store.batches import BatchRow, LotEdge

MAX_LOTS_PER_CALL = 1000


# -- opening lots -------------------------------------------------------------------------


def open_lots(db: Engine, ctx: Context, order_code: str, quantities: Sequence[object]) -> list[str]:
    """Start production lots of a released lot-tracked order, numbered from the item's
    pattern; together they may not start more than the order's quantity."""
    if not quantities or len(quantities) > MAX_LOTS_PER_CALL:
        raise InvalidInputError("lots", f"open 1 to {MAX_LOTS_PER_CALL} lots at a time")
    amounts = [domain.numbers.quantity(f"lots[{i}]", q) for i, q in enumerate(quantities)]
    with db.begin() as conn:
        rows = store.floor.work_orders_by_code(conn, ctx.tenant_id, [order_code])
        if not rows:
            raise NotFoundError("work order", order_code)
        order = rows[0]
        item = store.items.get(conn, ctx.tenant_id, order.item_code)
        assert item is not None
        if item.tracking is not Tracking.LOT:
            raise ConflictError(
                f"{item.code} is {item.tracking}-tracked; production lots are for lot-tracked "
                "items (serialised items get units)",
                code="not_lot_tracked",
            )
        plan = plan_for(conn, ctx, order, plans_of(db))
        if plan is None or order.status not in (Status.RELEASED, Status.IN_PROGRESS):
            raise ConflictError(
                f"work order {order_code} is {order.status}; lots open on a released order",
                code="wrong_status",
            )
        started = sum(
            (b.started for b in store.batches.batches_of_order(conn, ctx.tenant_id, order_code)),
            Decimal(0),
        )
        if started + sum(amounts) > order.quantity:
            raise ConflictError(
                f"work order {order_code} is for {order.quantity}; {started} is already in "
                f"lots, so {sum(amounts)} more would start {started + sum(amounts)}",
                code="quantity_balance",
            )
        numbers = _numbers(conn, ctx, item, len(amounts))
        order_id = store.work_orders.id_of(conn, ctx.tenant_id, order_code)
        for number, quantity in zip(numbers, amounts, strict=True):
            _add_lot(conn, ctx, order_id, order_code, item.code, number, quantity, plan)
        if order.status is Status.RELEASED:
            store.work_orders.set_status(conn, ctx.tenant_id, order_code, Status.IN_PROGRESS)
    return numbers


def _numbers(conn: Connection, ctx: Context, item: domain.items.Item, count: int) -> list[str]:
    """Lot numbers from the item's pattern, skipping numbers already used."""
    scope = domain.serials.scope(item.pattern, item.code, ctx.now.date())
    result: list[str] = []
    while len(result) < count:
        need = count - len(result)
        first = store.units.take_sequences(conn, ctx.tenant_id, item.code, scope, need)
        batch = [
            domain.serials.render(item.pattern, item.code, ctx.now.date(), seq)
            for seq in range(first, first + need)
        ]
        taken = store.lots.items_with_lot(conn, ctx.tenant_id, batch)
        result.extend(n for n in batch if item.code not in taken.get(n, []))
    return result


def _add_lot(
    conn: Connection,
    ctx: Context,
    order_id: int,
    order_code: str,
    item_code: str,
    number: str,
    quantity: Decimal,
    plan: Plan,
) -> int:
    lot = batches.start(item_code, number, order_code, plan.operations, quantity)
    lot_id = store.lots.add(
        conn,
        ctx.tenant_id,
        Lot(item_code, number, quantity, Decimal(0), None, ctx.now),
    )
    operations = [(op.seq, op.code) for op in plan.operations]
    store.batches.add_batch(
        conn, ctx.tenant_id, lot_id, order_id, quantity, ctx.now, operations, lot.tallies
    )
    store.ledger.append(
        conn,
        ctx.event(
            EventType.LOT_STARTED,
            f"{item_code}/{number}",
            {"item": item_code, "lot": number, "work_order": order_code, "quantity": str(quantity)},
        ),
    )
    return lot_id


# -- recording lot events -----------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Loaded:
    """A production lot in a batch: its state and where it is stored."""

    row: BatchRow
    lot: BatchLot
    stock: LotState
    plan: Plan  # of its work order: the routing it follows and the BOM it consumes by
    new: bool = False
    batch_id: int | None = None


class _Floor:
    """The production lots and material lots a batch of lot events touches."""

    def __init__(
        self,
        conn: Connection,
        ctx: Context,
        plans: dict[PlanKey, Plan],
        keys: set[tuple[str, str]],
        materials: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        self.conn, self.ctx, self.plans = conn, ctx, plans
        self.lots: dict[tuple[str, str], _Loaded] = {}
        self._load(keys)
        self.materials = {
            (m.item_code, m.lot): m for m in store.floor.lots_by_key(conn, ctx.tenant_id, materials)
        }
        self.edges: list[tuple[_Loaded, LotState | _Loaded, str, Decimal, str | None, Actor]] = []
        self.shipments: list[tuple[_Loaded, ShipLot, Actor]] = []

    @classmethod
    def for_commands(
        cls,
        conn: Connection,
        ctx: Context,
        plans: dict[PlanKey, Plan],
        commands: Sequence[LotCommand],
    ) -> "_Floor":
        """Everything a batch of lot events names."""
        keys: set[tuple[str, str]] = set()
        materials: set[tuple[str, str]] = set()
        for c in commands:
            keys.add((c.item, c.lot))
            if isinstance(c, MergeLots):
                keys.update((c.item, source) for source, _ in c.sources)
            if isinstance(c, ConsumeMaterial):
                materials.add((c.material, c.material_lot))
        return cls(conn, ctx, plans, keys, materials)

    def _load(self, keys: set[tuple[str, str]]) -> None:
        tenant = self.ctx.tenant_id
        rows = store.batches.batches_by_key(self.conn, tenant, keys)
        tallies = store.batches.tallies(self.conn, tenant, [r.batch_id for r in rows])
        consumed = store.batches.consumed(self.conn, tenant, [r.lot_id for r in rows])
        orders = {
            o.code: o
            for o in store.floor.work_orders_by_code(
                self.conn, tenant, {r.work_order for r in rows}
            )
        }
        for row in rows:
            plan = plan_for(self.conn, self.ctx, orders[row.work_order], self.plans)
            assert plan is not None  # lots open only on released orders
            lot = BatchLot(
                row.item_code,
                row.lot,
                row.work_order,
                plan.operations,
                row.started,
                tallies[row.batch_id],
                {k: v for k, v in consumed.get(row.lot_id, {}).items() if k != row.item_code},
                on_hold=row.on_hold,
            )
            stock = LotState(row.lot_id, row.item_code, row.lot, row.remaining, row.on_hold)
            self.lots[(row.item_code, row.lot)] = _Loaded(
                row, lot, stock, plan, batch_id=row.batch_id
            )

    def lot(self, item: str, number: str) -> _Loaded:
        found = self.lots.get((item, number))
        if found is None:
            raise NotFoundError(f"production lot of {item}", number)
        return found


def record_in(
    conn: Connection, ctx: Context, events: Sequence[FloorEvent], plans: dict[PlanKey, Plan]
) -> list[Outcome]:
    """Apply lot events in order inside the caller's transaction; answer each one."""
    seen = store.ledger.existing_ids(conn, ctx.tenant_id, (e.event_id for e in events))
    fresh = [e for e in events if e.event_id not in seen]
    commands = [e.command for e in fresh if isinstance(e.command, LotCommand)]
    floor = _Floor.for_commands(conn, ctx, plans, commands)
    stations = store.lines.station_ids(conn, ctx.tenant_id, {e.station for e in fresh if e.station})
    operators = store.users.ids_by_name(
        conn, ctx.tenant_id, {e.operator for e in fresh if e.operator}
    )
    outcomes: list[Outcome] = []
    accepted: list[tuple[FloorEvent, LotCommand, Actor, list[str]]] = []
    for event in events:
        if event.event_id in seen:
            outcomes.append(Outcome(event.event_id))
            continue
        try:
            actor = actor_of(ctx, event, stations, operators)
            command = event.command
            if not isinstance(command, LotCommand):  # pragma: no cover - callers split runs
                raise InvalidInputError("type", "not an event about a production lot")
            happened, also = _apply(floor, actor, command)
        except DomainError as error:
            outcomes.append(Outcome(event.event_id, error))
            continue
        seen.add(event.event_id)
        accepted.append((event, happened, actor, also))
        outcomes.append(Outcome(event.event_id))
    _write(conn, ctx, floor, accepted)
    return outcomes


def _apply(floor: _Floor, actor: Actor, command: LotCommand) -> tuple[LotCommand, list[str]]:
    """Apply one lot event; return it as it happened and the other subjects it is about.
    A refusal raises before anything changes."""
    loaded = floor.lot(command.item, command.lot)
    lot = loaded.lot
    match command:
        case ReportLotStep():
            batches.report(
                lot,
                command.operation,
                command.good,
                command.scrap,
                command.rework,
                dict(command.defects),
            )
            return command, []
        case TransferLot():
            nxt = batches.transfer(lot, command.operation, command.quantity)
            if nxt is None:
                loaded.stock.remaining += command.quantity
                loaded.stock.changed = True
            return command, []
        case SplitLot():
            number = command.new_lot or _split_number(floor, lot)
            if (lot.item_code, number) in floor.lots or _exists(floor, lot.item_code, number):
                raise ConflictError(
                    f"lot {number} of {lot.item_code} already exists", code="already_exists"
                )
            child = batches.split(lot, command.operation, command.quantity, number)
            stock = LotState(0, lot.item_code, number, Decimal(0))
            new = _Loaded(loaded.row, child, stock, loaded.plan, new=True)
            floor.lots[(lot.item_code, number)] = new
            floor.edges.append(
                (new, loaded, lot.item_code, command.quantity, command.operation, actor)
            )
            return SplitLot(
                command.item, command.lot, command.operation, command.quantity, number
            ), [f"{lot.item_code}/{number}"]
        case MergeLots():
            sources = [(floor.lot(command.item, number), qty) for number, qty in command.sources]
            _check_merge(lot, sources, command.operation)
            for source, quantity in sources:
                batches.merge(lot, source.lot, command.operation, quantity)
                floor.edges.append(
                    (loaded, source, lot.item_code, quantity, command.operation, actor)
                )
            return command, [f"{command.item}/{number}" for number, _ in command.sources]
        case ConsumeMaterial():
            material = floor.materials.get((command.material, command.material_lot))
            if material is None:
                raise NotFoundError(f"lot of {command.material}", command.material_lot)
            requirement = loaded.plan.requirements.get(command.material)
            if requirement is None:
                raise ConflictError(
                    f"{command.material} is not in the BOM of {lot.item_code}", code="not_in_bom"
                )
            if command.operation is not None and command.operation not in lot.tallies:
                lot.tally(command.operation)
            domain.genealogy.check_lot(material, command.quantity)
            batches.check_consumption(
                lot, command.material, command.quantity, requirement.quantity, command.reason
            )
            material.remaining -= command.quantity
            material.changed = True
            operation = command.operation or requirement.operation
            floor.edges.append(
                (loaded, material, command.material, command.quantity, operation, actor)
            )
            return command, [f"{command.material}/{command.material_lot}"]
        case ShipLot():
            batches.ship(lot, loaded.stock.remaining, command.quantity)
            loaded.stock.remaining -= command.quantity
            loaded.stock.changed = True
            floor.shipments.append((loaded, command, actor))
            return command, []
    raise AssertionError(f"unhandled {command!r}")  # pragma: no cover


def _check_merge(target: BatchLot, sources: list[tuple[_Loaded, Decimal]], operation: str) -> None:
    """Check every source before any moves, so a refused merge changes nothing."""
    wanted: dict[str, Decimal] = {}
    for source, quantity in sources:
        if quantity <= 0:
            raise InvalidInputError("lots", f"merge a quantity above zero, not {quantity}")
        wanted[source.lot.lot] = wanted.get(source.lot.lot, Decimal(0)) + quantity
        if source.lot is target:
            raise InvalidInputError("lots", f"lot {target.lot} cannot be merged into itself")
        if (source.lot.item_code, source.lot.operations) != (target.item_code, target.operations):
            raise ConflictError(
                f"lot {source.lot.lot} and lot {target.lot} do not follow the same item and "
                "routing",
                code="merge_not_allowed",
            )
        if source.lot.on_hold:
            raise ConflictError(f"lot {source.lot.lot} is on hold", code="lot_on_hold")
        available = source.lot.tally(operation).in_process
        if wanted[source.lot.lot] > available:
            raise ConflictError(
                f"lot {source.lot.lot} at {operation}: cannot merge away "
                f"{wanted[source.lot.lot]}; only {available} is in process",
                code="quantity_balance",
            )


def _split_number(floor: _Floor, lot: BatchLot) -> str:
    n = 1
    while (lot.item_code, f"{lot.lot}-{n}") in floor.lots or _exists(
        floor, lot.item_code, f"{lot.lot}-{n}"
    ):
        n += 1
    return f"{lot.lot}-{n}"


def _exists(floor: _Floor, item_code: str, number: str) -> bool:
    found = store.lots.items_with_lot(floor.conn, floor.ctx.tenant_id, [number])
    return item_code in found.get(number, [])


def _write(
    conn: Connection,
    ctx: Context,
    floor: _Floor,
    accepted: Sequence[tuple[FloorEvent, LotCommand, Actor, list[str]]],
) -> None:
    store.db.plan_as_usual(conn)
    if not accepted:
        return
    tenant = ctx.tenant_id
    order_ids: dict[str, int] = {}
    for loaded in floor.lots.values():
        if loaded.new:
            order = loaded.lot.work_order
            if order not in order_ids:
                order_ids[order] = store.work_orders.id_of(conn, tenant, order)
            lot = loaded.lot
            loaded.stock.id = store.lots.add(
                conn, tenant, Lot(lot.item_code, lot.lot, lot.started, Decimal(0), None, ctx.now)
            )
            plan_ops = [(op.seq, op.code) for op in lot.operations]
            loaded.batch_id = store.batches.add_batch(
                conn,
                tenant,
                loaded.stock.id,
                order_ids[order],
                lot.started,
                ctx.now,
                plan_ops,
                lot.tallies,
            )
    store.batches.update_tallies(
        conn,
        tenant,
        [
            (loaded.batch_id, loaded.lot.tallies)
            for loaded in floor.lots.values()
            if loaded.lot.changed and not loaded.new and loaded.batch_id is not None
        ],
    )
    changed_stock = [b.stock for b in floor.lots.values() if b.stock.changed and not b.new]
    changed_stock += [m for m in floor.materials.values() if m.changed]
    store.floor.update_lots(conn, tenant, changed_stock)
    items = store.floor.item_ids(conn, tenant, {edge[2] for edge in floor.edges})
    store.batches.add_lot_edges(
        conn,
        tenant,
        [
            LotEdge(
                parent.stock.id,
                child.stock.id if isinstance(child, _Loaded) else child.id,
                items[item],
                quantity,
                operation,
                actor.station_id,
                actor.operator_id,
                actor.occurred_at,
            )
            for parent, child, item, quantity, operation, actor in floor.edges
        ],
    )
    store.batches.add_shipments(
        conn,
        tenant,
        [
            (b.stock.id, c.quantity, c.customer, c.sales_order, c.delivery, a.occurred_at)
            for b, c, a in floor.shipments
        ],
    )
    ledger = [
        Event(
            tenant_id=tenant,
            event_id=event.event_id,
            type=LOT_EVENT_TYPES[type(command)],
            subject=f"{command.item}/{command.lot}",
            occurred_at=actor.occurred_at,
            recorded_at=ctx.now,
            user_id=ctx.user_id,
            station=event.station,
            payload=_payload(command, event.operator),
        )
        for event, command, actor, _ in accepted
    ]
    store.ledger.append_many(conn, ledger)
    services_rollups.add_in(conn, ctx, ledger)
    store.ledger.add_subjects(
        conn, tenant, [(event.event_id, s) for event, _, _, also in accepted for s in also]
    )


def _payload(command: LotCommand, operator: str | None) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for name in command.__slots__:
        value = getattr(command, name)
        if value is None or value == ():
            continue
        if isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, tuple):
            value = {str(k): str(v) for k, v in value}
        facts[name] = value
    if operator is not None:
        facts["operator"] = operator
    return facts


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BatchView:
    """A production lot as its transfer card shows it: live, never a copy."""

    item_code: str
    lot: str
    work_order: str
    started: Decimal
    stock: Decimal
    on_hold: bool
    created_at: datetime
    operations: tuple[tuple[str, str, Tally], ...]  # code, name, tally
    consumed: dict[str, Decimal]
    shipments: list[Any]

    @property
    def finished(self) -> Decimal:
        """Good quantity sent on from the last operation."""
        return self.operations[-1][2].sent


def get(db: Engine, ctx: Context, item_code: str, number: str) -> BatchView:
    """A production lot with its tally per operation, material consumed and shipments."""
    with store.db.reading(db) as conn:
        floor = _Floor(conn, ctx, plans_of(db), {(item_code, number)})
        loaded = floor.lot(item_code, number)
        shipped = store.batches.shipments(conn, ctx.tenant_id, [loaded.row.lot_id])
    return _view(loaded, shipped)


def lots_of_order(db: Engine, ctx: Context, order_code: str) -> list[BatchView]:
    """Every production lot of a work order, by number (read together, not one by one)."""
    with store.db.reading(db) as conn:
        if store.work_orders.get(conn, ctx.tenant_id, order_code) is None:
            raise NotFoundError("work order", order_code)
        rows = store.batches.batches_of_order(conn, ctx.tenant_id, order_code)
        floor = _Floor(conn, ctx, plans_of(db), {(r.item_code, r.lot) for r in rows})
        shipped = store.batches.shipments(conn, ctx.tenant_id, [r.lot_id for r in rows])
    return [
        _view(floor.lot(r.item_code, r.lot), [s for s in shipped if s[0] == r.lot_id]) for r in rows
    ]


def order_yield(
    db: Engine, ctx: Context, order_code: str
) -> tuple[int, list[tuple[str, str, Tally]]]:
    """How many lots the order has, and per operation their tallies summed."""
    views = lots_of_order(db, ctx, order_code)
    totals: dict[str, tuple[str, Tally]] = {}
    for view in views:
        for code, name, tally in view.operations:
            total = totals.setdefault(code, (name, Tally()))[1]
            total.received += tally.received
            total.good += tally.good
            total.scrap += tally.scrap
            total.rework += tally.rework
            total.moved += tally.moved
            total.sent += tally.sent
            for defect, quantity in tally.defects.items():
                total.defects[defect] = total.defects.get(defect, Decimal(0)) + quantity
    return len(views), [(code, name, tally) for code, (name, tally) in totals.items()]


def _view(loaded: _Loaded, shipped: Sequence[Any]) -> BatchView:
    lot = loaded.lot
    return BatchView(
        lot.item_code,
        lot.lot,
        lot.work_order,
        lot.started,
        loaded.stock.remaining,
        lot.on_hold,
        loaded.row.created_at,
        tuple((op.code, op.name, lot.tallies[op.code]) for op in lot.operations),
        dict(lot.consumed),
        [tuple(row[1:]) for row in shipped],
    )
