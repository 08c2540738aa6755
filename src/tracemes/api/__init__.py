"""The JSON API under /api/v1: parse, call one service, format."""

from fastapi import APIRouter, Depends

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
    work_orders,
    workbooks,
)
from tracemes.api.deps import plain_parameters

router = APIRouter(prefix="/api/v1", dependencies=[Depends(plain_parameters)])
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
