"""Units: serialised instances of an item made under a work order."""

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from tracemes.domain.errors import InvalidInputError, NotFoundError


class UnitStatus(StrEnum):
    """Where a unit is in its life."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    REWORK = "rework"
    COMPLETED = "completed"
    SCRAPPED = "scrapped"
    SHIPPED = "shipped"
    RECEIVED = "received"  # a purchased serialised part, in stock until bound


STARTED = frozenset(
    {
        UnitStatus.IN_PROGRESS,
        UnitStatus.REWORK,
        UnitStatus.COMPLETED,
        UnitStatus.SCRAPPED,
        UnitStatus.SHIPPED,
    }
)
FINISHED = frozenset({UnitStatus.COMPLETED, UnitStatus.SHIPPED})
GONE = frozenset({UnitStatus.SCRAPPED, UnitStatus.SHIPPED})  # no longer in the factory


# Status by stored value: a dict lookup, where calling the enum costs microseconds per row on
# traces of tens of thousands of units.
BY_VALUE: dict[str, UnitStatus] = {status.value: status for status in UnitStatus}


T = TypeVar("T")


def addressed(
    serial: str,
    candidates: Sequence[T],
    item_of: Callable[[T], str],
    made_here: Callable[[T], bool],
) -> T:
    """The unit a serial names: one made here wins over bought-in parts with the same
    serial; two of either kind are ambiguous, none is not found."""
    chosen = [c for c in candidates if made_here(c)] or list(candidates)
    if not chosen:
        raise NotFoundError("unit", serial)
    if len(chosen) > 1:
        items = ", ".join(sorted(item_of(c) for c in chosen))
        raise InvalidInputError(
            "unit", f"serial {serial} belongs to several items ({items})", code="ambiguous_serial"
        )
    return chosen[0]
