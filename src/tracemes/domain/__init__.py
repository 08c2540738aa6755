"""Pure shop-floor rules and values: no I/O, no SQL, no HTTP, no clock."""

from tracemes.domain import (
    boms,
    codes,
    errors,
    events,
    excel,
    gs1,
    items,
    lines,
    routings,
    serials,
    tenants,
    units,
    users,
    work_orders,
    workbooks,
)

__all__ = [
    "boms",
    "codes",
    "errors",
    "events",
    "excel",
    "gs1",
    "items",
    "lines",
    "routings",
    "serials",
    "tenants",
    "units",
    "users",
    "work_orders",
    "workbooks",
]
