"""The rules of events about production lots, applied on the floor like unit events.

A step report, a transfer, a split, a merge, material consumed or a shipment: each is
checked against the lot's tallies (domain.production_lots) and the lots on the floor, and either
changes the floor or raises a DomainError in the operator's words and changes nothing.
Nothing here reads the database: the service loads every lot a batch names first,
including the numbers a split may not take.
"""

from dataclasses import replace
from decimal import Decimal

from tracemes.domain import production_lots
from tracemes.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tracemes.domain.floor import (
    Actor,
    BindingState,
    Floor,
    LotShipment,
    LotState,
    ProductionLotState,
)
from tracemes.domain.genealogy import check_lot
from tracemes.domain.production_lots import (
    ConsumeMaterial,
    LotCommand,
    MergeLots,
    ProductionLot,
    ReportLotStep,
    ShipLot,
    SplitLot,
    TransferLot,
)


def apply(floor: Floor, actor: Actor, command: LotCommand) -> LotCommand:
    """Apply one lot event to the floor, or raise and change nothing. Returns the event as
    it happened (a split names the number its new lot got)."""
    target = floor.production_lot(command.item, command.lot)
    lot = target.lot
    match command:
        case ReportLotStep():
            defects = dict(command.defects)
            production_lots.report(
                lot, command.operation, command.good, command.scrap, command.rework, defects
            )
        case TransferLot():
            if production_lots.transfer(lot, command.operation, command.quantity) is None:
                target.stock.remaining += command.quantity  # into stock after the last one
                target.stock.changed = True
        case SplitLot():
            number = command.new_lot or _next_number(floor, lot)
            if floor.lot_number_taken(lot.item_code, number):
                raise ConflictError(
                    f"lot {number} of {lot.item_code} already exists", code="already_exists"
                )
            child = production_lots.split(lot, command.operation, command.quantity, number)
            stock = LotState(None, lot.item_code, number, Decimal(0))
            floor.open_lot(ProductionLotState(child, stock, target.plan))
            _edge(floor, actor, stock, target.stock, command.quantity, command.operation)
            return replace(command, new_lot=number)
        case MergeLots():
            sources = [(floor.production_lot(command.item, n), q) for n, q in command.sources]
            check_merge(lot, [(source.lot, q) for source, q in sources], command.operation)
            for source, quantity in sources:
                production_lots.merge(lot, source.lot, command.operation, quantity)
                target.merged_in += quantity
                _edge(floor, actor, target.stock, source.stock, quantity, command.operation)
        case ConsumeMaterial():
            _consume(floor, actor, target, command)
        case ShipLot():
            production_lots.ship(lot, target.stock.remaining, command.quantity)
            target.stock.remaining -= command.quantity
            target.stock.changed = True
            floor.ship_lot(
                LotShipment(
                    target.stock,
                    command.quantity,
                    command.customer,
                    command.sales_order,
                    command.delivery,
                    actor.occurred_at,
                )
            )
    return command


def _consume(
    floor: Floor, actor: Actor, target: ProductionLotState, command: ConsumeMaterial
) -> None:
    """Book a quantity of a material lot into a production lot, within its BOM."""
    material = floor.lot(command.material, command.material_lot)
    if material is None:
        raise NotFoundError(f"lot of {command.material}", command.material_lot)
    requirement = target.plan.requirements.get(command.material)
    if requirement is None:
        raise ConflictError(
            f"{command.material} is not in the BOM of {target.lot.item_code}", code="not_in_bom"
        )
    if command.operation is not None:
        target.lot.tally(command.operation)  # one of the lot's operations, or refused
    check_lot(material, command.quantity)
    production_lots.check_consumption(
        target.lot, command.material, command.quantity, requirement.quantity, command.reason
    )
    material.remaining -= command.quantity
    material.changed = True
    operation = command.operation or requirement.operation
    _edge(floor, actor, target.stock, material, command.quantity, operation)


def check_merge(
    target: ProductionLot, sources: list[tuple[ProductionLot, Decimal]], operation: str
) -> None:
    """Check every source before any moves, so a refused merge changes nothing."""
    wanted: dict[str, Decimal] = {}
    for source, quantity in sources:
        if quantity <= 0:
            raise InvalidInputError("lots", f"merge a quantity above zero, not {quantity}")
        wanted[source.lot] = wanted.get(source.lot, Decimal(0)) + quantity
        if source is target:
            raise InvalidInputError("lots", f"lot {target.lot} cannot be merged into itself")
        if (source.item_code, source.operations) != (target.item_code, target.operations):
            raise ConflictError(
                f"lot {source.lot} and lot {target.lot} do not follow the same item and routing",
                code="merge_not_allowed",
            )
        if source.on_hold:
            raise ConflictError(f"lot {source.lot} is on hold", code="lot_on_hold")
        available = source.tally(operation).in_process
        if wanted[source.lot] > available:
            raise ConflictError(
                f"lot {source.lot} at {operation}: cannot merge away {wanted[source.lot]}; "
                f"only {available} is in process",
                code="quantity_balance",
            )


def _next_number(floor: Floor, lot: ProductionLot) -> str:
    """The first free {lot}-{n}: the number a split lot gets when none is given."""
    n = 1
    while floor.lot_number_taken(lot.item_code, f"{lot.lot}-{n}"):
        n += 1
    return f"{lot.lot}-{n}"


def _edge(
    floor: Floor,
    actor: Actor,
    parent: LotState,
    child: LotState,
    quantity: Decimal,
    operation: str | None,
) -> None:
    """A genealogy edge from a lot to what went into it."""
    floor.bind(
        BindingState(
            id=None,
            parent=parent,
            child=child,
            item_code=child.item_code,
            quantity=quantity,
            operation=operation,
            station_id=actor.station_id,
            operator_id=actor.operator_id,
            bound_at=actor.occurred_at,
        )
    )


def subjects(command: LotCommand) -> tuple[str, ...]:
    """What a lot event is about: the lot, then the other lots it names."""
    own = f"{command.item}/{command.lot}"
    match command:
        case SplitLot() if command.new_lot:
            return (own, f"{command.item}/{command.new_lot}")
        case MergeLots():
            return (own, *(f"{command.item}/{number}" for number, _ in command.sources))
        case ConsumeMaterial():
            return (own, f"{command.material}/{command.material_lot}")
    return (own,)
