"""The JSON API under /api/v1: parse, call one service, format."""

from fastapi import APIRouter

from tracemes.api import boms, items, lines, routings, work_orders, workbooks

router = APIRouter(prefix="/api/v1")
for module in (items, boms, lines, routings, work_orders, workbooks):
    router.include_router(module.router)

__all__ = ["boms", "items", "lines", "router", "routings", "work_orders", "workbooks"]
