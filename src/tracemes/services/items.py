"""Items: create, change and look up part numbers."""

from dataclasses import asdict

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import AlreadyExistsError, ConflictError, NotFoundError
from tracemes.domain.event_types import EventType
from tracemes.domain.items import Item
from tracemes.services.context import Context, replayed


def payload(item: Item) -> dict[str, object]:
    """An item as JSON-safe ledger facts."""
    facts = asdict(item)
    facts["tracking"] = item.tracking.value
    facts["standard_cost"] = None if item.standard_cost is None else str(item.standard_cost)
    return facts


def create(
    db: Engine,
    ctx: Context,
    code: str,
    name: str,
    uom: str,
    tracking: str,
    gtin: str | None = None,
    standard_cost: object = None,
    serial_pattern: str | None = None,
) -> Item:
    """Add a part number."""
    item = domain.items.new(code, name, uom, tracking, gtin, standard_cost, serial_pattern)
    with db.begin() as conn:
        if replayed(conn, ctx, EventType.ITEM_CREATED, item.code):
            return _get(conn, ctx, item.code)
        if store.items.get(conn, ctx.tenant_id, item.code) is not None:
            raise AlreadyExistsError("item", item.code)
        store.items.add(conn, ctx.tenant_id, item)
        store.ledger.append(conn, ctx.event(EventType.ITEM_CREATED, item.code, payload(item)))
    return item


def save(conn: Connection, ctx: Context, item: Item) -> str:
    """Create or change an item inside a caller's transaction; return what happened.

    Changing an item's tracking mode is refused: units and lots already made depend on it.
    """
    stored = store.items.get(conn, ctx.tenant_id, item.code)
    if stored is None:
        store.items.add(conn, ctx.tenant_id, item)
        store.ledger.append(conn, ctx.event(EventType.ITEM_CREATED, item.code, payload(item)))
        return "created"
    if stored == item:
        return "unchanged"
    if stored.tracking != item.tracking:
        raise ConflictError(
            f"item {item.code} is {stored.tracking}-tracked; its tracking cannot change",
            code="tracking_change",
        )
    store.items.set_fields(conn, ctx.tenant_id, item)
    store.ledger.append(conn, ctx.event(EventType.ITEM_UPDATED, item.code, payload(item)))
    return "updated"


def get(db: Engine, ctx: Context, code: str) -> Item:
    """The item with this code."""
    with store.db.reading(db) as conn:
        return _get(conn, ctx, code)


def _get(conn: Connection, ctx: Context, code: str) -> Item:
    item = store.items.get(conn, ctx.tenant_id, code)
    if item is None:
        raise NotFoundError("item", code)
    return item


def list_all(db: Engine, ctx: Context) -> list[Item]:
    """Every item of the tenant."""
    with store.db.reading(db) as conn:
        return store.items.list_all(conn, ctx.tenant_id)
