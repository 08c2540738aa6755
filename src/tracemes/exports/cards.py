"""The transfer card (流转单) of a production lot, as a PDF to print and carry with the lot.

The card is drawn from the lot's live state when it is asked for, never stored, so a
reprint always shows the current numbers. Its QR code holds the lot's page address: a
phone camera opens it, and a station's scanner types it into the scan field. Chinese text
needs a CJK font the PDF can embed (Noto Sans CJK from Debian's fonts-noto-cjk), which
WeasyPrint finds through fontconfig.
"""

from decimal import Decimal
from pathlib import Path
from typing import Literal

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML

from tracemes.services.batches import BatchView

Size = Literal["A5", "A6"]
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(),
)


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


_TEMPLATES.filters["number"] = _number


def transfer_card(view: BatchView, url: str, size: Size = "A6") -> bytes:
    """The card as PDF bytes: lot, item, order, a QR code of `url`, and per operation what
    came in, good, scrap, rework, in process and waiting."""
    qr = segno.make(url, error="m").svg_data_uri(scale=4, border=2)
    html = _TEMPLATES.get_template("transfer_card.html").render(
        view=view, url=url, qr=qr, size=size
    )
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)
