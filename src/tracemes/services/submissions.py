"""What a station or integrator sends (an event with its client id) and what it gets back."""

from dataclasses import dataclass
from datetime import datetime

from tracemes.domain import times
from tracemes.domain.errors import DomainError, InvalidInputError
from tracemes.domain.floor import Actor
from tracemes.domain.shop_floor import Command
from tracemes.services.context import Context


@dataclass(frozen=True, slots=True)
class FloorEvent:
    """One event as a station or integrator sent it: about a unit, or about a lot."""

    event_id: str
    command: Command
    occurred_at: datetime | None = None
    station: str | None = None
    operator: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one event: accepted (now or earlier), or refused and why."""

    event_id: str
    error: DomainError | None = None

    @property
    def accepted(self) -> bool:
        """Whether the event is in the ledger."""
        return self.error is None


def actor_of(
    ctx: Context, event: FloorEvent, stations: dict[str, int], operators: dict[str, int]
) -> Actor:
    """When, where and by whom an event happened, with station and operator ids resolved."""
    occurred_at = ctx.now if event.occurred_at is None else times.moment("at", event.occurred_at)
    station_id = None
    if event.station is not None:
        station_id = stations.get(event.station)
        if station_id is None:
            raise InvalidInputError(
                "station", f"unknown station {event.station}", code="unknown_station"
            )
    operator_id = ctx.user_id
    if event.operator is not None:
        found = operators.get(event.operator)
        if found is None:
            raise InvalidInputError(
                "operator", f"unknown operator {event.operator}", code="unknown_operator"
            )
        operator_id = found
    return Actor(occurred_at, station_id, operator_id)
