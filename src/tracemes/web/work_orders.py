"""Work-order pages: the list with a create form, and one order with htmx actions."""

from collections.abc import Callable, Mapping
from datetime import date
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from tracemes import domain, services
from tracemes.api.deps import CurrentPrincipal, Db, Planner, Reader, Text, page_router
from tracemes.domain.errors import DomainError, InvalidInputError
from tracemes.domain.items import Tracking
from tracemes.domain.users import Principal
from tracemes.domain.work_orders import Status
from tracemes.services.context import Context
from tracemes.web.layout import FORM_REFUSALS, is_htmx, refusal_status, render

router = page_router("/work-orders")

FIELDS = ("item", "quantity", "line", "due", "code")
BLANK_FORM = dict.fromkeys(FIELDS, "")
# Units are added while the order is on the floor (domain.work_orders.check_new_units).
TAKES_UNITS = (Status.RELEASED, Status.IN_PROGRESS)
UNITS_SHOWN = 500


def _list_page(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    status: Status | None,
    form: Mapping[str, str] = BLANK_FORM,
    error: DomainError | None = None,
) -> HTMLResponse:
    values = {
        "orders": services.work_orders.list_all(db, ctx, frozenset({status}) if status else None),
        "status": status.value if status else "",
        "statuses": [s.value for s in Status],
        "item_options": [(i.code, f"{i.code} {i.name}") for i in services.items.list_all(db, ctx)],
        "line_options": [(x.code, f"{x.code} {x.name}") for x in services.lines.list_all(db, ctx)],
        "form": form,
        "error": str(error) if error else "",
        "error_field": error.field if isinstance(error, InvalidInputError) else "",
    }
    http_status = refusal_status(error) if error else 200
    return render(request, "work_orders/index.html", values, user=user, status_code=http_status)


@router.get("", response_class=HTMLResponse)
def work_orders_page(
    request: Request, db: Db, ctx: Reader, user: CurrentPrincipal, status: str = ""
) -> HTMLResponse:
    """The company's work orders, newest first, of one status when asked."""
    return _list_page(request, db, ctx, user, _status(status))


def _status(text: str) -> Status | None:
    try:
        return Status(text)
    except ValueError:
        return None  # "all", or a stale link: show every order


def _due_on(text: str) -> date | None:
    try:
        due = date.fromisoformat(text) if text else None
    except ValueError:
        raise InvalidInputError("due", f"{text!r} is not a date like 2026-03-31") from None
    return None if due is None else domain.text.check_day("due", due)


@router.post("", response_class=HTMLResponse)
def create_work_order(
    request: Request,
    db: Db,
    ctx: Planner,
    user: CurrentPrincipal,
    item: Annotated[Text, Form()] = "",
    quantity: Annotated[Text, Form()] = "",
    line: Annotated[Text, Form()] = "",
    due: Annotated[Text, Form()] = "",
    code: Annotated[Text, Form()] = "",
) -> Response:
    """Plan a work order, then show it; a refusal shows the form again with the reason."""
    form = {"item": item, "quantity": quantity, "line": line, "due": due, "code": code}
    try:
        order = services.work_orders.create(
            db, ctx, item, quantity, line, code=code or None, due_on=_due_on(due)
        )
    except FORM_REFUSALS as error:
        return _list_page(request, db, ctx, user, None, form, error)
    return RedirectResponse(_path(request, order.code), status_code=303)


@router.get("/{code}", response_class=HTMLResponse)
def work_order_page(
    request: Request, code: str, db: Db, ctx: Reader, user: CurrentPrincipal
) -> HTMLResponse:
    """One order: quantities, units, and the actions its status allows."""
    return _detail(request, db, ctx, user, code, "work_orders/detail.html")


@router.post("/{code}/release", response_class=HTMLResponse)
def release_work_order(
    request: Request, code: str, db: Db, ctx: Planner, user: CurrentPrincipal
) -> Response:
    """Release the order to the floor."""
    return _act(request, db, ctx, user, code, services.work_orders.release)


@router.post("/{code}/cancel", response_class=HTMLResponse)
def cancel_work_order(
    request: Request, code: str, db: Db, ctx: Planner, user: CurrentPrincipal
) -> Response:
    """Cancel an order nobody has started on."""
    return _act(request, db, ctx, user, code, services.work_orders.cancel)


@router.post("/{code}/close", response_class=HTMLResponse)
def close_work_order(
    request: Request, code: str, db: Db, ctx: Planner, user: CurrentPrincipal
) -> Response:
    """Close a completed order, or one in progress short of its quantity."""
    return _act(request, db, ctx, user, code, services.work_orders.close)


@router.post("/{code}/units", response_class=HTMLResponse)
def add_units(
    request: Request,
    code: str,
    db: Db,
    ctx: Planner,
    user: CurrentPrincipal,
    count: Annotated[Text, Form()] = "",
) -> Response:
    """Create units with serials from the item's pattern."""
    try:
        serials = services.work_orders.add_units(db, ctx, code, count=_count(count))
    except FORM_REFUSALS as error:
        return _answer(request, db, ctx, user, code, error=error)
    return _answer(request, db, ctx, user, code, added=len(serials))


def _act(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    code: str,
    action: Callable[[Engine, Context, str], object],
) -> Response:
    """Run one lifecycle action and answer with the order panel (or the refusal in it)."""
    try:
        action(db, ctx, code)
    except FORM_REFUSALS as error:
        return _answer(request, db, ctx, user, code, error=error)
    return _answer(request, db, ctx, user, code)


def _count(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInputError("count", f"{text!r} is not a whole number") from None


def _path(request: Request, code: str) -> str:
    return request.url_for("work_order_page", code=code).path


def _answer(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    code: str,
    *,
    error: DomainError | None = None,
    added: int = 0,
) -> Response:
    """The updated panel for htmx; for a plain form, the page again (PRG on success)."""
    if error is None and not is_htmx(request):
        return RedirectResponse(_path(request, code), status_code=303)
    template = "work_orders/_panel.html" if is_htmx(request) else "work_orders/detail.html"
    return _detail(request, db, ctx, user, code, template, error=error, added=added)


def _detail(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    code: str,
    template: str,
    *,
    error: DomainError | None = None,
    added: int = 0,
) -> HTMLResponse:
    view = services.work_orders.get(db, ctx, code)
    item = services.items.get(db, ctx, view.order.item_code)
    status = view.order.status
    values = {
        "view": view,
        "item": item,
        "units_shown": view.units[:UNITS_SHOWN],
        "can_release": domain.work_orders.can_move(status, Status.RELEASED),
        "can_cancel": domain.work_orders.can_move(status, Status.CANCELLED),
        "can_close": domain.work_orders.can_move(status, Status.CLOSED),
        "can_add_units": status in TAKES_UNITS and item.tracking is Tracking.SERIAL,
        "inspect_at": services.inspection.in_process_operations(db, ctx, item.code),
        "error": str(error) if error else "",
        "added": added,
    }
    http_status = refusal_status(error) if error else 200
    return render(request, template, values, user=user, status_code=http_status)
