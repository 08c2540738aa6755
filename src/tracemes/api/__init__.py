"""The JSON API under /api/v1: parse, call one service, format."""

from fastapi import APIRouter, Depends

from tracemes.api import (
    batches,
    boms,
    csrf,
    events,
    holds,
    items,
    lines,
    lots,
    quality,
    routings,
    trace,
    work_orders,
    workbooks,
)

router = APIRouter(prefix="/api/v1", dependencies=[Depends(csrf.refuse_cross_site_api)])
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
):
    router.include_router(module.router)

__all__ = [
    "batches",
    "boms",
    "csrf",
    "events",
    "holds",
    "items",
    "lines",
    "lots",
    "quality",
    "router",
    "routings",
    "trace",
    "work_orders",
    "workbooks",
]
