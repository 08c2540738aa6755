"""Concurrent batches on PostgreSQL: rows are locked in one order, so batches queue and never
deadlock (each deadlock cost a second, and under load a server error after three)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.factories import accept, make_plant, send
from tracemes import services
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.services.context import Context


def _cells(pack: str, lot: str) -> BindPart:
    return BindPart(pack, ComponentRef(item="CELL", lot=lot, quantity=Decimal(2)))


@contextmanager
def _meeting_before_locking_lots_by_id(db: Engine) -> Iterator[list[str]]:
    """Hold each of two transactions just before it locks lots by id, until both are there;
    collect the database errors they meet."""
    barrier = threading.Barrier(2, timeout=10)
    waited: set[int] = set()
    errors: list[str] = []

    def pause(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        locking = "FOR UPDATE" in statement and "lots.id IN" in statement
        if locking and threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait()

    def collect(context: Any) -> None:
        errors.append(getattr(context.original_exception, "sqlstate", "") or "")

    sa.event.listen(db, "before_cursor_execute", pause)
    sa.event.listen(db, "handle_error", collect)
    try:
        yield errors
    finally:
        sa.event.remove(db, "before_cursor_execute", pause)
        sa.event.remove(db, "handle_error", collect)


def test_two_batches_drawing_on_the_same_two_lots_in_opposite_order_do_not_deadlock(
    db: Engine, ctx: Context
) -> None:
    """Pack 1 holds cells of C-1 and takes cells of C-2; pack 2 the other way round. Each
    batch used to lock the lot it named, then the lot its pack already held: opposite
    orders, a deadlock, and a retry after a second."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time: there is nothing to interleave")
    plant = make_plant(db, ctx, packs=2)
    first, second = plant.packs
    accept(db, ctx, _cells(first, "C-1"), _cells(second, "C-2"))
    outcomes: dict[str, list[Any]] = {}

    def bind(pack: str, lot: str) -> None:
        outcomes[pack] = send(db, ctx, _cells(pack, lot))

    with _meeting_before_locking_lots_by_id(db) as errors:
        threads = [
            threading.Thread(target=bind, args=(first, "C-2")),
            threading.Thread(target=bind, args=(second, "C-1")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert [o.error for o in outcomes[first] + outcomes[second]] == [None, None]
    assert "40P01" not in errors  # deadlock detected
    for lot in ("C-1", "C-2"):
        assert services.lots.get(db, ctx, "CELL", lot).remaining == Decimal(96)
