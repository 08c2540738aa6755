"""BOM versions and their lines."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.boms import Bom, BomLine
from tracemes.store import items as store_items
from tracemes.store.schema import bom_lines, boms, items


def _latest(tenant_id: int) -> sa.Subquery:
    """The newest BOM version of each of a tenant's items."""
    return (
        sa.select(boms.c.item_id, sa.func.max(boms.c.version).label("version"))
        .where(boms.c.tenant_id == tenant_id)
        .group_by(boms.c.item_id)
        .subquery()
    )


def current(conn: Connection, tenant_id: int, item_code: str) -> Bom | None:
    """The newest BOM of an item."""
    version = conn.execute(
        sa.select(sa.func.max(boms.c.version))
        .select_from(boms.join(items, boms.c.item_id == items.c.id))
        .where(boms.c.tenant_id == tenant_id, items.c.code == item_code)
    ).scalar_one()
    return get(conn, tenant_id, item_code, version) if version else None


def get(conn: Connection, tenant_id: int, item_code: str, version: int) -> Bom | None:
    """One version of an item's BOM."""
    parent = items.alias("parent")
    rows = conn.execute(
        sa.select(
            items.c.code, bom_lines.c.quantity, bom_lines.c.is_key, bom_lines.c.operation_code
        )
        .select_from(
            boms.join(parent, boms.c.item_id == parent.c.id)
            .join(bom_lines, bom_lines.c.bom_id == boms.c.id)
            .join(items, bom_lines.c.item_id == items.c.id)
        )
        .where(
            boms.c.tenant_id == tenant_id,
            parent.c.code == item_code,
            boms.c.version == version,
        )
        .order_by(bom_lines.c.position)
    ).all()
    if not rows and not _exists(conn, tenant_id, item_code, version):
        return None
    return Bom(item_code, version, tuple(BomLine(*row) for row in rows))


def _exists(conn: Connection, tenant_id: int, item_code: str, version: int) -> bool:
    return (
        conn.execute(
            sa.select(boms.c.id)
            .select_from(boms.join(items, boms.c.item_id == items.c.id))
            .where(boms.c.tenant_id == tenant_id, items.c.code == item_code)
            .where(boms.c.version == version)
        ).first()
        is not None
    )


def add(
    conn: Connection,
    tenant_id: int,
    item_code: str,
    lines: Sequence[BomLine],
    created_at: datetime,
) -> int:
    """Store a new version of an item's BOM and return its version number."""
    item_id = store_items.id_of(conn, tenant_id, item_code)
    version = 1 + (
        conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(boms.c.version), 0)).where(
                boms.c.tenant_id == tenant_id, boms.c.item_id == item_id
            )
        ).scalar_one()
    )
    bom_id = conn.execute(
        sa.insert(boms)
        .values(tenant_id=tenant_id, item_id=item_id, version=version, created_at=created_at)
        .returning(boms.c.id)
    ).scalar_one()
    if lines:
        ids = {
            code: store_items.id_of(conn, tenant_id, code) for code in {x.item_code for x in lines}
        }
        conn.execute(
            sa.insert(bom_lines),
            [
                {
                    "tenant_id": tenant_id,
                    "bom_id": bom_id,
                    "position": position,
                    "item_id": ids[line.item_code],
                    "quantity": line.quantity,
                    "is_key": line.is_key,
                    "operation_code": line.operation_code,
                }
                for position, line in enumerate(lines, start=1)
            ],
        )
    return int(version)


def children_of_current(conn: Connection, tenant_id: int) -> dict[str, frozenset[str]]:
    """Each item with a BOM, mapped to the components of its newest version (for cycles)."""
    latest = _latest(tenant_id)
    parent = items.alias("parent")
    rows = conn.execute(
        sa.select(parent.c.code, items.c.code)
        .select_from(
            boms.join(
                latest,
                sa.and_(boms.c.item_id == latest.c.item_id, boms.c.version == latest.c.version),
            )
            .join(parent, boms.c.item_id == parent.c.id)
            .join(bom_lines, bom_lines.c.bom_id == boms.c.id)
            .join(items, bom_lines.c.item_id == items.c.id)
        )
        .where(boms.c.tenant_id == tenant_id)
    )
    children: defaultdict[str, set[str]] = defaultdict(set)
    for parent_code, child_code in rows:
        children[parent_code].add(child_code)
    return {code: frozenset(kids) for code, kids in children.items()}


def list_current(conn: Connection, tenant_id: int) -> list[Bom]:
    """The newest BOM of every item of a tenant, by item code (for the Excel export)."""
    latest = _latest(tenant_id)
    parent = items.alias("parent")
    rows = conn.execute(
        sa.select(
            parent.c.code,
            boms.c.version,
            items.c.code,
            bom_lines.c.quantity,
            bom_lines.c.is_key,
            bom_lines.c.operation_code,
        )
        .select_from(
            boms.join(
                latest,
                sa.and_(boms.c.item_id == latest.c.item_id, boms.c.version == latest.c.version),
            )
            .join(parent, boms.c.item_id == parent.c.id)
            .outerjoin(bom_lines, bom_lines.c.bom_id == boms.c.id)
            .outerjoin(items, bom_lines.c.item_id == items.c.id)
        )
        .where(boms.c.tenant_id == tenant_id)
        .order_by(parent.c.code, bom_lines.c.position)
    ).all()
    versions: dict[str, int] = {}
    lines: defaultdict[str, list[BomLine]] = defaultdict(list)
    for parent_code, version, item_code, quantity, is_key, operation_code in rows:
        versions[parent_code] = version
        if item_code is not None:  # a BOM may have no components
            lines[parent_code].append(BomLine(item_code, quantity, is_key, operation_code))
    return [Bom(code, version, tuple(lines[code])) for code, version in versions.items()]
