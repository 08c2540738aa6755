"""Line pages: lines with their stations, and forms to add either."""

from collections.abc import Mapping
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.api.deps import CurrentPrincipal, Db, Engineer, Reader, Text, page_router
from tracemes.domain.errors import DomainError, InvalidInputError
from tracemes.domain.users import Principal
from tracemes.services.context import Context
from tracemes.web.layout import FORM_REFUSALS, refusal_status, render

router = page_router("/admin")

BLANK_LINE = {"code": "", "name": "", "site": ""}
BLANK_STATION = {"code": "", "name": "", "line": ""}


def _page(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    *,
    line_form: Mapping[str, str] = BLANK_LINE,
    station_form: Mapping[str, str] = BLANK_STATION,
    refused: str = "",
    error: DomainError | None = None,
) -> HTMLResponse:
    stations = services.lines.list_stations(db, ctx)
    lines = [
        (line, [station for station in stations if station.line_code == line.code])
        for line in services.lines.list_all(db, ctx)
    ]
    values = {
        "lines": lines,
        "line_options": [(line.code, f"{line.code} {line.name}") for line, _ in lines],
        "line_form": line_form,
        "station_form": station_form,
        "refused": refused,
        "error": str(error) if error else "",
        "error_field": error.field if isinstance(error, InvalidInputError) else "",
    }
    status = refusal_status(error) if error else 200
    return render(request, "lines/index.html", values, user=user, status_code=status)


@router.get("/lines", response_class=HTMLResponse)
def lines_page(request: Request, db: Db, ctx: Reader, user: CurrentPrincipal) -> HTMLResponse:
    """Every line with its stations, and forms to add them."""
    return _page(request, db, ctx, user)


@router.post("/lines", response_class=HTMLResponse)
def create_line(
    request: Request,
    db: Db,
    ctx: Engineer,
    user: CurrentPrincipal,
    code: Annotated[Text, Form()] = "",
    name: Annotated[Text, Form()] = "",
    site: Annotated[Text, Form()] = "",
) -> Response:
    """Add a line; a refusal shows the form again with the reason."""
    try:
        services.lines.create(db, ctx, code, name, site or None)
    except FORM_REFUSALS as error:
        form = {"code": code, "name": name, "site": site}
        return _page(request, db, ctx, user, line_form=form, refused="line", error=error)
    return RedirectResponse("/admin/lines", status_code=303)


@router.post("/stations", response_class=HTMLResponse)
def create_station(
    request: Request,
    db: Db,
    ctx: Engineer,
    user: CurrentPrincipal,
    code: Annotated[Text, Form()] = "",
    name: Annotated[Text, Form()] = "",
    line: Annotated[Text, Form()] = "",
) -> Response:
    """Add a station to a line; a refusal shows the form again with the reason."""
    try:
        services.lines.create_station(db, ctx, code, name, line)
    except FORM_REFUSALS as error:
        form = {"code": code, "name": name, "line": line}
        return _page(request, db, ctx, user, station_form=form, refused="station", error=error)
    return RedirectResponse("/admin/lines", status_code=303)
