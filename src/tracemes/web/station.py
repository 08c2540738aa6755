"""The station page: an operator's loop driven by scans.

Choose the station once (remembered in this browser); then scan a unit (its step starts
when it is due here), scan each key part (a refusal is shown loud, with its reason, and the
scan field is ready again), and finish with Pass or Fail (or scan PASS / FAIL). Every
action is a shop-floor event through the same service as the API, with an event id the
page made: a double tap or a resent form is booked once.
"""

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.api import deps
from tracemes.api.deps import CurrentPrincipal, Db, Reader, ShopFloor, Text, page_router
from tracemes.domain.errors import InvalidInputError, NotFoundError
from tracemes.domain.numbers import measurement, quantity
from tracemes.domain.production_lots import ReportLotStep, TransferLot
from tracemes.domain.station import PASS_WORDS, Meaning
from tracemes.domain.users import Principal
from tracemes.services.context import Context
from tracemes.services.station import ScanOutcome, StationLot, StationUnit
from tracemes.web.layout import render

router = page_router("/station")
COOKIE = "tracemes_station"


def _page(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    unit: str | StationUnit | None = "",
    message: tuple[str, str, str] | None = None,
    status_code: int = 200,
    station: str | None = None,
    entered: Mapping[str, str] | None = None,
    lot: StationLot | None = None,
) -> HTMLResponse:
    """The station page showing `unit` (a serial to look up, or as a scan left it), or the
    production lot a transfer card opened."""
    station = station if station is not None else request.cookies.get(COOKIE, "")
    shown = unit if isinstance(unit, StationUnit) else None
    if isinstance(unit, str) and unit:
        try:
            shown = services.station.unit_at(db, ctx, unit)
        except NotFoundError:
            shown = None
    values = {
        "station": station,
        "stations": services.lines.list_stations(db, ctx) if not station else [],
        "unit": shown,
        "lot": lot,
        "message": message,  # (kind: ok|refused, code, detail)
        "event": uuid.uuid4().hex,  # the id of whatever this form sends next
        "entered": entered or {},  # measurements typed before a refusal, shown again
    }
    return render(request, "station/index.html", values, user=user, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def station_page(
    request: Request, db: Db, ctx: Reader, user: CurrentPrincipal, unit: str = ""
) -> HTMLResponse:
    """The scan loop of this browser's station (or the choice of station)."""
    return _page(request, db, ctx, user, unit)


@router.post("/choose")
def choose_station(
    request: Request, db: Db, ctx: Reader, station: Annotated[Text, Form()] = ""
) -> Response:
    """Remember which station this device is at."""
    services.lines.get_station(db, ctx, station)  # an unknown station is not found
    response = RedirectResponse("/station", status_code=303)
    _remember(request, response, station)
    return response


def _remember(request: Request, response: Response, station: str) -> None:
    response.set_cookie(
        COOKIE,
        station,
        max_age=400 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=deps.is_secure(request),
    )


@router.post("/forget")
def forget_station(request: Request) -> Response:
    """Choose another station."""
    response = RedirectResponse("/station", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=deps.is_secure(request))
    return response


@router.post("/scan", response_class=HTMLResponse)
def scan(
    request: Request,
    db: Db,
    ctx: ShopFloor,
    user: CurrentPrincipal,
    code: Annotated[Text, Form()] = "",
    unit: Annotated[Text, Form()] = "",
    event: Annotated[Text, Form()] = "",
) -> HTMLResponse:
    """One scan, as services.station.scan reads it: a transfer card (show its lot here), a
    unit (start its step here), PASS / FAIL, a station label (work there from now on), or a
    part for the unit."""
    station = request.cookies.get(COOKIE) or None
    done = services.station.scan(db, ctx, station, code, unit, event or None)
    if done.error is not None:
        refusal = ("refused", done.error.code, str(done.error))
        return _page(request, db, ctx, user, done.unit, refusal, 409)
    if done.lot is not None:
        return _page(request, db, ctx, user, None, lot=done.lot)
    if done.meaning is Meaning.STATION:
        assert done.station is not None
        changed = ("ok", "station_changed", done.station)
        response = _page(request, db, ctx, user, None, changed, station=done.station)
        _remember(request, response, done.station)
        return response
    return _page(request, db, ctx, user, done.unit, _said(done))


def _said(done: ScanOutcome) -> tuple[str, str, str] | None:
    """The page's word on a scan carried out (none for a unit shown as it is)."""
    if done.meaning is Meaning.UNIT and done.started:
        return ("ok", "step_started", done.started)
    if done.meaning is Meaning.PART:
        return ("ok", "part_bound", done.text)
    if done.meaning is Meaning.VERDICT:
        return ("ok", "passed" if done.text.upper() in PASS_WORDS else "failed", "")
    return None


@router.post("/finish", response_class=HTMLResponse)
def finish(
    request: Request,
    db: Db,
    ctx: ShopFloor,
    user: CurrentPrincipal,
    unit: Annotated[Text, Form()] = "",
    result: Annotated[Text, Form()] = "",
    defects: Annotated[Text, Form()] = "",
    event: Annotated[Text, Form()] = "",
    check: Annotated[list[Text] | None, Form()] = None,
    value: Annotated[list[Text] | None, Form()] = None,
) -> HTMLResponse:
    """Pass or Fail the unit's running step, with what was measured and the defect codes."""
    entered = {c: v.strip() for c, v in zip(check or [], value or [], strict=False) if v.strip()}
    passed = result == "pass"
    return _finish(request, db, ctx, user, unit, passed, defects, event, entered)


def _finish(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    unit: str,
    passed: bool,
    defects: str,
    event_id: str,
    entered: Mapping[str, str] | None = None,
) -> HTMLResponse:
    entered = entered or {}
    try:
        measured = {
            code: float(measurement(f"measurements.{code}", text)) for code, text in entered.items()
        }
    except InvalidInputError as error:
        refusal = ("refused", "bad_measurement", str(error))
        return _page(request, db, ctx, user, unit, refusal, 422, entered=entered)
    codes = tuple(c for c in defects.replace(",", " ").split() if c)
    station = request.cookies.get(COOKIE) or None
    done = services.station.finish(
        db, ctx, station, unit, passed, measured, codes, event_id or None
    )
    if done.error is not None:
        refusal = ("refused", done.error.code, str(done.error))
        return _page(request, db, ctx, user, done.unit, refusal, 409, entered=entered)
    return _page(request, db, ctx, user, None, ("ok", "passed" if passed else "failed", unit))


@router.post("/lot", response_class=HTMLResponse)
def lot_report(
    request: Request,
    db: Db,
    ctx: ShopFloor,
    user: CurrentPrincipal,
    item: Annotated[Text, Form()] = "",
    lot: Annotated[Text, Form()] = "",
    operation: Annotated[Text, Form()] = "",
    kind: Annotated[Text, Form()] = "report",  # or "send" ("action" would hide form.action)
    good: Annotated[Text, Form()] = "",
    scrap: Annotated[Text, Form()] = "",
    rework: Annotated[Text, Form()] = "",
    quantity: Annotated[Text, Form()] = "",
    event: Annotated[Text, Form()] = "",
) -> HTMLResponse:
    """What the operation made of the lot shown (good, scrap, rework), or good quantity sent
    on to the next operation (into stock after the last)."""
    station = request.cookies.get(COOKIE) or None
    command: ReportLotStep | TransferLot
    try:
        if kind == "send":
            command = TransferLot(item, lot, operation, _amount("quantity", quantity))
        else:
            command = ReportLotStep(
                item,
                lot,
                operation,
                good=_amount("good", good),
                scrap=_amount("scrap", scrap),
                rework=_amount("rework", rework),
            )
    except InvalidInputError as error:
        shown = services.station.lot_at(db, ctx, station, item, lot)
        return _page(
            request, db, ctx, user, None, ("refused", error.code, str(error)), 422, lot=shown
        )
    done = services.station.report_lot(db, ctx, station, command, event or None)
    if done.error is not None:
        refusal = ("refused", done.error.code, str(done.error))
        return _page(request, db, ctx, user, None, refusal, 409, lot=done.lot)
    said = ("ok", "lot_sent" if kind == "send" else "lot_reported", operation)
    return _page(request, db, ctx, user, None, said, lot=done.lot)


def _amount(field: str, text: str) -> Decimal:
    """A quantity typed at the station: blank is none."""
    return quantity(field, text.strip() or "0", allow_zero=True)
