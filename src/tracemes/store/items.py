"""Items: part numbers with tracking mode and standard cost."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.items import Item, Tracking
from tracemes.store.schema import items


def get(conn: Connection, tenant_id: int, code: str) -> Item | None:
    """The item with this code."""
    row = (
        conn.execute(sa.select(items).where(items.c.tenant_id == tenant_id, items.c.code == code))
        .mappings()
        .one_or_none()
    )
    return _item(row) if row else None


def get_many(conn: Connection, tenant_id: int, codes: Iterable[str]) -> dict[str, Item]:
    """The items with these codes that exist, by code."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(items).where(items.c.tenant_id == tenant_id, items.c.code.in_(wanted))
    ).mappings()
    return {row["code"]: _item(row) for row in rows}


def by_gtin(conn: Connection, tenant_id: int, gtins: Iterable[str]) -> dict[str, str]:
    """Item codes by their GTIN (14 digits), for the GTINs that belong to an item."""
    wanted = sorted(set(gtins))
    if not wanted:
        return {}
    rows = conn.execute(
        sa.select(items.c.gtin, items.c.code).where(
            items.c.tenant_id == tenant_id, items.c.gtin.in_(wanted)
        )
    )
    return {str(gtin): str(code) for gtin, code in rows}


def list_all(conn: Connection, tenant_id: int) -> list[Item]:
    """Every item of a tenant, by code."""
    rows = conn.execute(
        sa.select(items).where(items.c.tenant_id == tenant_id).order_by(items.c.code)
    ).mappings()
    return [_item(row) for row in rows]


def add(conn: Connection, tenant_id: int, item: Item) -> None:
    """Store a new item."""
    conn.execute(sa.insert(items).values(tenant_id=tenant_id, **_values(item)))


def set_fields(conn: Connection, tenant_id: int, item: Item) -> None:
    """Overwrite an existing item's fields (its code stays)."""
    conn.execute(
        sa.update(items)
        .where(items.c.tenant_id == tenant_id, items.c.code == item.code)
        .values(**_values(item))
    )


def id_of(conn: Connection, tenant_id: int, code: str) -> int:
    """The surrogate id of an item known to exist (for other store modules)."""
    return int(
        conn.execute(
            sa.select(items.c.id).where(items.c.tenant_id == tenant_id, items.c.code == code)
        ).scalar_one()
    )


def _values(item: Item) -> dict[str, object]:
    return {
        "code": item.code,
        "name": item.name,
        "uom": item.uom,
        "tracking": item.tracking.value,
        "gtin": item.gtin,
        "standard_cost": item.standard_cost,
        "serial_pattern": item.serial_pattern,
    }


def _item(row: sa.RowMapping) -> Item:
    return Item(
        code=row["code"],
        name=row["name"],
        uom=row["uom"],
        tracking=Tracking(row["tracking"]),
        gtin=row["gtin"],
        standard_cost=row["standard_cost"],
        serial_pattern=row["serial_pattern"],
    )
