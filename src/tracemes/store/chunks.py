"""Splitting long IN lists, so a batch of thousands stays within every database's limits."""

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

T = TypeVar("T")
S = TypeVar("S", bound=sa.Executable)
CHUNK = 2000


def chunks(values: Iterable[T]) -> Iterator[list[T]]:
    """The distinct values in order, in lists of at most CHUNK."""
    ordered = list(dict.fromkeys(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


TENANT: sa.BindParameter[int] = sa.bindparam("tenant_id", type_=sa.Integer)
VALUES: sa.BindParameter[Any] = sa.bindparam("values", expanding=True)


def rows_in(
    conn: Connection, statement: sa.Executable, tenant_id: int, values: Iterable[Any]
) -> Iterator[Any]:
    """Rows of a statement built once with TENANT and an expanding VALUES list, run a chunk
    of values at a time (building statements per call costs more than running them)."""
    for chunk in chunks(values):
        if len(chunk) == 1:
            yield from conn.execute(
                one_value(statement), {"tenant_id": tenant_id, "values": chunk[0]}
            )
        else:
            yield from conn.execute(statement, {"tenant_id": tenant_id, "values": chunk})


# An expanding list is written into the SQL text on every run (30 us a statement, a sixth
# of one shop-floor event), so a single value runs the same statement with `= :values`.
_ONE_VALUE: dict[sa.Executable, sa.Executable] = {}


def one_value(statement: S) -> S:
    """The statement with its expanding VALUES list replaced by one value (kept per statement)."""
    found = _ONE_VALUE.get(statement)
    if found is None:
        traversible = cast(visitors.ExternallyTraversible, statement)
        replaced = visitors.replacement_traverse(traversible, {}, _equals)
        found = _ONE_VALUE[statement] = cast(sa.Executable, replaced)
    return cast(S, found)


def _equals(element: Any, **_kw: Any) -> Any:
    if (
        isinstance(element, BinaryExpression)
        and element.operator is operators.in_op
        and isinstance(element.right, BindParameter)
        and element.right.expanding
    ):
        return element.left == sa.bindparam(element.right.key, type_=element.left.type)
    return None
