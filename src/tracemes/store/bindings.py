"""Genealogy edges as the event path reads and writes them, a batch at a time."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.floor import BindingState, Kind
from tracemes.store.bulk import insert_rows
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import bindings, items


@dataclass(frozen=True, slots=True)
class BindingRow:
    """A live edge as stored, before its ends are linked to loaded units and lots."""

    id: int
    parent_id: int
    child_kind: Kind
    child_id: int
    item_code: str
    quantity: Decimal
    operation: str | None
    station_id: int | None
    operator_id: int | None
    bound_at: Any


_LIVE = (
    sa.select(
        bindings.c.id,
        bindings.c.parent_id,
        bindings.c.child_kind,
        bindings.c.child_id,
        items.c.code,
        bindings.c.quantity,
        bindings.c.operation_code,
        bindings.c.station_id,
        bindings.c.operator_id,
        bindings.c.bound_at,
    )
    .select_from(bindings.join(items, bindings.c.item_id == items.c.id))
    .where(bindings.c.tenant_id == TENANT, bindings.c.unbound_at.is_(None))
)
_LIVE_INTO = _LIVE.where(
    bindings.c.parent_kind == Kind.UNIT.value, bindings.c.parent_id.in_(VALUES)
)
_LIVE_HOLDING = _LIVE.where(
    bindings.c.child_kind == Kind.UNIT.value, bindings.c.child_id.in_(VALUES)
)


def live_bindings_of_parents(
    conn: Connection, tenant_id: int, parent_ids: Iterable[int]
) -> list[BindingRow]:
    """Live edges into these units."""
    return [_binding_row(row) for row in rows_in(conn, _LIVE_INTO, tenant_id, parent_ids)]


def live_bindings_of_units(
    conn: Connection, tenant_id: int, child_ids: Iterable[int]
) -> list[BindingRow]:
    """The live edges that hold these units as parts."""
    return [_binding_row(row) for row in rows_in(conn, _LIVE_HOLDING, tenant_id, child_ids)]


_EMPTIED = (
    sa.select(bindings.c.parent_id, items.c.code)
    .select_from(bindings.join(items, bindings.c.item_id == items.c.id))
    .where(
        bindings.c.tenant_id == TENANT,
        bindings.c.parent_kind == Kind.UNIT.value,
        bindings.c.parent_id.in_(VALUES),
        bindings.c.unbound_at.is_not(None),
    )
    .distinct()
)


def emptied_items(conn: Connection, tenant_id: int, parent_ids: Iterable[int]) -> list[Any]:
    """(unit id, item code) of every part ever taken out of these units."""
    return list(rows_in(conn, _EMPTIED, tenant_id, parent_ids))


def _binding_row(row: Any) -> BindingRow:
    return BindingRow(
        row[0], row[1], Kind(row[2]), row[3], row[4], row[5], row[6], row[7], row[8], row[9]
    )


def add_bindings(
    conn: Connection, tenant_id: int, new: Sequence[BindingState], item_id: dict[str, int]
) -> None:
    """Store new edges (an edge ended in the same batch is stored ended)."""
    if not new:
        return
    insert_rows(
        conn,
        bindings,
        _BINDING_COLUMNS,
        [
            (
                tenant_id,
                Kind.UNIT.value,
                b.parent.id,
                b.kind.value,
                b.child.id,
                item_id[b.item_code],
                b.quantity,
                b.operation,
                b.station_id,
                b.operator_id,
                b.bound_at,
                b.unbound_at,
                b.unbound_reason,
            )
            for b in new
        ],
    )


_BINDING_COLUMNS = (
    "tenant_id",
    "parent_kind",
    "parent_id",
    "child_kind",
    "child_id",
    "item_id",
    "quantity",
    "operation_code",
    "station_id",
    "operator_id",
    "bound_at",
    "unbound_at",
    "unbound_reason",
)


def end_bindings(conn: Connection, tenant_id: int, ended: Sequence[BindingState]) -> None:
    """Mark stored edges as no longer live."""
    if not ended:
        return
    conn.execute(
        sa.update(bindings)
        .where(bindings.c.tenant_id == tenant_id, bindings.c.id == sa.bindparam("b_id"))
        .values(unbound_at=sa.bindparam("b_at"), unbound_reason=sa.bindparam("b_reason")),
        [{"b_id": b.id, "b_at": b.unbound_at, "b_reason": b.unbound_reason} for b in ended],
    )
