"""Batch flow: a production lot carries a quantity through its routing, in parts.

Each operation of a lot keeps a tally. What arrives (`received`: the start quantity at the
first operation, transfers from the one before, rework sent back, quantities split or
merged in) is either reported (`good`, `scrap`, `rework`), moved to another lot (`moved`:
split off or merged away), or still in process. Good quantity goes on (`sent`) to the next
operation, or into stock after the last one, in as many partial transfers as the floor
likes, while the rest is still being worked. The balance

    received = good + scrap + rework + moved + in process,   in process >= 0,
    sent <= good

holds after every step; a step that would break it is refused with the numbers that do
not add up, and changes nothing.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tracemes.domain import numbers
from tracemes.domain.errors import ConflictError, InvalidInputError
from tracemes.domain.event_types import EventType
from tracemes.domain.routings import Operation

ZERO = Decimal(0)
# Material booked into a lot beyond its BOM quantity by more than this share needs a reason.
CONSUMPTION_TOLERANCE = Decimal("0.05")


@dataclass(slots=True)
class Tally:
    """One operation of one lot: what came in and what became of it."""

    received: Decimal = ZERO
    good: Decimal = ZERO
    scrap: Decimal = ZERO
    rework: Decimal = ZERO
    moved: Decimal = ZERO
    sent: Decimal = ZERO
    defects: dict[str, Decimal] = field(default_factory=dict)

    @property
    def in_process(self) -> Decimal:
        """Arrived and not yet reported or moved away."""
        return self.received - self.good - self.scrap - self.rework - self.moved

    @property
    def waiting(self) -> Decimal:
        """Reported good and not yet sent on."""
        return self.good - self.sent

    @property
    def reported(self) -> Decimal:
        """Good, scrap and rework reported so far."""
        return self.good + self.scrap + self.rework

    @property
    def yield_rate(self) -> Decimal | None:
        """Good over everything reported; None before the first report."""
        reported = self.reported
        return None if reported == 0 else self.good / reported


@dataclass(slots=True, eq=False)
class ProductionLot:
    """A production lot of one work order, with a tally per operation of its routing."""

    item_code: str
    lot: str
    work_order: str
    operations: tuple[Operation, ...]
    started: Decimal
    tallies: dict[str, Tally]
    consumed: dict[str, Decimal] = field(default_factory=dict)  # material item -> quantity
    on_hold: bool = False
    changed: bool = False

    def tally(self, operation: str) -> Tally:
        """The tally of one of the lot's operations."""
        found = self.tallies.get(operation)
        if found is None:
            known = ", ".join(op.code for op in self.operations)
            raise InvalidInputError(
                "operation", f"{operation} is not an operation of lot {self.lot} ({known})"
            )
        return found

    @property
    def finished(self) -> Decimal:
        """Good quantity sent on from the last operation: the lot's stock."""
        return self.tallies[self.operations[-1].code].sent

    @property
    def work_in_process(self) -> Decimal:
        """Quantity still in the routing: in process, or reported good and not sent on."""
        return sum((t.in_process + t.waiting for t in self.tallies.values()), ZERO)

    @property
    def scrapped(self) -> Decimal:
        """Scrap reported at every operation."""
        return sum((t.scrap for t in self.tallies.values()), ZERO)


def start(
    item_code: str,
    lot: str,
    work_order: str,
    operations: Sequence[Operation],
    quantity: Decimal,
) -> ProductionLot:
    """A new lot with its whole quantity arrived at the first operation."""
    if quantity <= 0:
        raise InvalidInputError("quantity", f"a lot needs a quantity above zero, not {quantity}")
    tallies = {op.code: Tally() for op in operations}
    tallies[operations[0].code].received = quantity
    return ProductionLot(item_code, lot, work_order, tuple(operations), quantity, tallies)


def _check_open(lot: ProductionLot) -> None:
    if lot.on_hold:
        raise ConflictError(f"lot {lot.lot} is on hold", code="lot_on_hold")


def report(
    lot: ProductionLot,
    operation: str,
    good: Decimal,
    scrap: Decimal = ZERO,
    rework: Decimal = ZERO,
    defects: Mapping[str, Decimal] | None = None,
) -> None:
    """Report what an operation made of part of what is in process there.

    Rework goes back into process at the operation's rework operation (itself by default).
    Scrap may name its defect codes; their quantities may not exceed the scrap reported.
    """
    _check_open(lot)
    tally = lot.tally(operation)
    for name, value in (("good", good), ("scrap", scrap), ("rework", rework)):
        if value < 0:
            raise InvalidInputError(name, f"{value} is below zero")
    total = good + scrap + rework
    if total <= 0:
        raise InvalidInputError("good", "a report needs some good, scrap or rework quantity")
    if total > tally.in_process:
        raise ConflictError(
            f"lot {lot.lot} at {operation}: reported {good} good + {scrap} scrap + {rework} "
            f"rework = {total}, but only {tally.in_process} is in process "
            f"(received {tally.received}, reported {tally.reported}, moved {tally.moved})",
            code="quantity_balance",
        )
    named = dict(defects or {})
    if any(quantity <= 0 for quantity in named.values()):
        raise InvalidInputError("defects", "each defect needs a quantity above zero")
    if sum(named.values(), ZERO) > scrap + rework:
        raise InvalidInputError(
            "defects",
            f"defect quantities add up to {sum(named.values(), ZERO)}, "
            f"more than the {scrap + rework} scrap and rework reported",
        )
    tally.good += good
    tally.scrap += scrap
    tally.rework += rework
    for code, quantity in named.items():
        tally.defects[code] = tally.defects.get(code, ZERO) + quantity
    if rework:
        back = _rework_operation(lot, operation)
        lot.tallies[back].received += rework
    lot.changed = True


def _rework_operation(lot: ProductionLot, operation: str) -> str:
    op = next(o for o in lot.operations if o.code == operation)
    back = op.rework_operation or op.code
    return back if back in lot.tallies else op.code


def transfer(lot: ProductionLot, operation: str, quantity: Decimal) -> str | None:
    """Send good quantity on from an operation; return the next operation, or None when it
    went into stock after the last one."""
    _check_open(lot)
    tally = lot.tally(operation)
    if quantity <= 0:
        raise InvalidInputError("quantity", f"transfer a quantity above zero, not {quantity}")
    if quantity > tally.waiting:
        raise ConflictError(
            f"lot {lot.lot} at {operation}: cannot send on {quantity}; {tally.good} good was "
            f"reported and {tally.sent} already sent, so {tally.waiting} is waiting",
            code="quantity_balance",
        )
    tally.sent += quantity
    codes = [op.code for op in lot.operations]
    index = codes.index(operation)
    lot.changed = True
    if index + 1 == len(codes):
        return None
    lot.tallies[codes[index + 1]].received += quantity
    return codes[index + 1]


def _take(lot: ProductionLot, operation: str, quantity: Decimal, verb: str) -> Tally:
    _check_open(lot)
    tally = lot.tally(operation)
    if quantity <= 0:
        raise InvalidInputError("quantity", f"{verb} a quantity above zero, not {quantity}")
    if quantity > tally.in_process:
        raise ConflictError(
            f"lot {lot.lot} at {operation}: cannot {verb} {quantity}; only "
            f"{tally.in_process} is in process (received {tally.received}, reported "
            f"{tally.reported}, moved {tally.moved})",
            code="quantity_balance",
        )
    return tally


def split(lot: ProductionLot, operation: str, quantity: Decimal, new_lot: str) -> ProductionLot:
    """Part of what is in process at an operation becomes a lot of its own, there."""
    if new_lot == lot.lot:
        raise InvalidInputError("new_lot", f"the new lot needs a number other than {lot.lot}")
    tally = _take(lot, operation, quantity, "split off")
    tally.moved += quantity
    lot.changed = True
    child = ProductionLot(
        lot.item_code,
        new_lot,
        lot.work_order,
        lot.operations,
        quantity,
        {op.code: Tally() for op in lot.operations},
        changed=True,
    )
    child.tallies[operation].received = quantity
    return child


def merge(target: ProductionLot, source: ProductionLot, operation: str, quantity: Decimal) -> None:
    """Move what is in process at an operation of one lot into another lot of the same item
    and routing, at the same operation."""
    if source is target:
        raise InvalidInputError("lots", f"lot {target.lot} cannot be merged into itself")
    _check_open(target)
    if (source.item_code, source.operations) != (target.item_code, target.operations):
        raise ConflictError(
            f"lot {source.lot} ({source.item_code}) and lot {target.lot} "
            f"({target.item_code}) do not follow the same item and routing",
            code="merge_not_allowed",
        )
    if target.tally(operation).received + quantity >= numbers.LIMIT:
        raise InvalidInputError(
            "quantity", f"lot {target.lot} would hold 10^12 or more at {operation}; merge less"
        )
    tally = _take(source, operation, quantity, "merge away")
    tally.moved += quantity
    target.tally(operation).received += quantity
    source.changed = target.changed = True


def check_consumption(
    lot: ProductionLot,
    material: str,
    quantity: Decimal,
    per_unit: Decimal,
    reason: str | None,
) -> None:
    """Refuse material beyond the BOM quantity for the lot (per unit of output x the lot's
    start quantity) plus the tolerance, unless a reason is given."""
    _check_open(lot)
    if quantity <= 0:
        raise InvalidInputError("quantity", f"consume a quantity above zero, not {quantity}")
    allowed = per_unit * lot.started * (1 + CONSUMPTION_TOLERANCE)
    total = lot.consumed.get(material, ZERO) + quantity
    if total > allowed and not reason:
        raise ConflictError(
            f"lot {lot.lot}: {total} of {material} would exceed the BOM's {per_unit} per unit "
            f"x {lot.started} + {CONSUMPTION_TOLERANCE:.0%} = {allowed}; give a reason to "
            "book more",
            code="over_consumption",
        )
    lot.consumed[material] = total
    lot.changed = True


# -- the events that move production lots -------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportLotStep:
    """lot.step_reported: what an operation made of part of a lot."""

    item: str
    lot: str
    operation: str
    good: Decimal
    scrap: Decimal = ZERO
    rework: Decimal = ZERO
    defects: tuple[tuple[str, Decimal], ...] = ()


@dataclass(frozen=True, slots=True)
class TransferLot:
    """lot.transferred: good quantity goes on to the next operation, or into stock."""

    item: str
    lot: str
    operation: str
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class SplitLot:
    """lot.split: part of what is in process at an operation becomes a new lot."""

    item: str
    lot: str
    operation: str
    quantity: Decimal
    new_lot: str | None = None  # numbered {lot}-{n} when not given


@dataclass(frozen=True, slots=True)
class MergeLots:
    """lot.merged: quantities in process at an operation of other lots join this one."""

    item: str
    lot: str
    operation: str
    sources: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class ConsumeMaterial:
    """material.consumed: a quantity of a material lot goes into a production lot."""

    item: str
    lot: str
    material: str
    material_lot: str
    quantity: Decimal
    operation: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ShipLot:
    """lot.shipped: a quantity of a finished lot leaves for a customer."""

    item: str
    lot: str
    quantity: Decimal
    customer: str
    sales_order: str | None = None
    delivery: str | None = None


LotCommand = ReportLotStep | TransferLot | SplitLot | MergeLots | ConsumeMaterial | ShipLot

LOT_EVENT_TYPES: dict[type[LotCommand], EventType] = {
    ReportLotStep: EventType.LOT_STEP_REPORTED,
    TransferLot: EventType.LOT_TRANSFERRED,
    SplitLot: EventType.LOT_SPLIT,
    MergeLots: EventType.LOT_MERGED,
    ConsumeMaterial: EventType.MATERIAL_CONSUMED,
    ShipLot: EventType.LOT_SHIPPED,
}


def ship(lot: ProductionLot, stock: Decimal, quantity: Decimal) -> None:
    """Refuse shipping more of a lot than its finished stock holds."""
    _check_open(lot)
    if quantity <= 0:
        raise InvalidInputError("quantity", f"ship a quantity above zero, not {quantity}")
    if quantity > stock:
        raise ConflictError(
            f"lot {lot.lot}: cannot ship {quantity}; {stock} is in stock ({lot.finished} finished)",
            code="quantity_balance",
        )
