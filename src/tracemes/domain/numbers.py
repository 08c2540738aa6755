"""Numbers at the door: one range and one precision for every quantity, cost and measurement.

Quantities and costs are stored as NUMERIC(20, 6): up to 14 digits before the point and 6
after. What comes in is held to less than 10^12 (a million million) with at most 6 decimals,
so nothing is rounded on the way into either database, and totals of many inputs (a lot's
tallies, merged lots, stock sums) still fit the columns. Measurements are any finite number
of less than 10^12 in size; they are kept as they come (exact text or a double).
"""

from decimal import Decimal, InvalidOperation

from tracemes.domain.errors import InvalidInputError

LIMIT = Decimal(10) ** 12
"""Every quantity, cost, time and measurement is smaller than this in size."""
PLACES = 6
"""Decimals a quantity, cost or time may have: the store's scale."""
MAX_TEXT = 64
"""Longest number text read (a 6-decimal number below 10^12 needs 20 characters)."""
MAX_ID = 2**31 - 1
"""Largest id a record can have (ids are 32-bit): a larger one names nothing."""

_STEP = Decimal(1).scaleb(-PLACES)


def _shown(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 200:
        return "a whole number of more than 60 digits"
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


def finite(field: str, value: object) -> Decimal:
    """A finite decimal smaller than 10^12 in size, from a number or its text (floats via
    str(), so 0.1 stays 0.1). NaN, infinities and text such as "1e400" are refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int | str):
        raise InvalidInputError(field, f"{_shown(value)} is not a number")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise InvalidInputError(field, f"a number of at most {MAX_TEXT} characters, not longer")
    try:
        number = (
            value
            if isinstance(value, Decimal)
            else Decimal(value)
            if isinstance(value, int)
            else Decimal(str(value).strip())
        )
    except InvalidOperation:
        raise InvalidInputError(field, f"{_shown(value)} is not a number") from None
    if not number.is_finite():
        raise InvalidInputError(field, f"{_shown(value)} is not a finite number")
    if number.copy_abs() >= LIMIT:
        raise InvalidInputError(
            field, f"{_shown(value)} is too large: numbers here are below 10^12 in size"
        )
    return number.copy_abs() if number.is_zero() else number  # -0 is 0


def exact(field: str, value: object) -> Decimal:
    """A finite decimal below 10^12 in size with at most 6 decimals (more is refused, never
    rounded: the store keeps 6)."""
    number = finite(field, value)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -PLACES:
        return number
    rounded = number.quantize(_STEP)
    if rounded != number:
        raise InvalidInputError(
            field, f"{_shown(value)} has more than {PLACES} decimals; at most {PLACES} are kept"
        )
    return rounded  # the same number without its trailing zeros past the sixth decimal


def quantity(field: str, value: object, *, allow_zero: bool = False) -> Decimal:
    """A quantity: above zero (zero or more when `allow_zero`), below 10^12, 6 decimals."""
    number = exact(field, value)
    if number <= 0 and not allow_zero:
        raise InvalidInputError(field, f"must be greater than zero, got {number}")
    if number < 0:
        raise InvalidInputError(field, f"must not be negative, got {number}")
    return number


def cost(field: str, value: object) -> Decimal:
    """Money (a standard or unit cost): zero or more, below 10^12, at most 6 decimals."""
    return _non_negative(field, value)


def seconds(field: str, value: object) -> Decimal:
    """A duration in seconds (a standard time): zero or more, below 10^12, 6 decimals."""
    return _non_negative(field, value)


def _non_negative(field: str, value: object) -> Decimal:
    number = exact(field, value)
    if number < 0:
        raise InvalidInputError(field, f"must not be negative, got {number}")
    return number


def measurement(field: str, value: object) -> Decimal:
    """A measured value or a limit: finite, negative allowed, below 10^12 in size."""
    return finite(field, value)
