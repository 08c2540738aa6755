"""Use cases: one function per command or question, one transaction each."""

from tracemes.services import (
    boms,
    context,
    demo,
    events,
    holds,
    items,
    lines,
    lots,
    recall_lists,
    routings,
    scans,
    tenants,
    trace,
    users,
    work_orders,
    workbooks,
)

__all__ = [
    "boms",
    "context",
    "demo",
    "events",
    "holds",
    "items",
    "lines",
    "lots",
    "recall_lists",
    "routings",
    "scans",
    "tenants",
    "trace",
    "users",
    "work_orders",
    "workbooks",
]
