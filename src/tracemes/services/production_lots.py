"""Batch flow production: lots of a work order moved through their routing in parts.

Opening lots numbers them from the item's pattern. Events about lots (step reports,
transfers, splits, merges, material consumption, shipments) are shop-floor events like any
other: services.floor loads them onto the one floor, domain.lot_events applies them. This
module opens lots and shows them as the floor sees them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain import production_lots
from tracemes.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tracemes.domain.event_types import EventType
from tracemes.domain.floor import Floor, Plan, ProductionLotState
from tracemes.domain.items import Tracking
from tracemes.domain.lots import Lot
from tracemes.domain.production_lots import Tally
from tracemes.domain.shop_floor import Named
from tracemes.domain.work_orders import Status
from tracemes.services.context import Context
from tracemes.services.floor import load_floor
from tracemes.services.plans import PlanKey, plan_for, plans_of

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
            (b.started for b in store.production_lots.of_order(conn, ctx.tenant_id, order_code)),
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
    lot = production_lots.start(item_code, number, order_code, plan.operations, quantity)
    lot_id = store.lots.add(
        conn,
        ctx.tenant_id,
        Lot(item_code, number, quantity, Decimal(0), None, ctx.now),
    )
    operations = [(op.seq, op.code) for op in plan.operations]
    store.production_lots.add(
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


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductionLotView:
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


def get(db: Engine, ctx: Context, item_code: str, number: str) -> ProductionLotView:
    """A production lot with its tally per operation, material consumed and shipments."""
    with store.db.reading(db) as conn:
        floor = _floor(conn, ctx, plans_of(db), {(item_code, number)})
        produced = floor.production_lot(item_code, number)
        assert produced.stock.id is not None  # read from the store
        shipped = store.production_lots.shipments(conn, ctx.tenant_id, [produced.stock.id])
    return _view(produced, shipped)


def lots_of_order(db: Engine, ctx: Context, order_code: str) -> list[ProductionLotView]:
    """Every production lot of a work order, by number (read together, not one by one)."""
    with store.db.reading(db) as conn:
        if store.work_orders.get(conn, ctx.tenant_id, order_code) is None:
            raise NotFoundError("work order", order_code)
        rows = store.production_lots.of_order(conn, ctx.tenant_id, order_code)
        floor = _floor(conn, ctx, plans_of(db), {(r.item_code, r.lot) for r in rows})
        shipped = store.production_lots.shipments(conn, ctx.tenant_id, [r.lot_id for r in rows])
    return [
        _view(floor.production_lot(r.item_code, r.lot), [s for s in shipped if s[0] == r.lot_id])
        for r in rows
    ]


def _floor(
    conn: Connection, ctx: Context, plans: dict[PlanKey, Plan], keys: set[tuple[str, str]]
) -> Floor:
    """These production lots as the floor sees them, read without locks."""
    return load_floor(conn, ctx, Named(production_lots=frozenset(keys)), plans, lock=False)


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


def _view(produced: ProductionLotState, shipped: Sequence[Any]) -> ProductionLotView:
    lot = produced.lot
    assert produced.created_at is not None  # read from the store
    return ProductionLotView(
        lot.item_code,
        lot.lot,
        lot.work_order,
        lot.started,
        produced.stock.remaining,
        lot.on_hold,
        produced.created_at,
        tuple((op.code, op.name, lot.tallies[op.code]) for op in lot.operations),
        dict(lot.consumed),
        [tuple(row[1:]) for row in shipped],
    )
