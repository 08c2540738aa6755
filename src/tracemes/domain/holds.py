"""Quality holds: stop units and lots from moving on until someone decides what to do."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tracemes.domain.errors import InvalidInputError
from tracemes.domain.inspection import LotVerdict


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


@dataclass(frozen=True, slots=True)
class Nonconformance:
    """A hold seen as a nonconformance record (NCR): raised by a rejected inspection (its
    lot, subject and verdict) or by hand (its reason alone), what it stopped, and once
    closed the disposition, who decided it and when."""

    hold: str
    reason: str
    raised_at: datetime
    raised_by: str | None
    held_units: int
    held_lots: int
    released_at: datetime | None
    released_by: str | None
    disposition: str | None
    note: str | None
    inspection: str | None  # the rejected inspection lot's number, if any
    item: str | None
    lot: str | None
    work_order: str | None
    operation: str | None
    supplier: str | None
    decided_at: datetime | None
    verdict: LotVerdict | None

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why: the inspection's reasons, or the hold's own."""
        return (self.verdict.reasons if self.verdict else ()) or (self.reason,)

    @property
    def shipped(self) -> tuple[str, ...]:
        """Finished units the rejected lot reached that had already left: a recall."""
        return (self.verdict.shipped if self.verdict else None) or ()


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
