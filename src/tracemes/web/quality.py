"""Quality pages: the inspector's list of open inspections and the sample-by-sample page.

The inspection page is made for a phone in the receiving area: it says which sample is
next, asks for the plan's measurements (the cursor waits in the first) and offers the
defect codes as big check boxes; Enter records the sample and brings the next one. Every
form carries its own id, so a double tap records a sample once.
"""

import uuid
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.api.deps import CurrentPrincipal, Db, Quality, Reader, Text, page_router
from tracemes.domain.errors import ConflictError, DomainError
from tracemes.domain.holds import Disposition
from tracemes.domain.users import Principal
from tracemes.exports import inspection_report as report_pdf
from tracemes.services.context import Context
from tracemes.web.layout import inline_file, refusal_status, render

router = page_router("/quality")
CLOSED_SHOWN = 50  # closed nonconformances on the page, newest first
DECIDED_SHOWN = 20  # latest decided inspections on the quality page


@router.get("", response_class=HTMLResponse)
def quality_page(request: Request, db: Db, ctx: Reader, user: CurrentPrincipal) -> HTMLResponse:
    """Open inspections first, then the latest decisions."""
    values = {
        "open_ncrs": services.holds.open_nonconformances(db, ctx),
        "open": services.inspection.list_lots(db, ctx, "open"),
        "decided": services.inspection.list_lots(db, ctx, "decided", limit=DECIDED_SHOWN),
        "report": services.quality_report.report(db, ctx),
        "charts": services.quality_report.measured_characteristics(db, ctx),
        "sampled_charts": services.quality_report.sampled_characteristics(db, ctx),
    }
    return render(request, "quality/index.html", values, user=user)


@router.get("/yields", response_class=HTMLResponse)
def yields_page(
    request: Request, db: Db, ctx: Reader, user: CurrentPrincipal, item: str | None = None
) -> HTMLResponse:
    """Pass rate, first-pass yield and lot acceptance by plant day, last 30 days."""
    days = services.quality_report.daily(db, ctx, item_code=item or None)

    def percent(value: Decimal | None) -> float | None:
        return None if value is None else float(value * 100)

    data = {
        "days": [d.day.isoformat() for d in days],
        "pass_rate": [percent(d.pass_rate) for d in days],
        "fpy": [percent(d.first_pass_yield) for d in days],
        "acceptance": [percent(d.acceptance_rate) for d in days],
    }
    values = {"days": days, "item": item, "data": data}
    return render(request, "quality/yields.html", values, user=user)


@router.get("/nonconformances", response_class=HTMLResponse)
def nonconformances_page(
    request: Request, db: Db, ctx: Reader, user: CurrentPrincipal
) -> HTMLResponse:
    """Every hold as a nonconformance: open ones first, each closed with a disposition."""
    values = {
        "open": services.holds.nonconformances(db, ctx, "open"),
        "closed": services.holds.nonconformances(db, ctx, "closed", limit=CLOSED_SHOWN),
        "dispositions": [d.value for d in Disposition],
    }
    return render(request, "quality/nonconformances.html", values, user=user)


@router.post("/nonconformances/{hold}/close")
def close_nonconformance(
    hold: str,
    db: Db,
    ctx: Quality,
    disposition: Annotated[Text, Form()] = "",
    note: Annotated[Text, Form()] = "",
) -> Response:
    """Release the hold with a disposition. A second tap finds it closed as asked and
    shows it; closed meanwhile by someone else with another disposition is refused."""
    try:
        services.holds.release(db, ctx, hold, disposition, note.strip())
    except ConflictError as error:
        if error.code != "hold_released":
            raise
        taken = services.holds.get(db, ctx, hold).disposition
        if taken is None or taken.value != disposition:
            raise ConflictError(
                f"hold {hold} was already closed as {taken.value if taken else '?'}",
                code="hold_released",
            ) from None
    return RedirectResponse(f"/quality/nonconformances#{quote(hold)}", status_code=303)


@router.get("/spc", response_class=HTMLResponse)
def spc_page(
    request: Request,
    db: Db,
    ctx: Reader,
    user: CurrentPrincipal,
    characteristic: str,
    item: str = "",
    operation: str = "",
    plan: str = "",
) -> HTMLResponse:
    """An individuals chart of a value measured at a station step (item and operation) or
    on an inspection plan's samples (plan), last 30 days."""
    if plan:
        series = services.quality_report.sampled_series(db, ctx, plan, characteristic)
    else:
        series = services.quality_report.measured_series(db, ctx, item, operation, characteristic)
    chart = series.chart
    data = None
    if chart is not None:
        flagged = [p.value if p.rules else None for p in chart.main.points]
        data = {
            "values": list(series.values),
            "center": chart.main.center,
            "ucl": chart.main.ucl,
            "lcl": chart.main.lcl,
            "flagged": flagged,
        }
    values = {"series": series, "data": data, "sampled": bool(plan)}
    return render(request, "quality/spc.html", values, user=user)


def _page(
    request: Request,
    db: Engine,
    ctx: Context,
    user: Principal,
    number: str,
    message: tuple[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lot = services.inspection.get_lot(db, ctx, number)
    values = {
        "lot": lot,
        "counts": lot.counts,
        "next": lot.next_index,
        "message": message,  # (ok | refused, text)
        "event": uuid.uuid4().hex,
    }
    return render(request, "quality/inspection.html", values, user=user, status_code=status_code)


@router.get("/supplier-chart", response_class=HTMLResponse)
def supplier_chart(
    request: Request, db: Db, ctx: Reader, user: CurrentPrincipal, supplier: str
) -> HTMLResponse:
    """A p chart of a supplier's inspected lots, last 30 days."""
    found = services.quality_report.supplier_p_chart(db, ctx, supplier)
    data = None
    if found.chart is not None:
        points = found.chart.main.points
        data = {
            "values": [p.value for p in points],
            "center": found.chart.main.center,
            "ucl": [p.ucl for p in points],
            "lcl": [p.lcl for p in points],
            "flagged": [p.value if p.rules else None for p in points],
        }
    values = {"found": found, "data": data}
    return render(request, "quality/supplier_chart.html", values, user=user)


@router.get("/inspections/{number}", response_class=HTMLResponse)
def inspection_page(
    request: Request, number: str, db: Db, ctx: Reader, user: CurrentPrincipal
) -> HTMLResponse:
    """One inspection lot: plans per class, samples so far, the next sample's form."""
    return _page(request, db, ctx, user, number)


@router.post("/final-inspections")
def open_final_inspection(
    db: Db, ctx: Quality, work_order: Annotated[Text, Form()] = ""
) -> Response:
    """Open a work order's final inspection and go to it."""
    lot = services.inspection.open_final(db, ctx, work_order)
    return RedirectResponse(f"/quality/inspections/{quote(lot.number)}", status_code=303)


@router.get("/inspections/{number}/report.pdf")
def inspection_report(number: str, db: Db, ctx: Reader) -> Response:
    """The inspection report to print or send (A4 PDF), from the lot as it stands."""
    lot = services.inspection.get_lot(db, ctx, number)
    document = report_pdf.inspection_report(lot, f"{ctx.now:%Y-%m-%d %H:%M} UTC")
    return inline_file(document, "application/pdf", f"{number}.pdf")


@router.post("/in-process-inspections")
def open_in_process_inspection(
    db: Db,
    ctx: Quality,
    work_order: Annotated[Text, Form()] = "",
    operation: Annotated[Text, Form()] = "",
) -> Response:
    """Open an in-process inspection of a work order at an operation and go to it; when it
    is open already (a double tap, a colleague), go to that one."""
    try:
        number = services.inspection.open_in_process(db, ctx, work_order, operation).number
    except ConflictError as error:
        already = services.inspection.open_number(db, ctx, work_order, operation)
        if error.code != "inspection_open" or already is None:
            raise
        number = already
    return RedirectResponse(f"/quality/inspections/{quote(number)}", status_code=303)


@router.post("/inspections/{number}/samples", response_class=HTMLResponse)
def record_sample(
    request: Request,
    number: str,
    db: Db,
    ctx: Quality,
    user: CurrentPrincipal,
    index: Annotated[int, Form()],
    event: Annotated[Text, Form()] = "",
    check: Annotated[list[Text] | None, Form()] = None,
    value: Annotated[list[Text] | None, Form()] = None,
    defect: Annotated[list[Text] | None, Form()] = None,
) -> HTMLResponse:
    """Record one sample: its measured values and the defects found on it."""
    measured = {c: v.strip() for c, v in zip(check or [], value or [], strict=False) if v.strip()}
    sample = (event or uuid.uuid4().hex, index, measured, defect or [])
    try:
        services.inspection.record(db, ctx, number, [sample])
    except DomainError as error:
        refused = ("refused", str(error))
        return _page(request, db, ctx, user, number, refused, refusal_status(error))
    return _page(request, db, ctx, user, number, ("ok", str(index)))


@router.post("/inspections/{number}/decide", response_class=HTMLResponse)
def decide(
    request: Request, number: str, db: Db, ctx: Quality, user: CurrentPrincipal
) -> HTMLResponse:
    """Accept or reject the lot by Ac/Re (a rejection holds it)."""
    try:
        services.inspection.decide(db, ctx, number)
    except DomainError as error:
        refused = ("refused", str(error))
        return _page(request, db, ctx, user, number, refused, refusal_status(error))
    return _page(request, db, ctx, user, number)
