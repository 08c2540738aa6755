"""Items (material definitions): what is made or bought, and how it is tracked."""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tracemes.domain import codes, gs1, numbers, serials
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
        return serials.in_force(self.serial_pattern)


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
            else numbers.cost("standard_cost", standard_cost)
        ),
        serial_pattern=serial_pattern or None,
    )
