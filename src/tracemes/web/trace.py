"""The trace page: scan a serial or lot, see what is in it or where it went, and hold it."""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.api.deps import CurrentPrincipal, Db, Quality, Reader, Text, page_router
from tracemes.domain.errors import DomainError, InvalidInputError, NotFoundError
from tracemes.domain.holds import Hold
from tracemes.domain.trace import AffectedUnit
from tracemes.domain.users import Principal
from tracemes.services.context import Context
from tracemes.web.layout import FORM_REFUSALS, refusal_status, render

router = page_router("/trace")

WHERE_USED = "where-used"  # ?view= that shows a serialised part's forward trace


@dataclass(frozen=True, slots=True)
class Origin:
    """What a forward trace starts from: a lot of an item, or a serialised part."""

    item: str = ""
    lot: str = ""
    serial: str = ""

    @property
    def api_path(self) -> str:
        """The JSON API route that answers the same trace (and its recall lists)."""
        if self.serial:
            return f"/api/v1/trace/serials/{quote(self.serial, safe='')}/where-used"
        return (
            f"/api/v1/trace/lots/{quote(self.item, safe='')}/{quote(self.lot, safe='')}/where-used"
        )

    @property
    def page_path(self) -> str:
        """This page showing the same trace."""
        if self.serial:
            return f"/trace?{urlencode({'q': self.serial, 'view': WHERE_USED})}"
        return f"/trace?{urlencode({'q': f'{self.item}/{self.lot}'})}"


def _where_used(db: Engine, ctx: Context, origin: Origin) -> dict[str, Any]:
    if origin.serial:
        found = services.trace.where_used_serial(db, ctx, origin.serial)
    else:
        found = services.trace.where_used_lot(db, ctx, origin.item, origin.lot)
    return {
        "origin": origin,
        "counts": [(where.value, n) for where, n in found.counts().items()],
        "affected": sorted(found.units, key=lambda u: (not u.finished, u.unit.serial)),
    }


def _unit(db: Engine, ctx: Context, serial: str) -> dict[str, Any]:
    found = services.trace.backward(db, ctx, serial)
    parents: list[AffectedUnit] = services.trace.where_used_serial(db, ctx, serial).units
    return {"unit_trace": found, "parents": parents}


def _lookup(
    db: Engine, ctx: Context, text: str, view: str, scanned: bool = False
) -> dict[str, Any]:
    """What the search names: a unit, a lot (ITEM/LOT or a lot number), or a scanned label."""
    try:
        return _named(db, ctx, text, view)
    except NotFoundError:
        if scanned:
            raise
    return _label(db, ctx, text, view)


def _named(db: Engine, ctx: Context, text: str, view: str) -> dict[str, Any]:
    """A serial, ITEM/LOT or a lot number typed as it is stored (codes never hold a '/')."""
    if text.count("/") == 1:
        item, _, lot = text.partition("/")
        return _where_used(db, ctx, Origin(item=item, lot=lot))
    if "/" not in text:
        try:
            if view == WHERE_USED:
                return _where_used(db, ctx, Origin(serial=text))
            return _unit(db, ctx, text)
        except NotFoundError:
            pass
        items = services.trace.find_lots(db, ctx, text)
        if len(items) == 1:
            return _where_used(db, ctx, Origin(item=items[0], lot=text))
        if items:
            return {"lot_choices": [Origin(item=item, lot=text) for item in items]}
    raise NotFoundError("serial or lot", text)


def _label(db: Engine, ctx: Context, text: str, view: str) -> dict[str, Any]:
    """A GS1 label or Digital Link scanned into the field: trace the serial or lot on it."""
    try:
        ref = services.scans.resolve(db, ctx, text)
    except DomainError:
        raise NotFoundError("serial or lot", text) from None
    if ref.lot is not None and ref.item is not None and ref.lot != text:
        return _lookup(db, ctx, f"{ref.item}/{ref.lot}", view, scanned=True)
    if ref.serial is not None and ref.serial != text:
        return _lookup(db, ctx, ref.serial, view, scanned=True)
    raise NotFoundError("serial or lot", text)


def _hold(db: Engine, ctx: Context, code: str) -> Hold | None:
    try:
        return services.holds.get(db, ctx, code) if code else None
    except NotFoundError:
        return None  # a stale link: show the trace without the notice


def _page(
    request: Request,
    user: Principal,
    q: str,
    values: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    defaults: dict[str, Any] = {
        "q": q,
        "unit_trace": None,
        "parents": [],
        "origin": None,
        "counts": [],
        "affected": [],
        "lot_choices": [],
        "not_found": False,
        "error": "",
        "hold": None,
        "reason": "",
    }
    return render(
        request, "trace/index.html", defaults | values, user=user, status_code=status_code
    )


@router.get("", response_class=HTMLResponse)
def trace_page(
    request: Request,
    db: Db,
    ctx: Reader,
    user: CurrentPrincipal,
    q: str = "",
    view: str = "",
    hold: str = "",
) -> HTMLResponse:
    """One search field for a serial or lot: a unit's tree, or where a lot or part went."""
    text = q.strip()
    if not text:
        return _page(request, user, "", {})
    try:
        values = _lookup(db, ctx, text, view)
    except NotFoundError:
        return _page(request, user, text, {"not_found": True}, status_code=404)
    except InvalidInputError as error:
        return _page(request, user, text, {"error": str(error)}, status_code=422)
    return _page(request, user, text, values | {"hold": _hold(db, ctx, hold)})


@router.post("/hold", response_class=HTMLResponse)
def hold_affected(
    request: Request,
    db: Db,
    ctx: Quality,
    user: CurrentPrincipal,
    reason: Annotated[Text, Form()] = "",
    item: Annotated[Text, Form()] = "",
    lot: Annotated[Text, Form()] = "",
    serial: Annotated[Text, Form()] = "",
) -> Response:
    """Hold the lot or part and every unit still in the factory that holds it."""
    origin = Origin(item=item, lot=lot, serial=serial)
    try:
        placed = services.holds.place(
            db,
            ctx,
            reason,
            lots=[] if serial else [(item, lot)],
            serials=[serial] if serial else [],
            extend_to_where_used=True,
        )
    except FORM_REFUSALS as error:
        values = _where_used(db, ctx, origin) | {"error": str(error), "reason": reason}
        query = serial or f"{item}/{lot}"
        return _page(request, user, query, values, status_code=refusal_status(error))
    return RedirectResponse(f"{origin.page_path}&hold={quote(placed.code)}", status_code=303)
