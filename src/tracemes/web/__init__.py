"""Server-rendered pages (Jinja2 + htmx) over the same services as the API."""

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tracemes.api import deps
from tracemes.web import (
    api_docs,
    auth,
    board,
    headers,
    home,
    items,
    labels,
    layout,
    lines,
    production_lots,
    quality,
    station,
    trace,
    work_orders,
)
from tracemes.web.layout import error_page


def mount(app: FastAPI) -> None:
    """Add the pages and static files to the app."""
    app.mount("/static", StaticFiles(directory=layout.STATIC_DIR), name="static")
    deps.hold_routes(
        app,
        (
            module.router
            for module in (  # matched in this order: the floor's page first
                station,
                home,
                auth,
                board,
                trace,
                work_orders,
                production_lots,
                labels,
                quality,
                items,
                lines,
                api_docs,
            )
        ),
    )


__all__ = [
    "api_docs",
    "auth",
    "board",
    "error_page",
    "headers",
    "home",
    "items",
    "labels",
    "layout",
    "lines",
    "mount",
    "production_lots",
    "quality",
    "station",
    "trace",
    "work_orders",
]
