"""Printed documents: HTML templates (exports/templates) made into PDF by WeasyPrint."""

from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML

_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(),
)


def _number(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


_TEMPLATES.filters["number"] = _number


def render(template: str, **values: Any) -> bytes:
    """A template of exports/templates filled in and laid out as PDF."""
    html = _TEMPLATES.get_template(template).render(**values)
    document = HTML(string=html).write_pdf()
    assert document is not None  # write_pdf without a target returns the bytes
    return bytes(document)
