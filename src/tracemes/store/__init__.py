"""SQLAlchemy Core tables and named queries. Functions take a Connection and never commit."""

from tracemes.store import (
    boms,
    db,
    items,
    ledger,
    lines,
    routings,
    schema,
    tenants,
    units,
    users,
    work_orders,
)

__all__ = [
    "boms",
    "db",
    "items",
    "ledger",
    "lines",
    "routings",
    "schema",
    "tenants",
    "units",
    "users",
    "work_orders",
]
