"""Items (material definitions): what is made or bought, and how it is tracked."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from tracemes.domain import codes, gs1, serials
from tracemes.domain.errors import InvalidInputError


class Tracking(StrEnum):
    """How instances of an item are identified on the floor."""

    SERIAL = "serial"
    LOT = "lot"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Item:
    """A part number with its unit of measure, tracking mode and standard cost."""

    code: str
    name: str
    uom: str
    tracking: Tracking
    gtin: str | None = None
    standard_cost: Decimal | None = None
    serial_pattern: str | None = None

    @property
    def pattern(self) -> serials.SerialPattern:
        """The serial pattern in force (the default when none was set)."""
        return serials.parse(self.serial_pattern or serials.DEFAULT_PATTERN)


def to_decimal(field: str, value: object, *, positive: bool = False) -> Decimal:
    """A decimal from a number or numeric string; floats go through str() to keep 0.1 exact."""
    if isinstance(value, bool):
        raise InvalidInputError(field, f"{value!r} is not a number")
    try:
        number = (
            Decimal(str(value).strip()) if isinstance(value, Decimal | float | int | str) else None
        )
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidInputError(field, f"{value!r} is not a number")
    if positive and number <= 0:
        raise InvalidInputError(field, f"must be greater than zero, got {number}")
    if number < 0:
        raise InvalidInputError(field, f"must not be negative, got {number}")
    return number


def parse_tracking(value: str) -> Tracking:
    """A tracking mode from its name."""
    try:
        return Tracking(value)
    except ValueError:
        raise InvalidInputError("tracking", f"{value!r} is not serial, lot or none") from None


def new(
    code: str,
    name: str,
    uom: str,
    tracking: str,
    gtin: str | None = None,
    standard_cost: object = None,
    serial_pattern: str | None = None,
) -> Item:
    """Check every field of a new or changed item and return it."""
    mode = parse_tracking(tracking)
    if serial_pattern and mode is Tracking.NONE:
        raise InvalidInputError(
            "serial_pattern",
            "only serial- and lot-tracked items have a pattern (serials, production lot numbers)",
        )
    if serial_pattern:
        serials.parse(serial_pattern)
    return Item(
        code=codes.check("code", code),
        name=codes.check_name("name", name),
        uom=codes.check("uom", uom),
        tracking=mode,
        gtin=gs1.check_gtin(gtin) if gtin else None,
        standard_cost=(
            None
            if standard_cost is None or standard_cost == ""
            else to_decimal("standard_cost", standard_cost)
        ),
        serial_pattern=serial_pattern or None,
    )
