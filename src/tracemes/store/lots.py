"""Lots received from suppliers or made in batches."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.lots import Lot
from tracemes.store import items as store_items
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import items, lots


def get(conn: Connection, tenant_id: int, item_code: str, lot: str) -> Lot | None:
    """One lot of an item."""
    row = (
        conn.execute(
            sa.select(lots, items.c.code.label("item_code"))
            .select_from(lots.join(items, lots.c.item_id == items.c.id))
            .where(lots.c.tenant_id == tenant_id, items.c.code == item_code, lots.c.lot == lot)
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        return None
    return Lot(
        item_code=row["item_code"],
        lot=row["lot"],
        quantity=row["quantity"],
        remaining=row["remaining"],
        supplier=row["supplier"],
        received_at=row["received_at"],
        unit_cost=row["unit_cost"],
        on_hold=row["on_hold"],
        rejected=row["rejected"],
    )


def add(conn: Connection, tenant_id: int, lot: Lot) -> int:
    """Store a received or newly started lot; its id."""
    new_id = conn.execute(
        sa.insert(lots)
        .values(
            tenant_id=tenant_id,
            item_id=store_items.id_of(conn, tenant_id, lot.item_code),
            lot=lot.lot,
            quantity=lot.quantity,
            remaining=lot.remaining,
            supplier=lot.supplier,
            received_at=lot.received_at,
            unit_cost=lot.unit_cost,
        )
        .returning(lots.c.id)
    ).scalar_one()
    return int(new_id)


# The lots by number first, through their index; then their rows by id. (Asked directly,
# SQLite without statistics prefers scanning the unique (tenant, item, lot) index, which
# covers these columns, over probing the index by number.)
_NUMBERED = sa.select(lots.c.id).where(lots.c.tenant_id == TENANT, lots.c.lot.in_(VALUES))
_ITEMS_WITH_LOT = (
    sa.select(lots.c.lot, items.c.code)
    .select_from(lots.join(items, lots.c.item_id == items.c.id))
    .where(lots.c.id.in_(_NUMBERED))
)


def numbers_taken(
    conn: Connection,
    tenant_id: int,
    numbers: Iterable[tuple[str, str]],
    prefixes: Iterable[tuple[str, str]],
) -> set[tuple[str, str]]:
    """Which (item, lot number) pairs exist among these numbers and among the numbers that
    start with these prefixes: the numbers a lot split off may not take."""
    exact, starts = set(numbers), set(prefixes)
    if not exact and not starts:
        return set()
    matches = [lots.c.lot.startswith(prefix, autoescape=True) for _, prefix in sorted(starts)]
    if exact:
        matches.append(lots.c.lot.in_(sorted({number for _, number in exact})))
    query = (
        sa.select(items.c.code, lots.c.lot)
        .select_from(lots.join(items, lots.c.item_id == items.c.id))
        .where(lots.c.tenant_id == tenant_id, sa.or_(*matches))
    )
    return {
        (item, number)
        for item, number in conn.execute(query)
        if (item, number) in exact or any(item == i and number.startswith(p) for i, p in starts)
    }


def items_with_lot(
    conn: Connection, tenant_id: int, numbers: Iterable[str]
) -> dict[str, list[str]]:
    """For each lot number that exists, the items (in code order) with a lot so numbered."""
    found: dict[str, list[str]] = {}
    for number, item_code in rows_in(conn, _ITEMS_WITH_LOT, tenant_id, numbers):
        found.setdefault(number, []).append(item_code)
    return {number: sorted(codes) for number, codes in found.items()}
