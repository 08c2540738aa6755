"""Ids of items and stations by code, read once per database and kept.

An item or a station is never deleted and never takes another code, so the id read for a
code stays right for the life of the database; a scan then spends no round trip on them.
Only speed depends on this cache (like the plans of services.plans): a code not found is
not kept, and a process without the cache reads the same ids again.
"""

from collections.abc import Callable, Iterable

from sqlalchemy import Connection

from tracemes import store
from tracemes.services.per_database import PerDatabase

_Read = Callable[[Connection, int, set[str]], dict[str, int]]
_kept: PerDatabase[tuple[str, int, str], int] = PerDatabase(limit=100_000)


def item_ids(conn: Connection, tenant_id: int, codes: Iterable[str]) -> dict[str, int]:
    """The ids of the items with these codes (those that exist)."""
    return _ids(conn, "item", tenant_id, codes, store.floor.item_ids)


def station_ids(conn: Connection, tenant_id: int, codes: Iterable[str]) -> dict[str, int]:
    """The ids of the stations with these codes (those that exist)."""
    return _ids(conn, "station", tenant_id, codes, store.lines.station_ids)


def _ids(
    conn: Connection, kind: str, tenant_id: int, codes: Iterable[str], read: _Read
) -> dict[str, int]:
    kept = _kept.of(conn.engine)
    found: dict[str, int] = {}
    missing: set[str] = set()
    for code in codes:
        known = kept.get((kind, tenant_id, code))
        if known is None:
            missing.add(code)
        else:
            found[code] = known
    if missing:
        for code, id_ in read(conn, tenant_id, missing).items():
            kept[(kind, tenant_id, code)] = found[code] = id_
    return found
