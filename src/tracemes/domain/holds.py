"""Quality holds: stop units and lots from moving on until someone decides what to do."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tracemes.domain.errors import InvalidInputError


class Disposition(StrEnum):
    """What is done with what a hold covered when it is released."""

    USE_AS_IS = "use_as_is"
    REWORK = "rework"
    SCRAP = "scrap"
    RETURN_TO_SUPPLIER = "return_to_supplier"


@dataclass(frozen=True, slots=True)
class Hold:
    """A hold and everything it covers."""

    code: str
    reason: str
    units: tuple[str, ...]
    lots: tuple[tuple[str, str], ...]
    created_at: datetime
    released_at: datetime | None = None
    disposition: Disposition | None = None
    note: str | None = None


def check_reason(reason: str) -> str:
    """A hold says why."""
    if not reason.strip():
        raise InvalidInputError("reason", "say why these are held")
    return reason.strip()


def parse_disposition(value: str) -> Disposition:
    """A disposition from its name."""
    try:
        return Disposition(value)
    except ValueError:
        names = ", ".join(d.value for d in Disposition)
        raise InvalidInputError("disposition", f"{value!r} is not one of {names}") from None
