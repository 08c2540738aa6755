"""The transfer card (流转单) of a production lot, as a PDF to print and carry with the lot.

The card is drawn from the lot's live state when it is asked for, never stored, so a
reprint always shows the current numbers. Its QR code holds the lot's page address, which a
phone camera opens (the station page does not take it yet). Chinese text
needs a CJK font the PDF can embed (Noto Sans CJK from Debian's fonts-noto-cjk), which
WeasyPrint finds through fontconfig.
"""

from typing import Literal

import segno

from tracemes.exports import pdf
from tracemes.services.production_lots import ProductionLotView

Size = Literal["A5", "A6"]


def transfer_card(view: ProductionLotView, url: str, size: Size = "A6") -> bytes:
    """The card as PDF bytes: lot, item, order, a QR code of `url`, and per operation what
    came in, good, scrap, rework, in process and waiting."""
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    return pdf.render("transfer_card.html", view=view, url=url, qr=qr, size=size)
