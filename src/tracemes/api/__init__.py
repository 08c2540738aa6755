"""The JSON API under /api/v1: parse, call one service, format.

Routes are plain `def`, which FastAPI runs in its worker threads. The routes a plant calls
many times a second (one event, a scan, a backward trace, an item) are `async def` around
`await run_in_threadpool(service, ...)` instead: for a plain `def` route FastAPI goes to
the worker threads a second time to check the answer against its model (80 us here).
"""

from typing import Any

from fastapi.routing import APIRoute

from tracemes.api import (
    boms,
    events,
    holds,
    items,
    lines,
    lots,
    production_lots,
    quality,
    routings,
    station,
    trace,
    users,
    work_orders,
    workbooks,
)

PROBLEM = "application/problem+json"
# RFC 9457 problem details, the body of every refusal (app.problem writes them).
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "stable snake_case reason, e.g. not_found"},
        "field": {"type": "string", "description": "the input that was wrong"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "problems": {"type": "array", "items": {"type": "object"}},
    },
}
_REFUSALS = {
    400: "The body could not be read (not UTF-8, or a broken form or upload).",
    401: "Not signed in: no valid bearer token or session.",
    403: "The user's role does not allow this.",
    404: "A record the request names does not exist for this company.",
    409: "Well formed, but it clashes with what is stored (status, duplicate, race).",
    422: "The input is wrong; `field` or `errors` say which.",
}


def _document_refusals(route: APIRoute) -> None:
    """Declare the problem answers a route can give, so the OpenAPI document lists them."""
    writes = bool((route.methods or set()) - {"GET", "HEAD"})
    # 422 everywhere: every route reads at least a header (Authorization, Idempotency-Key).
    codes = [401, 403, 422]
    named = route.dependant.path_params or route.dependant.query_params or route.body_field
    if named or writes:  # a code in the path, the query or the body may name nothing
        codes.append(404)
    if writes:
        codes.append(409)
    if route.body_field is not None:
        codes.append(400)
    schema = {"$ref": "#/components/schemas/Problem"}
    route.responses = {
        **{
            code: {"description": _REFUSALS[code], "content": {PROBLEM: {"schema": schema}}}
            for code in sorted(codes)
        },
        **route.responses,
    }


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add the Problem schema the refusals refer to."""
    openapi.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    return openapi


routers = [
    module.router
    for module in (  # matched in this order: the routes called most often first
        events,
        station,
        trace,
        items,
        boms,
        lines,
        routings,
        work_orders,
        production_lots,
        lots,
        holds,
        quality,
        workbooks,
        users,
    )
]
for router in routers:
    for route in router.routes:
        if isinstance(route, APIRoute):
            _document_refusals(route)

__all__ = [
    "PROBLEM_SCHEMA",
    "boms",
    "document_problems",
    "events",
    "holds",
    "items",
    "lines",
    "lots",
    "production_lots",
    "quality",
    "routers",
    "routings",
    "station",
    "trace",
    "users",
    "work_orders",
    "workbooks",
]
