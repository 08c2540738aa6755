"""One entry point for every shop-floor event: which rule applies, and what it is about."""

from tracemes.domain import genealogy, step_runs, unit_events
from tracemes.domain.event_types import EventType
from tracemes.domain.floor import Actor, Floor

Command = (
    step_runs.StartStep
    | step_runs.CompleteStep
    | genealogy.BindPart
    | genealogy.UnbindPart
    | unit_events.ScrapUnit
    | unit_events.ShipUnit
)

EVENT_TYPES: dict[type[Command], EventType] = {
    step_runs.StartStep: EventType.STEP_STARTED,
    step_runs.CompleteStep: EventType.STEP_COMPLETED,
    genealogy.BindPart: EventType.PART_BOUND,
    genealogy.UnbindPart: EventType.PART_UNBOUND,
    unit_events.ScrapUnit: EventType.UNIT_SCRAPPED,
    unit_events.ShipUnit: EventType.UNIT_SHIPPED,
}


def apply(floor: Floor, actor: Actor, command: Command) -> Command:
    """Apply one event to the floor, or raise a DomainError and change nothing. Returns the
    event as it happened, for the ledger (a binding names the item and quantity drawn)."""
    match command:
        case step_runs.StartStep():
            step_runs.start(floor, actor, command)
        case step_runs.CompleteStep():
            step_runs.complete(floor, actor, command)
        case genealogy.BindPart():
            return genealogy.bind(floor, actor, command)
        case genealogy.UnbindPart():
            genealogy.unbind(floor, actor, command)
        case unit_events.ScrapUnit():
            unit_events.scrap(floor, actor, command)
        case unit_events.ShipUnit():
            unit_events.ship(floor, actor, command)
    return command


def subjects(command: Command) -> tuple[str, ...]:
    """What an event is about, first the unit, then any part it names (for histories)."""
    if isinstance(command, genealogy.BindPart | genealogy.UnbindPart):
        return (command.unit, command.component.subject)
    return (command.unit,)
