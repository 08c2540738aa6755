"""Receipts: lots of lot-tracked items, and purchased serialised parts."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from tracemes.domain.event_types import EventType
from tracemes.domain.items import Tracking
from tracemes.domain.lots import Lot
from tracemes.services import inspection as services_inspection
from tracemes.services.context import Context, replayed

MAX_SERIALS_PER_RECEIPT = 10_000


def receive(
    db: Engine,
    ctx: Context,
    item_code: str,
    lot: str,
    quantity: object,
    supplier: str | None = None,
    received_at: datetime | None = None,
    unit_cost: object = None,
) -> Lot:
    """Book a lot into stock (a supplier receipt)."""
    with db.begin() as conn:
        if replayed(conn, ctx, EventType.LOT_RECEIVED, f"{item_code}/{lot}"):
            found = store.lots.get(conn, ctx.tenant_id, item_code, lot)
            assert found is not None
            return found
        item = store.items.get(conn, ctx.tenant_id, item_code)
        if item is None:
            raise InvalidInputError("item", f"unknown item {item_code}", code="unknown_item")
        received = domain.lots.receive(
            item, lot, quantity, received_at or ctx.now, supplier, unit_cost
        )
        if store.lots.get(conn, ctx.tenant_id, item_code, received.lot) is not None:
            raise AlreadyExistsError(f"lot of {item_code}", received.lot)
        lot_id = store.lots.add(conn, ctx.tenant_id, received)
        services_inspection.open_for_receipt(conn, ctx, received, lot_id)
        store.ledger.append(
            conn,
            ctx.event(
                EventType.LOT_RECEIVED,
                f"{item_code}/{received.lot}",
                {
                    "item": item_code,
                    "lot": received.lot,
                    "quantity": str(received.quantity),
                    "supplier": received.supplier,
                    "unit_cost": None if received.unit_cost is None else str(received.unit_cost),
                },
            ),
        )
    return received


def get(db: Engine, ctx: Context, item_code: str, lot: str) -> Lot:
    """A lot with what is left of it and whether it may be used."""
    with store.db.reading(db) as conn:
        found = store.lots.get(conn, ctx.tenant_id, item_code, lot)
    if found is None:
        raise NotFoundError(f"lot of {item_code}", lot)
    return found


def receive_serials(
    db: Engine,
    ctx: Context,
    item_code: str,
    serials: Sequence[str],
    supplier: str | None = None,
    supplier_lot: str | None = None,
    received_at: datetime | None = None,
    unit_cost: object = None,
) -> list[str]:
    """Book purchased serialised parts (motors, controllers...) into stock."""
    if not serials:
        raise InvalidInputError("serials", "list at least one serial")
    if len(serials) > MAX_SERIALS_PER_RECEIPT:
        raise InvalidInputError("serials", f"at most {MAX_SERIALS_PER_RECEIPT} per receipt")
    checked = [domain.codes.check(f"serials[{i}]", s) for i, s in enumerate(serials)]
    if len(set(checked)) != len(checked):
        raise InvalidInputError("serials", "a serial is listed twice")
    cost = None if unit_cost in (None, "") else domain.numbers.cost("unit_cost", unit_cost)
    at = ctx.now if received_at is None else domain.times.moment("received_at", received_at)
    with db.begin() as conn:
        if prior := replayed(conn, ctx, EventType.SERIALS_RECEIVED, item_code):
            return list(prior.payload["serials"])
        item = store.items.get(conn, ctx.tenant_id, item_code)
        if item is None:
            raise InvalidInputError("item", f"unknown item {item_code}", code="unknown_item")
        if item.tracking is not Tracking.SERIAL:
            raise InvalidInputError("item", f"{item_code} is {item.tracking}-tracked, not serial")
        taken = store.units.existing_serials(conn, ctx.tenant_id, item_code, checked)
        if taken:
            raise ConflictError(
                f"serials already known for {item_code}: {', '.join(sorted(taken)[:10])}",
                code="serial_in_use",
            )
        store.units.add_received(
            conn,
            ctx.tenant_id,
            item_code,
            checked,
            at,
            supplier,
            supplier_lot,
            cost,
        )
        store.ledger.append(
            conn,
            ctx.event(
                EventType.SERIALS_RECEIVED,
                item_code,
                {"serials": checked, "supplier": supplier, "lot": supplier_lot},
            ),
        )
    return checked
