"""Times at the door: when something happened is an aware time between 1970 and 2200."""

from datetime import UTC, datetime

from tracemes.domain.errors import InvalidInputError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""No event, receipt or shipment happened before this."""
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Nor at or after this (a typo such as 9999 is refused, not stored)."""


def moment(field: str, value: datetime) -> datetime:
    """A time with its UTC offset, from 1970 up to (not including) 2200, as given."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            field,
            f"{value.isoformat()} has no UTC offset; "
            "add one, e.g. 2026-03-16T08:30:00Z or 2026-03-16T16:30:00+08:00",
        )
    # Years far out would overflow when moved to UTC: look at the local year first.
    if not EARLIEST.year <= value.year < LATEST.year or not (
        EARLIEST <= value.astimezone(UTC) < LATEST
    ):
        raise InvalidInputError(
            field, f"{value.isoformat()} is not between 1970-01-01 and 2200-01-01 (UTC)"
        )
    return value
