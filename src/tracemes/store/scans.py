"""What scanned text may name, read in one round trip: a unit's serial, a lot's number, a
station's label, or a serial an item's pattern can make."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.items import Tracking
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import items, lots, stations, units

# Four index walks, one statement: serials in use, lots so numbered (by number first, then
# their rows by id, as store.lots does), stations so labelled, and the patterns of serialised
# items.
_CANDIDATES = sa.union_all(
    sa.select(sa.literal("serial"), units.c.serial, sa.null()).where(
        units.c.tenant_id == TENANT, units.c.serial.in_(VALUES)
    ),
    sa.select(sa.literal("lot"), lots.c.lot, items.c.code)
    .select_from(lots.join(items, lots.c.item_id == items.c.id))
    .where(
        lots.c.id.in_(
            sa.select(lots.c.id).where(lots.c.tenant_id == TENANT, lots.c.lot.in_(VALUES))
        )
    ),
    sa.select(sa.literal("station"), stations.c.code, sa.cast(stations.c.id, sa.String)).where(
        stations.c.tenant_id == TENANT, stations.c.code.in_(VALUES)
    ),
    sa.select(sa.literal("pattern"), items.c.code, items.c.serial_pattern).where(
        items.c.tenant_id == TENANT, items.c.tracking == Tracking.SERIAL.value
    ),
)


@dataclass(frozen=True, slots=True)
class Candidates:
    """What some texts may name."""

    serials: set[str] = field(default_factory=set)  # texts that are a unit's serial
    lot_items: dict[str, list[str]] = field(default_factory=dict)  # number -> items, by code
    stations: dict[str, int] = field(default_factory=dict)  # label -> station id
    patterns: dict[str, str | None] = field(default_factory=dict)  # serialised item -> pattern


def candidates(conn: Connection, tenant_id: int, texts: Iterable[str]) -> Candidates:
    """Which texts are serials in use, lot numbers or station labels, and every serialised
    item's pattern."""
    found = Candidates()
    for kind, key, value in rows_in(conn, _CANDIDATES, tenant_id, sorted(set(texts))):
        if kind == "serial":
            found.serials.add(key)
        elif kind == "lot":
            found.lot_items.setdefault(key, []).append(value)
        elif kind == "station":
            found.stations[key] = int(value)
        else:
            found.patterns[key] = value
    for codes in found.lot_items.values():
        codes.sort()
    return found
