"""Pure shop-floor rules and values: no I/O, no SQL, no HTTP, no clock."""

from tracemes.domain import (
    boms,
    codes,
    errors,
    events,
    gs1,
    items,
    lines,
    routings,
    serials,
    tenants,
    units,
    users,
    work_orders,
)

__all__ = [
    "boms",
    "codes",
    "errors",
    "events",
    "gs1",
    "items",
    "lines",
    "routings",
    "serials",
    "tenants",
    "units",
    "users",
    "work_orders",
]
