"""BOMs: replace an item's BOM with a new version; old versions stay for released orders."""

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.boms import Bom, BomLine
from tracemes.domain.errors import NotFoundError
from tracemes.domain.event_types import EventType
from tracemes.services.context import Context, replayed


def replace(db: Engine, ctx: Context, item_code: str, lines: Sequence[BomLine]) -> Bom:
    """Make `lines` the item's current BOM (a new version unless nothing changed)."""
    with db.begin() as conn:
        if replayed(conn, ctx, EventType.BOM_REPLACED, item_code):
            return _current(conn, ctx, item_code)
        return replace_in(conn, ctx, item_code, lines)


def replace_in(conn: Connection, ctx: Context, item_code: str, lines: Sequence[BomLine]) -> Bom:
    """The same, inside a caller's transaction (Excel import)."""
    parent = store.items.get(conn, ctx.tenant_id, item_code)
    if parent is None:
        raise NotFoundError("item", item_code)
    components = store.items.get_many(conn, ctx.tenant_id, (x.item_code for x in lines))
    checked = domain.boms.check(
        parent, lines, components, store.boms.children_of_current(conn, ctx.tenant_id)
    )
    current = store.boms.current(conn, ctx.tenant_id, item_code)
    if current is not None and current.lines == checked:
        return current
    version = store.boms.add(conn, ctx.tenant_id, item_code, checked, ctx.now)
    store.ledger.append(
        conn,
        ctx.event(
            EventType.BOM_REPLACED,
            item_code,
            {
                "version": version,
                "components": [
                    {
                        "item": x.item_code,
                        "quantity": str(x.quantity),
                        "key": x.is_key,
                        "operation": x.operation_code,
                    }
                    for x in checked
                ],
            },
        ),
    )
    return Bom(item_code, version, checked)


def get(db: Engine, ctx: Context, item_code: str) -> Bom:
    """The item's current BOM."""
    with store.db.reading(db) as conn:
        return _current(conn, ctx, item_code)


def _current(conn: Connection, ctx: Context, item_code: str) -> Bom:
    bom = store.boms.current(conn, ctx.tenant_id, item_code)
    if bom is None:
        raise NotFoundError("BOM of item", item_code)
    return bom
