"""Routings: replace an item's routing with a new version; old versions stay."""

from collections.abc import Sequence

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import InvalidInputError, NotFoundError
from tracemes.domain.event_types import EventType
from tracemes.domain.routings import Operation, Routing
from tracemes.services.context import Context, replayed


def replace(db: Engine, ctx: Context, item_code: str, operations: Sequence[Operation]) -> Routing:
    """Make `operations` the item's current routing (a new version unless nothing changed)."""
    with db.begin() as conn:
        if replayed(conn, ctx, EventType.ROUTING_REPLACED, item_code):
            return _current(conn, ctx, item_code)
        return replace_in(conn, ctx, item_code, operations)


def replace_in(
    conn: Connection, ctx: Context, item_code: str, operations: Sequence[Operation]
) -> Routing:
    """The same, inside a caller's transaction (Excel import)."""
    if store.items.get(conn, ctx.tenant_id, item_code) is None:
        raise NotFoundError("item", item_code)
    checked = domain.routings.check(operations)
    _check_references(conn, ctx, operations)
    current = store.routings.current(conn, ctx.tenant_id, item_code)
    if current is not None and current.operations == checked:
        return current
    version = store.routings.add(conn, ctx.tenant_id, item_code, checked, ctx.now)
    store.ledger.append(
        conn,
        ctx.event(
            EventType.ROUTING_REPLACED,
            item_code,
            {
                "version": version,
                "operations": [
                    {
                        "seq": op.seq,
                        "code": op.code,
                        "name": op.name,
                        "line": op.line_code,
                        "station": op.station_code,
                        "std_time_s": str(op.standard_seconds),
                        "binds": list(op.binds),
                        "inspection": op.inspection,
                        "rework_operation": op.rework_operation,
                        "checks": [c.as_dict() for c in op.checks],
                    }
                    for op in checked
                ],
            },
        ),
    )
    return Routing(item_code, version, checked)


def _check_references(conn: Connection, ctx: Context, operations: Sequence[Operation]) -> None:
    """Every line, station and bound item an operation names must exist."""
    for index, op in enumerate(operations):
        where = f"operations[{index}]"
        if op.line_code and store.lines.get(conn, ctx.tenant_id, op.line_code) is None:
            raise InvalidInputError(
                f"{where}.line", f"unknown line {op.line_code}", code="unknown_line"
            )
        if op.station_code:
            station = store.lines.get_station(conn, ctx.tenant_id, op.station_code)
            if station is None:
                raise InvalidInputError(
                    f"{where}.station", f"unknown station {op.station_code}", code="unknown_station"
                )
            if op.line_code and station.line_code != op.line_code:
                raise InvalidInputError(
                    f"{where}.station",
                    f"station {station.code} is on line {station.line_code}, not {op.line_code}",
                )
        known = store.items.get_many(conn, ctx.tenant_id, op.binds)
        for part in op.binds:
            if part not in known:
                raise InvalidInputError(
                    f"{where}.binds", f"unknown item {part}", code="unknown_item"
                )


def get(db: Engine, ctx: Context, item_code: str) -> Routing:
    """The item's current routing."""
    with store.db.reading(db) as conn:
        return _current(conn, ctx, item_code)


def _current(conn: Connection, ctx: Context, item_code: str) -> Routing:
    routing = store.routings.current(conn, ctx.tenant_id, item_code)
    if routing is None:
        raise NotFoundError("routing of item", item_code)
    return routing
