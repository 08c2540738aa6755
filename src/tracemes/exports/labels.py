"""Unit labels: a QR code (GS1 Digital Link where the item has a GTIN, else the serial), a
Code 128 of the serial, the item and the day made; as PDF (A4 sheets of 3 x 7 labels, or
one 60 x 40 mm label per page) and as ZPL for Zebra-compatible printers.

Opening the Digital Link on a phone reaches `/01/{gtin}/21/{serial}` on the configured public
URL, which shows the unit (see web.labels).
"""

import io
from collections.abc import Sequence
from typing import Literal
from urllib.parse import quote

import barcode
import segno
from barcode.writer import SVGWriter

from tracemes.exports import pdf as document
from tracemes.services.labels import LabelData

Layout = Literal["a4", "single"]
GS1_RESOLVER = "https://id.gs1.org"  # GS1's own Digital Link resolver, when no URL is set
DOTS_PER_MM = 8  # 203 dpi, the common Zebra resolution


def qr_content(label: LabelData, base_url: str) -> str:
    """A GS1 Digital Link URI on this server where the item has a GTIN, else the serial."""
    if label.gtin:
        return f"{base_url.rstrip('/')}/01/{label.gtin}/21/{quote(label.serial, safe='')}"
    return label.serial


def _code128(serial: str) -> str:
    out = io.BytesIO()
    symbol = barcode.get("code128", serial, writer=SVGWriter())
    symbol.write(out, options={"write_text": False, "module_height": 8.0, "quiet_zone": 2.0})
    return "data:image/svg+xml;charset=utf-8," + quote(out.getvalue().decode(), safe="")


def pdf(labels: Sequence[LabelData], base_url: str, layout: Layout = "a4") -> bytes:
    """The labels as one PDF."""
    drawn = [
        {
            "label": label,
            "qr": segno.make(qr_content(label, base_url), error="m").svg_data_uri(border=1),
            "code128": _code128(label.serial),
        }
        for label in labels
    ]
    return document.render("labels.html", labels=drawn, layout=layout)


def zpl(labels: Sequence[LabelData], base_url: str) -> str:
    """ZPL II for 60 x 40 mm labels at 203 dpi, one ^XA ... ^XZ block per label. Text is
    ASCII (item code, serial, date): Chinese names need a font loaded on the printer."""
    blocks = []
    width, height = 60 * DOTS_PER_MM, 40 * DOTS_PER_MM
    for label in labels:
        content = qr_content(label, base_url)
        blocks.append(
            "\n".join(
                [
                    "^XA",
                    "^CI28",  # UTF-8 field data
                    f"^PW{width}",
                    f"^LL{height}",
                    # ^FH\ before each ^FD: field data carries \XX hex escapes (below).
                    f"^FO16,16^BQN,2,4^FH\\^FDMA,{_field(content)}^FS",
                    f"^FO200,24^A0N,28,28^FH\\^FD{_field(label.item_code)}^FS",
                    f"^FO200,64^A0N,24,24^FH\\^FD{_field(label.made_on.isoformat())}^FS",
                    f"^FO200,104^A0N,24,24^FH\\^FD{_field(label.serial)}^FS",
                    f"^FO16,200^BY2^BCN,80,N,N,N^FH\\^FD{_field(label.serial)}^FS",
                    "^XZ",
                ]
            )
        )
    return "\n".join(blocks) + "\n"


def _field(text: str) -> str:
    """Field data that prints and scans as the text itself: ZPL's command characters (^ and
    ~), the hex indicator (\\) and control characters become \\XX escapes of their UTF-8
    bytes, so a serial like "A^XA" can neither end the field nor start a command."""
    return "".join(
        "".join(f"\\{byte:02X}" for byte in char.encode())
        if char in "^~\\" or not char.isprintable()
        else char
        for char in text
    )
