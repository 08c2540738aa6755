"""Use cases: one function per command or question, one transaction each."""

from tracemes.services import (
    boms,
    context,
    items,
    lines,
    routings,
    tenants,
    users,
    work_orders,
)

__all__ = [
    "boms",
    "context",
    "items",
    "lines",
    "routings",
    "tenants",
    "users",
    "work_orders",
]
