"""Shapes shared by several routes."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from tracemes.domain import text
from tracemes.domain.characteristics import Characteristic

# Quantities and money go out as exact decimal strings ("2", "0.25"), never floats.
DecimalText = Annotated[
    Decimal, PlainSerializer(lambda d: format(d.normalize(), "f"), return_type=str)
]
# Numbers may come in as JSON numbers or strings; the domain checks them exactly
# (tracemes.domain.numbers: one rule for the API, the pages and the Excel import).
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
_TEXT = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"


def _number(
    description: str, *, minimum: int | None, exclusive: bool, places: bool
) -> WithJsonSchema:
    """The OpenAPI schema of a number or its text, with its declared range."""
    bounds: dict[str, Any] = {"exclusiveMaximum": 10**12}
    if minimum is None:
        bounds["exclusiveMinimum"] = -(10**12)
    else:
        bounds["exclusiveMinimum" if exclusive else "minimum"] = minimum
    precision = "at most 6 decimals, " if places else ""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", **bounds},
                {"type": "string", "pattern": _TEXT, "maxLength": 64},
            ],
            "description": f"{description}: {precision}below 10^12 in size; NaN and "
            'infinities are refused (a number or its text, e.g. 12.5 or "12.5")',
        }
    )


QuantityIn = Annotated[
    NumberIn, _number("A quantity above zero", minimum=0, exclusive=True, places=True)
]
CountIn = Annotated[
    NumberIn, _number("A quantity, zero or more", minimum=0, exclusive=False, places=True)
]
CostIn = Annotated[
    NumberIn, _number("Money, zero or more", minimum=0, exclusive=False, places=True)
]
SecondsIn = Annotated[
    NumberIn, _number("Seconds, zero or more", minimum=0, exclusive=False, places=True)
]
MeasurementIn = Annotated[
    NumberIn, _number("A measured value or limit", minimum=None, exclusive=False, places=False)
]
MeasuredFloat = Annotated[
    float,
    WithJsonSchema(
        {
            "type": "number",
            "exclusiveMinimum": -(10**12),
            "exclusiveMaximum": 10**12,
            "description": "A finite measured value below 10^12 in size",
        }
    ),
]
EventTime = Annotated[
    datetime,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "When it happened, with its UTC offset (Z or +08:00), "
            "from 1970-01-01 up to 2200-01-01; a time without an offset is refused",
        }
    ),
]


class Record(BaseModel):
    """An answer whose fields are a record's attributes of the same names, built with
    `model_validate(record)` rather than copied field by field."""

    model_config = ConfigDict(from_attributes=True)


class CharacteristicOut(BaseModel):
    """What an operation measures or judges (a routing's checks, a station's unit)."""

    code: str
    name: str
    kind: str
    unit: str | None
    lsl: DecimalText | None
    usl: DecimalText | None

    @classmethod
    def of(cls, check: Characteristic) -> "CharacteristicOut":
        return cls(
            code=check.code,
            name=check.name,
            kind=check.kind.value,
            unit=check.unit,
            lsl=check.lsl,
            usl=check.usl,
        )
