"""Recording shop-floor events, and what they set going, in one transaction.

The floor engine (services.floor) decides and writes the events; this layer above it runs
their follow-ups: a work order whose last unit finished gets its final inspection. Keeping
the follow-ups here lets the engine sit below inspection and holds (a hold released for
scrap records its scraps through the engine) without a cycle between the services.
"""

from collections.abc import Callable, Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes.domain.errors import InvalidInputError
from tracemes.domain.floor import Floor
from tracemes.services import floor, inspection
from tracemes.services.context import Context
from tracemes.services.plans import plans_of
from tracemes.services.submissions import FloorEvent, Outcome

__all__ = ["MAX_BATCH", "FloorEvent", "Outcome", "record", "record_on", "retrying"]

MAX_BATCH = 10_000
RETRIES = 3
_COLLISIONS = {"40P01", "40001", "23505"}  # deadlock, serialization failure, unique violation


T = TypeVar("T")


def record(db: Engine, ctx: Context, events: Sequence[FloorEvent]) -> list[Outcome]:
    """Check and apply a batch of events in order, in one transaction; answer each one."""
    if len(events) > MAX_BATCH:
        raise InvalidInputError("events", f"at most {MAX_BATCH} events per batch")
    plans = plans_of(db)

    def work(conn: Connection) -> list[Outcome]:
        recorded = floor.record_in(conn, ctx, events, plans)
        _follow_up(conn, ctx, recorded.completed_orders)
        return recorded.outcomes

    return retrying(db, work)


def record_on(
    conn: Connection, ctx: Context, loaded: Floor, event: FloorEvent, stations: dict[str, int]
) -> Outcome:
    """One unit event applied to a floor the caller loaded (a station scan), follow-ups
    included, inside the caller's transaction."""
    outcome, completed = floor.record_on(conn, ctx, loaded, event, stations)
    _follow_up(conn, ctx, completed)
    return outcome


def _follow_up(conn: Connection, ctx: Context, completed_orders: Sequence[str]) -> None:
    """What the recorded events set going: a work order whose last unit finished gets its
    final inspection (none when its item has no final plan)."""
    for code in dict.fromkeys(completed_orders):
        inspection.open_final_in(conn, ctx, code, quiet=True)


def retrying(db: Engine, work: Callable[[Connection], T]) -> T:
    """Run `work` in one transaction. When two collide on PostgreSQL (a deadlock over the
    same units, or both registering the same new serial) the loser is rolled back and run
    again on the state the winner left, so the client sees answers, not a server error."""
    for attempt in range(1, RETRIES + 1):
        try:
            with db.begin() as conn:
                return work(conn)
        except (sa.exc.OperationalError, sa.exc.IntegrityError) as error:
            if attempt == RETRIES or not _is_collision(error):
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _is_collision(error: sa.exc.DBAPIError) -> bool:
    """A clash with a concurrent transaction, which running again resolves."""
    state = getattr(error.orig, "sqlstate", None)
    return state in _COLLISIONS or "database is locked" in str(error.orig)
