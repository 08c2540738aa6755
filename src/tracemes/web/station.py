"""The station page: an operator's loop driven by scans.

Choose the station once (remembered in this browser); then scan a unit (its step starts
when it is due here), scan each key part (a refusal is shown loud, with its reason, and the
scan field is ready again), and finish with Pass or Fail (or scan PASS / FAIL). Every
action is a shop-floor event through the same service as the API, with an event id the
page made: a double tap or a resent form is booked once.
"""

import uuid
from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.api import csrf
from tracemes.api.deps import CurrentPrincipal, Db, Reader, ShopFloor, Text
from tracemes.domain.errors import DomainError, InvalidInputError, NotFoundError
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.numbers import measurement
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.users import Principal
from tracemes.services.context import Context
from tracemes.services.events import FloorEvent
from tracemes.web.layout import render

router = APIRouter(prefix="/station", tags=["pages"], include_in_schema=False)
COOKIE = "tracemes_station"
PASS_WORDS = {"PASS", "OK", "合格"}
FAIL_WORDS = {"FAIL", "NG", "不合格"}


def _page(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    unit: str = "",
    message: tuple[str, str, str] | None = None,
    status_code: int = 200,
    station: str | None = None,
    entered: Mapping[str, str] | None = None,
) -> HTMLResponse:
    station = station if station is not None else request.cookies.get(COOKIE, "")
    shown = None
    if unit:
        try:
            shown = services.station.unit_at(db, ctx, unit)
        except NotFoundError:
            shown = None
    values = {
        "station": station,
        "stations": services.lines.list_stations(db, ctx) if not station else [],
        "unit": shown,
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


def _is_station(db: Engine, ctx: Context, code: str) -> bool:
    try:
        services.lines.get_station(db, ctx, code)
    except NotFoundError:
        return False
    return True


def _at_station(
    request: Request, db: Engine, ctx: Context, user: Principal, station: str
) -> HTMLResponse:
    """A scanned station label moves this device there, so one operator can walk a unit
    down the line with nothing but the scanner."""
    message = ("ok", "station_changed", station)
    response = _page(request, db, ctx, user, "", message, station=station)
    _remember(request, response, station)
    return response


def _remember(request: Request, response: Response, station: str) -> None:
    response.set_cookie(
        COOKIE,
        station,
        max_age=400 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=csrf.is_secure(request),
    )


@router.post("/forget")
def forget_station(request: Request) -> Response:
    """Choose another station."""
    response = RedirectResponse("/station", status_code=303)
    response.delete_cookie(COOKIE, httponly=True, samesite="lax", secure=csrf.is_secure(request))
    return response


def _send(
    db: Engine, ctx: Context, request: Request, event_id: str, command: Command
) -> tuple[str, str, str]:
    station = request.cookies.get(COOKIE) or None
    (outcome,) = services.events.record(db, ctx, [FloorEvent(event_id, command, station=station)])
    if outcome.error is not None:
        return ("refused", outcome.error.code, str(outcome.error))
    return ("ok", "", "")


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
    """One scan: a unit (start its step here), PASS / FAIL, a station label (work there
    from now on), or a part for the unit."""
    text = code.strip()
    event_id = event or uuid.uuid4().hex
    if not text:
        return _page(request, db, ctx, user, unit)
    if unit and text.upper() in PASS_WORDS | FAIL_WORDS:
        return _finish(request, db, ctx, user, unit, text.upper() in PASS_WORDS, "", event_id)
    try:
        shown = services.station.unit_at(db, ctx, text)
    except NotFoundError:
        shown = None  # not a unit made here: a part for the current unit
    # A finished unit scanned while another is at this station is a sub-assembly going in
    # (a battery pack into an e-bike), so it falls through to binding.
    except DomainError as error:
        return _page(request, db, ctx, user, unit, ("refused", error.code, str(error)), 409)
    if shown is not None and not (unit and shown.operation is None and text != unit):
        if shown.operation is not None and not shown.started:
            result = _send(db, ctx, request, event_id, StartStep(text, shown.operation))
            if result[0] == "refused":
                return _page(request, db, ctx, user, text, result, 409)
            return _page(request, db, ctx, user, text, ("ok", "step_started", shown.operation))
        return _page(request, db, ctx, user, text)
    if _is_station(db, ctx, text):
        return _at_station(request, db, ctx, user, text)
    if not unit:
        refusal = ("refused", "scan_a_unit_first", text)
        return _page(request, db, ctx, user, "", refusal, 409)
    result = _send(db, ctx, request, event_id, BindPart(unit, ComponentRef(scan=text)))
    if result[0] == "refused":
        return _page(request, db, ctx, user, unit, result, 409)
    return _page(request, db, ctx, user, unit, ("ok", "part_bound", text))


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
    shown = services.station.unit_at(db, ctx, unit)
    if shown.operation is None or not shown.started:
        refusal = ("refused", "step_not_started", unit)
        return _page(request, db, ctx, user, unit, refusal, 409)
    try:
        measured = {
            code: float(measurement(f"measurements.{code}", text)) for code, text in entered.items()
        }
    except InvalidInputError as error:
        refusal = ("refused", "bad_measurement", str(error))
        return _page(request, db, ctx, user, unit, refusal, 422, entered=entered)
    codes = tuple(c for c in defects.replace(",", " ").split() if c)
    command = CompleteStep(unit, shown.operation, passed, measured, codes)
    result = _send(db, ctx, request, event_id or uuid.uuid4().hex, command)
    if result[0] == "refused":
        return _page(request, db, ctx, user, unit, result, 409, entered=entered)
    done = ("ok", "passed" if passed else "failed", unit)
    return _page(request, db, ctx, user, "", done)
