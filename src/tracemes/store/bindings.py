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


_COLUMNS = (
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
_EDGES = bindings.join(items, bindings.c.item_id == items.c.id)
_UNIT = Kind.UNIT.value
# Three index walks in one round trip: the live edges into the units (ix_bindings_live_down),
# the live edges holding them (ix_bindings_live_up), and the edges ever ended in them
# (ix_bindings_unbound), each row marked ended or not.


def _walk(
    ended: bool, end: sa.ColumnElement[int], *match: sa.ColumnElement[bool]
) -> sa.Select[Any]:
    """One index walk: edges whose `end` (parent or child) is one of the units, live or
    ended, each row marked which."""
    state = bindings.c.unbound_at.is_not(None) if ended else bindings.c.unbound_at.is_(None)
    return (
        sa.select(*_COLUMNS, sa.literal(ended).label("ended"))
        .select_from(_EDGES)
        .where(bindings.c.tenant_id == TENANT, *match, end.in_(VALUES), state)
    )


_AROUND = sa.union_all(
    _walk(False, bindings.c.parent_id, bindings.c.parent_kind == _UNIT),
    _walk(False, bindings.c.child_id, bindings.c.child_kind == _UNIT),
    _walk(True, bindings.c.parent_id, bindings.c.parent_kind == _UNIT),
)


@dataclass(frozen=True, slots=True)
class EdgesAround:
    """What the floor needs of the genealogy around some units."""

    live: list[BindingRow]  # live edges into them or holding them, each once
    emptied: set[tuple[int, str]]  # (unit id, item) of every part ever taken out of them


def edges_around(conn: Connection, tenant_id: int, unit_ids: Iterable[int]) -> EdgesAround:
    """The live edges into and holding these units, and which items were ever taken out of
    them, in one statement (per thousand units)."""
    live: dict[int, BindingRow] = {}
    emptied: set[tuple[int, str]] = set()
    for row in rows_in(conn, _AROUND, tenant_id, unit_ids):
        if row[10]:
            emptied.add((row[1], row[4]))
        else:
            live.setdefault(row[0], _binding_row(row))
    return EdgesAround(list(live.values()), emptied)


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
                b.parent_kind.value,
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
