"""Production lot pages: the live card of one lot, and its transfer card as PDF."""

from typing import Literal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from tracemes import services
from tracemes.api import deps
from tracemes.api.deps import CurrentPrincipal, Db, Reader, page_router
from tracemes.exports import cards
from tracemes.web.layout import inline_file, render

router = page_router("/lots")


def lot_url(request: Request, item: str, lot: str) -> str:
    """The page of a lot, as its transfer card's QR code carries it: on TRACEMES_PUBLIC_URL,
    or the bare path when none is set; never on the Host header a request happened to send."""
    base = deps.settings_of(request).public_url
    return f"{base}/lots/{quote(item, safe='')}/{quote(lot, safe='')}"


@router.get("/{item}/{lot}", response_class=HTMLResponse)
def lot_page(
    request: Request, item: str, lot: str, db: Db, ctx: Reader, user: CurrentPrincipal
) -> HTMLResponse:
    """Where the lot is: per operation what came in, good, scrap, rework, in process."""
    view = services.production_lots.get(db, ctx, item, lot)
    return render(request, "production_lots/lot.html", {"view": view}, user=user)


@router.get("/{item}/{lot}/card.pdf")
def transfer_card(
    request: Request, item: str, lot: str, db: Db, ctx: Reader, size: Literal["A6", "A5"] = "A6"
) -> Response:
    """The lot's transfer card to print (A6 by default, or A5), drawn from its live state."""
    view = services.production_lots.get(db, ctx, item, lot)
    pdf = cards.transfer_card(view, lot_url(request, item, lot), size)
    return inline_file(pdf, "application/pdf", f"card-{item}-{lot}.pdf")
