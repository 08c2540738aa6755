"""Shapes shared by several routes."""

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, PlainSerializer

from tracemes.domain import text

# Quantities and money go out as exact decimal strings ("2", "0.25"), never floats.
DecimalText = Annotated[
    Decimal, PlainSerializer(lambda d: format(d.normalize(), "f"), return_type=str)
]
# Numbers may come in as JSON numbers or strings; the domain checks them exactly.
NumberIn = int | float | str


def _one_line(value: str) -> str:
    found = text.problem(value)
    if found:
        raise ValueError(found)
    return value


def _lines(value: str) -> str:
    found = text.problem(value, multiline=True)
    if found:
        raise ValueError(found)
    return value


def _day(value: date) -> date:
    found = text.day_problem(value)
    if found:
        raise ValueError(found)
    return value


# Every text that comes in (JSON fields, form fields) is one of these two: no NUL, no
# control characters, no lone surrogates (tests/api/test_odd_input.py checks every route).
Text = Annotated[str, AfterValidator(_one_line)]
# Notes and reasons may also hold line breaks and tabs.
Note = Annotated[str, AfterValidator(_lines)]
# Every day that comes in (due dates, report periods) lies between 1970 and 2200.
Day = Annotated[date, AfterValidator(_day)]
