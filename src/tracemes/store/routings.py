"""Routing versions and their operations."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.characteristics import from_dict
from tracemes.domain.routings import Operation, Routing
from tracemes.store import items as store_items
from tracemes.store import lines as store_lines
from tracemes.store.schema import items, lines, operations, routings, stations

_OPERATION_COLUMNS = (
    operations.c.seq,
    operations.c.code,
    operations.c.name,
    operations.c.standard_seconds,
    lines.c.code,
    stations.c.code,
    operations.c.binds,
    operations.c.inspection,
    operations.c.rework_operation,
    operations.c.checks,
)


def _operation(row: Sequence[Any]) -> Operation:
    return Operation(
        seq=row[0],
        code=row[1],
        name=row[2],
        standard_seconds=row[3],
        line_code=row[4],
        station_code=row[5],
        binds=tuple(row[6]),
        inspection=row[7],
        rework_operation=row[8],
        checks=tuple(from_dict(c) for c in row[9] or ()),
    )


def current(conn: Connection, tenant_id: int, item_code: str) -> Routing | None:
    """The newest routing of an item."""
    version = conn.execute(
        sa.select(sa.func.max(routings.c.version))
        .select_from(routings.join(items, routings.c.item_id == items.c.id))
        .where(routings.c.tenant_id == tenant_id, items.c.code == item_code)
    ).scalar_one()
    return get(conn, tenant_id, item_code, version) if version else None


def get(conn: Connection, tenant_id: int, item_code: str, version: int) -> Routing | None:
    """One version of an item's routing."""
    rows = conn.execute(
        sa.select(*_OPERATION_COLUMNS)
        .select_from(
            routings.join(items, routings.c.item_id == items.c.id)
            .join(operations, operations.c.routing_id == routings.c.id)
            .outerjoin(lines, operations.c.line_id == lines.c.id)
            .outerjoin(stations, operations.c.station_id == stations.c.id)
        )
        .where(
            routings.c.tenant_id == tenant_id,
            items.c.code == item_code,
            routings.c.version == version,
        )
        .order_by(operations.c.seq)
    ).all()
    if not rows:  # every stored routing has at least one operation
        return None
    return Routing(
        item_code,
        version,
        tuple(_operation(row) for row in rows),
    )


def add(
    conn: Connection,
    tenant_id: int,
    item_code: str,
    ops: Sequence[Operation],
    created_at: datetime,
) -> int:
    """Store a new version of an item's routing and return its version number."""
    item_id = store_items.id_of(conn, tenant_id, item_code)
    version = 1 + (
        conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(routings.c.version), 0)).where(
                routings.c.tenant_id == tenant_id, routings.c.item_id == item_id
            )
        ).scalar_one()
    )
    routing_id = conn.execute(
        sa.insert(routings)
        .values(tenant_id=tenant_id, item_id=item_id, version=version, created_at=created_at)
        .returning(routings.c.id)
    ).scalar_one()
    conn.execute(
        sa.insert(operations),
        [
            {
                "tenant_id": tenant_id,
                "routing_id": routing_id,
                "seq": op.seq,
                "code": op.code,
                "name": op.name,
                "line_id": store_lines.id_of(conn, tenant_id, op.line_code)
                if op.line_code
                else None,
                "station_id": (
                    store_lines.station_id_of(conn, tenant_id, op.station_code)
                    if op.station_code
                    else None
                ),
                "standard_seconds": op.standard_seconds,
                "binds": list(op.binds),
                "inspection": op.inspection,
                "rework_operation": op.rework_operation,
                "checks": [c.as_dict() for c in op.checks] or None,
            }
            for op in ops
        ],
    )
    return int(version)


def list_current(conn: Connection, tenant_id: int) -> list[Routing]:
    """The newest routing of every item of a tenant, by item code (for the Excel export)."""
    latest = (
        sa.select(routings.c.item_id, sa.func.max(routings.c.version).label("version"))
        .where(routings.c.tenant_id == tenant_id)
        .group_by(routings.c.item_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(items.c.code, routings.c.version, *_OPERATION_COLUMNS)
        .select_from(
            routings.join(
                latest,
                sa.and_(
                    routings.c.item_id == latest.c.item_id,
                    routings.c.version == latest.c.version,
                ),
            )
            .join(items, routings.c.item_id == items.c.id)
            .join(operations, operations.c.routing_id == routings.c.id)
            .outerjoin(lines, operations.c.line_id == lines.c.id)
            .outerjoin(stations, operations.c.station_id == stations.c.id)
        )
        .where(routings.c.tenant_id == tenant_id)
        .order_by(items.c.code, operations.c.seq)
    ).all()
    versions: dict[str, int] = {}
    by_item: dict[str, list[Operation]] = {}
    for row in rows:
        versions[row[0]] = row[1]
        by_item.setdefault(row[0], []).append(_operation(row[2:]))
    return [Routing(code, versions[code], tuple(ops)) for code, ops in by_item.items()]


def current_checks(conn: Connection, tenant_id: int) -> list[tuple[str, str, list[Any]]]:
    """(item, operation, checks) of every operation that checks something, in the current
    routing version of each item: one query, whatever the number of items."""
    newest = (
        sa.select(routings.c.item_id, sa.func.max(routings.c.version).label("version"))
        .where(routings.c.tenant_id == tenant_id)
        .group_by(routings.c.item_id)
        .subquery()
    )
    rows = conn.execute(
        sa.select(items.c.code, operations.c.code, operations.c.checks)
        .select_from(
            routings.join(
                newest,
                sa.and_(
                    routings.c.item_id == newest.c.item_id,
                    routings.c.version == newest.c.version,
                ),
            )
            .join(items, routings.c.item_id == items.c.id)
            .join(operations, operations.c.routing_id == routings.c.id)
        )
        .where(routings.c.tenant_id == tenant_id, operations.c.checks.is_not(None))
        .order_by(items.c.code, operations.c.seq)
    )
    # An operation without checks may hold JSON null rather than SQL NULL (SQLite).
    return [(item, op, list(checks)) for item, op, checks in rows if checks]
