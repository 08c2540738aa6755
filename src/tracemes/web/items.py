"""Item pages: the list with a create form, and one item with its BOM and routing."""

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.api.deps import CurrentPrincipal, Db, Engineer, Reader, Text, page_router
from tracemes.domain.boms import Bom
from tracemes.domain.errors import DomainError, InvalidInputError, NotFoundError
from tracemes.domain.items import Tracking
from tracemes.domain.routings import Routing
from tracemes.domain.users import Principal
from tracemes.services.context import Context
from tracemes.web.layout import FORM_REFUSALS, refusal_status, render

router = page_router("/admin/items")

FIELDS = ("code", "name", "uom", "tracking", "gtin", "standard_cost", "serial_pattern")
BLANK_FORM = dict.fromkeys(FIELDS, "") | {"uom": "pcs", "tracking": Tracking.SERIAL.value}


def _list_page(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    form: dict[str, str],
    error: DomainError | None = None,
) -> HTMLResponse:
    values = {
        "items": services.items.list_all(db, ctx),
        "form": form,
        "error": str(error) if error else "",
        "error_field": error.field if isinstance(error, InvalidInputError) else "",
    }
    status = refusal_status(error) if error else 200
    return render(request, "items/index.html", values, user=user, status_code=status)


@router.get("", response_class=HTMLResponse)
def items_page(request: Request, db: Db, ctx: Reader, user: CurrentPrincipal) -> HTMLResponse:
    """Every item, and a form to add one."""
    return _list_page(request, db, ctx, user, dict(BLANK_FORM))


@router.post("", response_class=HTMLResponse)
def create_item(
    request: Request,
    db: Db,
    ctx: Engineer,
    user: CurrentPrincipal,
    code: Annotated[Text, Form()] = "",
    name: Annotated[Text, Form()] = "",
    uom: Annotated[Text, Form()] = "",
    tracking: Annotated[Text, Form()] = "",
    gtin: Annotated[Text, Form()] = "",
    standard_cost: Annotated[Text, Form()] = "",
    serial_pattern: Annotated[Text, Form()] = "",
) -> Response:
    """Add an item, then show it; a refusal shows the form again with the reason."""
    form = {
        "code": code,
        "name": name,
        "uom": uom,
        "tracking": tracking,
        "gtin": gtin,
        "standard_cost": standard_cost,
        "serial_pattern": serial_pattern,
    }
    try:
        item = services.items.create(
            db, ctx, code, name, uom, tracking, gtin or None, standard_cost, serial_pattern or None
        )
    except FORM_REFUSALS as error:
        return _list_page(request, db, ctx, user, form, error)
    return RedirectResponse(request.url_for("item_page", code=item.code).path, status_code=303)


@router.get("/{code}", response_class=HTMLResponse)
def item_page(
    request: Request, code: str, db: Db, ctx: Reader, user: CurrentPrincipal
) -> HTMLResponse:
    """One item with its current BOM and routing."""
    item = services.items.get(db, ctx, code)
    values = {
        "item": item,
        "bom": _optional_bom(db, ctx, code),
        "routing": _optional_routing(db, ctx, code),
    }
    return render(request, "items/detail.html", values, user=user)


def _optional_bom(db: Engine, ctx: Context, code: str) -> Bom | None:
    try:
        return services.boms.get(db, ctx, code)
    except NotFoundError:
        return None


def _optional_routing(db: Engine, ctx: Context, code: str) -> Routing | None:
    try:
        return services.routings.get(db, ctx, code)
    except NotFoundError:
        return None
