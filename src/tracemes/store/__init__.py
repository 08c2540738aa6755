"""SQLAlchemy Core tables and named queries. Functions take a Connection and never commit."""

from tracemes.store import (
    boms,
    db,
    floor,
    holds,
    items,
    ledger,
    lines,
    lots,
    routings,
    schema,
    tenants,
    trace,
    units,
    users,
    work_orders,
)

__all__ = [
    "boms",
    "db",
    "floor",
    "holds",
    "items",
    "ledger",
    "lines",
    "lots",
    "routings",
    "schema",
    "tenants",
    "trace",
    "units",
    "users",
    "work_orders",
]
