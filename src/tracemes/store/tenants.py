"""Tenants: one row per enterprise."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.tenants import Tenant
from tracemes.store.schema import tenants


def get_by_code(conn: Connection, code: str) -> Tenant | None:
    """The tenant with this code."""
    row = conn.execute(sa.select(tenants).where(tenants.c.code == code)).mappings().one_or_none()
    return Tenant(row["id"], row["code"], row["name"]) if row else None


def list_all(conn: Connection) -> list[Tenant]:
    """Every tenant, by code."""
    rows = conn.execute(sa.select(tenants).order_by(tenants.c.code)).mappings()
    return [Tenant(row["id"], row["code"], row["name"]) for row in rows]


def add(conn: Connection, code: str, name: str, created_at: datetime) -> int:
    """Store a tenant and return its id."""
    result = conn.execute(
        sa.insert(tenants)
        .values(code=code, name=name, created_at=created_at)
        .returning(tenants.c.id)
    )
    return int(result.scalar_one())
