"""Shapes shared by several routes."""

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer

# Quantities and money go out as exact decimal strings ("2", "0.25"), never floats.
DecimalText = Annotated[
    Decimal, PlainSerializer(lambda d: format(d.normalize(), "f"), return_type=str)
]
# Numbers may come in as JSON numbers or strings; the domain checks them exactly.
NumberIn = int | float | str
