"""Units: serialised instances of an item made under a work order."""

from enum import StrEnum


class UnitStatus(StrEnum):
    """Where a unit is in its life."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    REWORK = "rework"
    COMPLETED = "completed"
    SCRAPPED = "scrapped"
    SHIPPED = "shipped"


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
