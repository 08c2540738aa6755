"""The JSON API under /api/v1: parse, call one service, format."""

from fastapi import APIRouter

from tracemes.api import (
    batches,
    boms,
    events,
    holds,
    items,
    lines,
    lots,
    quality,
    routings,
    trace,
    users,
    work_orders,
    workbooks,
)

router = APIRouter(prefix="/api/v1")
for module in (
    items,
    boms,
    lines,
    routings,
    work_orders,
    batches,
    lots,
    events,
    trace,
    holds,
    quality,
    workbooks,
    users,
):
    router.include_router(module.router)

__all__ = [
    "batches",
    "boms",
    "events",
    "holds",
    "items",
    "lines",
    "lots",
    "quality",
    "router",
    "routings",
    "trace",
    "users",
    "work_orders",
    "workbooks",
]
