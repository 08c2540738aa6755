"""One entry point for every shop-floor event, about a unit or a production lot: what a
batch of them names (so the service loads it once), which rule applies, and what each
event is about."""

from collections.abc import Iterable
from dataclasses import dataclass

from tracemes.domain import genealogy, lot_events, production_lots, step_runs, unit_events
from tracemes.domain.event_types import EventType
from tracemes.domain.floor import Actor, Floor

UnitCommand = (
    step_runs.StartStep
    | step_runs.CompleteStep
    | genealogy.BindPart
    | genealogy.UnbindPart
    | unit_events.ScrapUnit
    | unit_events.ShipUnit
)
Command = UnitCommand | production_lots.LotCommand

EVENT_TYPES: dict[type[Command], EventType] = {
    step_runs.StartStep: EventType.STEP_STARTED,
    step_runs.CompleteStep: EventType.STEP_COMPLETED,
    genealogy.BindPart: EventType.PART_BOUND,
    genealogy.UnbindPart: EventType.PART_UNBOUND,
    unit_events.ScrapUnit: EventType.UNIT_SCRAPPED,
    unit_events.ShipUnit: EventType.UNIT_SHIPPED,
    production_lots.ReportLotStep: EventType.LOT_STEP_REPORTED,
    production_lots.TransferLot: EventType.LOT_TRANSFERRED,
    production_lots.SplitLot: EventType.LOT_SPLIT,
    production_lots.MergeLots: EventType.LOT_MERGED,
    production_lots.ConsumeMaterial: EventType.MATERIAL_CONSUMED,
    production_lots.ShipLot: EventType.LOT_SHIPPED,
}


@dataclass(frozen=True, slots=True)
class Named:
    """Everything a batch of events may touch, by the keys the events give: the floor
    loader reads these, and what they hold, in a fixed handful of statements."""

    units: frozenset[str] = frozenset()  # serials of the units the events are about
    parts: tuple[genealogy.ComponentRef, ...] = ()  # parts bound or unbound
    production_lots: frozenset[tuple[str, str]] = frozenset()  # (item, lot)
    materials: frozenset[tuple[str, str]] = frozenset()  # material lots drawn by lots
    lot_numbers: frozenset[tuple[str, str]] = frozenset()  # numbers a split may take
    split_prefixes: frozenset[tuple[str, str]] = frozenset()  # {lot}- numbering a split


def named(commands: Iterable[Command]) -> Named:
    """What these events name."""
    units: set[str] = set()
    parts: list[genealogy.ComponentRef] = []
    lots: set[tuple[str, str]] = set()
    materials: set[tuple[str, str]] = set()
    numbers: set[tuple[str, str]] = set()
    prefixes: set[tuple[str, str]] = set()
    for command in commands:
        if isinstance(command, production_lots.LotCommand):
            lots.add((command.item, command.lot))
            if isinstance(command, production_lots.MergeLots):
                lots.update((command.item, number) for number, _ in command.sources)
            elif isinstance(command, production_lots.ConsumeMaterial):
                materials.add((command.material, command.material_lot))
            elif isinstance(command, production_lots.SplitLot):
                if command.new_lot:
                    numbers.add((command.item, command.new_lot))
                else:
                    prefixes.add((command.item, f"{command.lot}-"))
            continue
        units.add(command.unit)
        if isinstance(command, genealogy.BindPart | genealogy.UnbindPart):
            parts.append(command.component)
    return Named(
        frozenset(units),
        tuple(parts),
        frozenset(lots),
        frozenset(materials),
        frozenset(numbers),
        frozenset(prefixes),
    )


def apply(floor: Floor, actor: Actor, command: Command) -> Command:
    """Apply one event to the floor, or raise a DomainError and change nothing. Returns the
    event as it happened, for the ledger (a binding names the item and quantity drawn, a
    split the number its new lot got)."""
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
        case _:
            return lot_events.apply(floor, actor, command)
    return command


def subjects(command: Command) -> tuple[str, ...]:
    """What an event is about: first the unit or lot, then any part or lot it names (for
    histories)."""
    if isinstance(command, production_lots.LotCommand):
        return lot_events.subjects(command)
    if isinstance(command, genealogy.BindPart | genealogy.UnbindPart):
        return (command.unit, command.component.subject)
    return (command.unit,)
