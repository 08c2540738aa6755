"""Use cases: one function per command or question, one transaction each."""

from tracemes.services import (
    boms,
    context,
    demo,
    items,
    lines,
    routings,
    tenants,
    users,
    work_orders,
    workbooks,
)

__all__ = [
    "boms",
    "context",
    "demo",
    "items",
    "lines",
    "routings",
    "tenants",
    "users",
    "work_orders",
    "workbooks",
]
