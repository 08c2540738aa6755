"""Server-rendered pages (Jinja2 + htmx) over the same services as the API."""

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from tracemes.api import deps
from tracemes.api.deps import plain_parameters
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
    for module in (
        api_docs,
        auth,
        home,
        items,
        lines,
        trace,
        work_orders,
        production_lots,
        labels,
        station,
        board,
        quality,
    ):
        app.include_router(
            module.router,
            dependencies=[Depends(deps.refuse_cross_site_page), Depends(plain_parameters)],
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
