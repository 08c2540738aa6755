"""Tenants: one row per enterprise."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.tenants import Tenant
from tracemes.store.schema import tenants


def _tenant(row: sa.RowMapping) -> Tenant:
    return Tenant(row["id"], row["code"], row["name"], row["timezone"])


def get_by_code(conn: Connection, code: str) -> Tenant | None:
    """The tenant with this code."""
    row = conn.execute(sa.select(tenants).where(tenants.c.code == code)).mappings().one_or_none()
    return _tenant(row) if row else None


def get_by_id(conn: Connection, tenant_id: int) -> Tenant:
    """The tenant a request works for."""
    return _tenant(
        conn.execute(sa.select(tenants).where(tenants.c.id == tenant_id)).mappings().one()
    )


def list_all(conn: Connection) -> list[Tenant]:
    """Every tenant, by code."""
    rows = conn.execute(sa.select(tenants).order_by(tenants.c.code)).mappings()
    return [_tenant(row) for row in rows]


def add(conn: Connection, code: str, name: str, created_at: datetime, timezone: str) -> int:
    """Store a tenant and return its id."""
    result = conn.execute(
        sa.insert(tenants)
        .values(code=code, name=name, created_at=created_at, timezone=timezone)
        .returning(tenants.c.id)
    )
    return int(result.scalar_one())
