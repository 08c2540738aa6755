"""Label downloads (a work order's units, or one unit) and the GS1 Digital Link landing."""

from typing import Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from tracemes import services
from tracemes.api import deps
from tracemes.api.deps import Db, Reader, page_router
from tracemes.exports import labels
from tracemes.web.layout import inline_file

router = page_router()
PDF = "application/pdf"
ZPL = "application/vnd.zebra-zpl; charset=utf-8"


def _base(request: Request) -> str:
    """Where QR codes lead: TRACEMES_PUBLIC_URL, else GS1's resolver; never the Host header,
    which anyone can set and which a proxy may have rewritten."""
    return deps.settings_of(request).public_url or labels.GS1_RESOLVER


@router.get("/work-orders/{code}/labels.pdf")
def order_labels_pdf(
    request: Request, code: str, db: Db, ctx: Reader, layout: labels.Layout = "a4"
) -> Response:
    """Labels of every live unit of the order: A4 sheets of 3 x 7, or 60 x 40 mm each."""
    found = services.labels.of_work_order(db, ctx, code)
    return inline_file(labels.pdf(found, _base(request), layout), PDF, f"labels-{code}.pdf")


@router.get("/work-orders/{code}/labels.zpl")
def order_labels_zpl(request: Request, code: str, db: Db, ctx: Reader) -> Response:
    """The same labels as ZPL II for a Zebra-compatible printer (60 x 40 mm, 203 dpi)."""
    found = services.labels.of_work_order(db, ctx, code)
    return inline_file(labels.zpl(found, _base(request)), ZPL, f"labels-{code}.zpl")


@router.get("/units/{serial}/label.pdf")
def unit_label_pdf(
    request: Request,
    serial: str,
    db: Db,
    ctx: Reader,
    layout: Literal["single", "a4"] = "single",
) -> Response:
    """One unit's label (a reprint), 60 x 40 mm by default."""
    found = services.labels.of_serial(db, ctx, serial)
    return inline_file(labels.pdf([found], _base(request), layout), PDF, f"label-{serial}.pdf")


@router.get("/01/{gtin}/21/{serial}")
def digital_link(gtin: str, serial: str, db: Db, ctx: Reader) -> Response:
    """Where a unit label's QR code leads (GS1 Digital Link): the unit's trace page."""
    found = services.labels.serial_of_gtin(db, ctx, gtin, serial)
    return RedirectResponse(f"/trace?q={quote(found, safe='')}", status_code=303)
