"""Lines and stations."""

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.lines import Line, Station
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import lines, stations


def get(conn: Connection, tenant_id: int, code: str) -> Line | None:
    """The line with this code."""
    row = (
        conn.execute(sa.select(lines).where(lines.c.tenant_id == tenant_id, lines.c.code == code))
        .mappings()
        .one_or_none()
    )
    return Line(row["code"], row["name"], row["site"]) if row else None


def list_all(conn: Connection, tenant_id: int) -> list[Line]:
    """Every line of a tenant, by code."""
    rows = conn.execute(
        sa.select(lines).where(lines.c.tenant_id == tenant_id).order_by(lines.c.code)
    ).mappings()
    return [Line(row["code"], row["name"], row["site"]) for row in rows]


def add(conn: Connection, tenant_id: int, line: Line) -> None:
    """Store a new line."""
    conn.execute(
        sa.insert(lines).values(tenant_id=tenant_id, code=line.code, name=line.name, site=line.site)
    )


def id_of(conn: Connection, tenant_id: int, code: str) -> int:
    """The surrogate id of a line known to exist."""
    return int(
        conn.execute(
            sa.select(lines.c.id).where(lines.c.tenant_id == tenant_id, lines.c.code == code)
        ).scalar_one()
    )


_station_columns = (stations.c.code, stations.c.name, lines.c.code.label("line_code"))


def _stations() -> sa.Select[str, str, str]:
    return sa.select(*_station_columns).select_from(
        stations.join(lines, stations.c.line_id == lines.c.id)
    )


def get_station(conn: Connection, tenant_id: int, code: str) -> Station | None:
    """The station with this code."""
    row = conn.execute(
        _stations().where(stations.c.tenant_id == tenant_id, stations.c.code == code)
    ).one_or_none()
    return Station(row[0], row[1], row[2]) if row else None


def list_stations(conn: Connection, tenant_id: int, line_code: str | None = None) -> list[Station]:
    """A tenant's stations (of one line when given), by code."""
    query = _stations().where(stations.c.tenant_id == tenant_id)
    if line_code is not None:
        query = query.where(lines.c.code == line_code)
    return [Station(r[0], r[1], r[2]) for r in conn.execute(query.order_by(stations.c.code))]


def add_station(conn: Connection, tenant_id: int, station: Station) -> None:
    """Store a new station on an existing line."""
    conn.execute(
        sa.insert(stations).values(
            tenant_id=tenant_id,
            line_id=id_of(conn, tenant_id, station.line_code),
            code=station.code,
            name=station.name,
        )
    )


def station_id_of(conn: Connection, tenant_id: int, code: str) -> int:
    """The surrogate id of a station known to exist."""
    return int(
        conn.execute(
            sa.select(stations.c.id).where(
                stations.c.tenant_id == tenant_id, stations.c.code == code
            )
        ).scalar_one()
    )


_STATION_IDS = sa.select(stations.c.code, stations.c.id).where(
    stations.c.tenant_id == TENANT, stations.c.code.in_(VALUES)
)


def station_ids(conn: Connection, tenant_id: int, codes: set[str]) -> dict[str, int]:
    """Surrogate ids of stations by code (those that exist)."""
    rows = rows_in(conn, _STATION_IDS, tenant_id, sorted(codes))
    return {code: int(station_id) for code, station_id in rows}
