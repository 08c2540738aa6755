"""Splitting long IN lists, so a batch of thousands stays within every database's limits."""

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection

T = TypeVar("T")
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
        yield from conn.execute(statement, {"tenant_id": tenant_id, "values": chunk})
