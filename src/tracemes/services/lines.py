"""Lines and stations."""

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from tracemes.domain.event_types import EventType
from tracemes.domain.lines import Line, Station
from tracemes.services.context import Context, replayed


def create(db: Engine, ctx: Context, code: str, name: str, site: str | None = None) -> Line:
    """Add a production line."""
    line = domain.lines.new_line(code, name, site)
    with db.begin() as conn:
        if replayed(conn, ctx, EventType.LINE_CREATED, line.code):
            return _line(store.lines.get(conn, ctx.tenant_id, line.code), line.code)
        if store.lines.get(conn, ctx.tenant_id, line.code) is not None:
            raise AlreadyExistsError("line", line.code)
        store.lines.add(conn, ctx.tenant_id, line)
        store.ledger.append(
            conn,
            ctx.event(EventType.LINE_CREATED, line.code, {"name": line.name, "site": line.site}),
        )
    return line


def create_station(db: Engine, ctx: Context, code: str, name: str, line_code: str) -> Station:
    """Add a station to a line."""
    station = domain.lines.new_station(code, name, line_code)
    with db.begin() as conn:
        if replayed(conn, ctx, EventType.STATION_CREATED, station.code):
            return _station(store.lines.get_station(conn, ctx.tenant_id, code), code)
        if store.lines.get_station(conn, ctx.tenant_id, station.code) is not None:
            raise AlreadyExistsError("station", station.code)
        if store.lines.get(conn, ctx.tenant_id, station.line_code) is None:
            raise InvalidInputError(
                "line", f"unknown line {station.line_code}", code="unknown_line"
            )
        store.lines.add_station(conn, ctx.tenant_id, station)
        store.ledger.append(
            conn,
            ctx.event(
                EventType.STATION_CREATED,
                station.code,
                {"name": station.name, "line": station.line_code},
            ),
        )
    return station


def save_line(conn: Connection, ctx: Context, line: Line) -> str:
    """Create a line inside a caller's transaction (Excel import) unless it is there as given;
    a line is not renamed this way."""
    stored = store.lines.get(conn, ctx.tenant_id, line.code)
    if stored == line:
        return "unchanged"
    if stored is not None:
        raise ConflictError(
            f"line {line.code} exists as {stored.name!r} at {stored.site!r}; "
            "an import does not rename it",
            code="line_differs",
        )
    store.lines.add(conn, ctx.tenant_id, line)
    store.ledger.append(
        conn, ctx.event(EventType.LINE_CREATED, line.code, {"name": line.name, "site": line.site})
    )
    return "created"


def save_station(conn: Connection, ctx: Context, station: Station) -> str:
    """Create a station inside a caller's transaction unless it is there as given."""
    stored = store.lines.get_station(conn, ctx.tenant_id, station.code)
    if stored == station:
        return "unchanged"
    if stored is not None:
        raise ConflictError(
            f"station {station.code} exists as {stored.name!r} on line {stored.line_code}; "
            "an import does not rename or move it",
            code="station_differs",
        )
    if store.lines.get(conn, ctx.tenant_id, station.line_code) is None:
        raise InvalidInputError("line", f"unknown line {station.line_code}", code="unknown_line")
    store.lines.add_station(conn, ctx.tenant_id, station)
    store.ledger.append(
        conn,
        ctx.event(
            EventType.STATION_CREATED,
            station.code,
            {"name": station.name, "line": station.line_code},
        ),
    )
    return "created"


def get(db: Engine, ctx: Context, code: str) -> Line:
    """The line with this code."""
    with store.db.reading(db) as conn:
        return _line(store.lines.get(conn, ctx.tenant_id, code), code)


def get_station(db: Engine, ctx: Context, code: str) -> Station:
    """The station with this code."""
    with store.db.reading(db) as conn:
        return _station(store.lines.get_station(conn, ctx.tenant_id, code), code)


def list_all(db: Engine, ctx: Context) -> list[Line]:
    """Every line of the tenant."""
    with store.db.reading(db) as conn:
        return store.lines.list_all(conn, ctx.tenant_id)


def list_stations(db: Engine, ctx: Context, line_code: str | None = None) -> list[Station]:
    """The tenant's stations, of one line when given."""
    with store.db.reading(db) as conn:
        return store.lines.list_stations(conn, ctx.tenant_id, line_code)


def _line(line: Line | None, code: str) -> Line:
    if line is None:
        raise NotFoundError("line", code)
    return line


def _station(station: Station | None, code: str) -> Station:
    if station is None:
        raise NotFoundError("station", code)
    return station
