"""The part of the shop floor one batch of events touches, and the state each event changes.

Services load the units, lots, production lots, live bindings and open steps that a batch
names into a `Floor`, apply the events in order (a refused event changes nothing), then
write what changed. The rules themselves live in domain.step_runs, domain.genealogy,
domain.unit_events and domain.lot_events.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from tracemes.domain.boms import Bom, key_part_operations
from tracemes.domain.errors import ConflictError, InvalidInputError, NotFoundError
from tracemes.domain.items import Tracking
from tracemes.domain.production_lots import ProductionLot
from tracemes.domain.routings import Operation, Routing
from tracemes.domain.units import UnitStatus, addressed
from tracemes.domain.work_orders import Status


class Kind(StrEnum):
    """What a genealogy edge connects: a serialised unit or a lot."""

    UNIT = "unit"
    LOT = "lot"


@dataclass(frozen=True, slots=True)
class Requirement:
    """One BOM line of a plan: how much of an item goes in, and where key parts are bound."""

    item_code: str
    quantity: Decimal
    is_key: bool
    tracking: Tracking
    operation: str


@dataclass(frozen=True, slots=True)
class Plan:
    """How a work order's units are made: the routing and BOM pinned at release."""

    operations: tuple[Operation, ...]
    requirements: Mapping[str, Requirement]

    def seq_of(self, code: str) -> int:
        """The position of an operation in the routing."""
        for op in self.operations:
            if op.code == code:
                return op.seq
        raise InvalidInputError("operation", f"{code} is not an operation of this routing")

    def get(self, code: str) -> Operation:
        """The operation with this code."""
        return next(op for op in self.operations if op.code == code)

    def after(self, code: str) -> Operation | None:
        """The operation that follows, or None after the last one."""
        codes = [op.code for op in self.operations]
        index = codes.index(code)
        return self.operations[index + 1] if index + 1 < len(codes) else None

    def due_by(self, code: str | None) -> list[Requirement]:
        """Key parts that must be in a unit once it passes `code` (all of them when None)."""
        limit = self.operations[-1].seq if code is None else self.seq_of(code)
        return [
            req
            for req in self.requirements.values()
            if req.is_key and self.seq_of(req.operation) <= limit
        ]


def plan(bom: Bom, routing: Routing, tracking: Mapping[str, Tracking]) -> Plan:
    """The plan of a released order from its pinned BOM and routing versions."""
    due = key_part_operations(bom, routing.operations)
    last = routing.operations[-1].code
    return Plan(
        operations=routing.operations,
        requirements={
            line.item_code: Requirement(
                item_code=line.item_code,
                quantity=line.quantity,
                is_key=line.is_key,
                tracking=tracking[line.item_code],
                operation=due.get(line.item_code, last),
            )
            for line in bom.lines
        },
    )


@dataclass(slots=True, eq=False)
class WorkOrderState:
    """A work order as the floor moves it: started, then completed when enough units are.

    `finished_units` counts units that passed their last operation (kept on the order, so a
    batch need not count a million units to know whether the order is done)."""

    code: str
    status: Status
    quantity: Decimal
    finished_units: int
    changed: bool = False


@dataclass(slots=True, eq=False)
class UnitState:
    """A unit: where it is in its routing, and whether it may move."""

    id: int | None
    serial: str
    item_code: str
    status: UnitStatus
    current_operation: str | None = None
    on_hold: bool = False
    work_order: WorkOrderState | None = None
    plan: Plan | None = None
    completed_at: datetime | None = None
    customer: str | None = None
    sales_order: str | None = None
    delivery: str | None = None
    shipped_at: datetime | None = None
    changed: bool = False


@dataclass(slots=True, eq=False)
class LotState:
    """A lot: how much is left and whether it may be used (`id` None until stored)."""

    id: int | None
    item_code: str
    lot: str
    remaining: Decimal
    on_hold: bool = False
    rejected: bool = False
    changed: bool = False


@dataclass(slots=True, eq=False)
class BindingState:
    """A genealogy edge; live while `unbound_at` is None."""

    id: int | None
    parent: UnitState | LotState  # a lot: material consumed into it, or a split or merge
    child: UnitState | LotState
    item_code: str
    quantity: Decimal
    operation: str | None
    station_id: int | None
    operator_id: int | None
    bound_at: datetime
    unbound_at: datetime | None = None
    unbound_reason: str | None = None

    @property
    def kind(self) -> Kind:
        """Whether the component is a unit or a lot."""
        return Kind.UNIT if isinstance(self.child, UnitState) else Kind.LOT

    @property
    def parent_kind(self) -> Kind:
        """Whether the whole is a unit or a lot."""
        return Kind.UNIT if isinstance(self.parent, UnitState) else Kind.LOT


@dataclass(slots=True, eq=False)
class ProductionLotState:
    """A production lot: its tallies through the routing, its finished stock (the lot row
    every other lot has too), and the plan of its work order. `row_id` is None until a
    lot split off in this batch is stored."""

    lot: ProductionLot
    stock: LotState
    plan: Plan
    row_id: int | None = None
    created_at: datetime | None = None
    merged_in: Decimal = Decimal(0)  # taken in from other lots here: its quantity grows


@dataclass(frozen=True, slots=True)
class LotShipment:
    """A quantity of a finished production lot that left for a customer."""

    lot: LotState
    quantity: Decimal
    customer: str
    sales_order: str | None
    delivery: str | None
    shipped_at: datetime


@dataclass(slots=True, eq=False)
class StepRunState:
    """One unit through one operation."""

    id: int | None
    unit: UnitState
    operation: str
    station_id: int | None
    operator_id: int | None
    started_at: datetime
    completed_at: datetime | None = None
    result: str | None = None
    measurements: dict[str, float] = field(default_factory=dict)
    defects: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Actor:
    """Where and by whom an event happened (ids resolved by the service)."""

    occurred_at: datetime
    station_id: int | None = None
    operator_id: int | None = None


class Floor:
    """The loaded units, lots, production lots, live bindings and open steps, plus
    everything changed since."""

    def __init__(
        self,
        units: Iterable[UnitState],
        lots: Iterable[LotState],
        bindings: Iterable[BindingState],
        open_runs: Iterable[StepRunState],
        emptied: Iterable[tuple[UnitState, str]] = (),
        production_lots: Iterable[ProductionLotState] = (),
        numbers_taken: Iterable[tuple[str, str]] = (),
    ) -> None:
        self._units: dict[str, list[UnitState]] = {}
        self._emptied: set[tuple[UnitState, str]] = set(emptied)
        for unit in units:
            self._units.setdefault(unit.serial, []).append(unit)
        self._lots = {(lot.item_code, lot.lot): lot for lot in lots}
        self._live_of_parent: dict[UnitState | LotState, list[BindingState]] = {}
        self._live_of_unit: dict[UnitState, BindingState] = {}
        for binding in bindings:
            self._link(binding)
        self._open_runs = {run.unit: run for run in open_runs}
        self._production = {(p.lot.item_code, p.lot.lot): p for p in production_lots}
        for produced in self._production.values():  # one state per lot row, shared
            self._lots[(produced.lot.item_code, produced.lot.lot)] = produced.stock
        self._taken = set(numbers_taken)
        self.new_units: list[UnitState] = []
        self.new_bindings: list[BindingState] = []
        self.ended_bindings: list[BindingState] = []
        self.new_runs: list[StepRunState] = []
        self.closed_runs: list[StepRunState] = []
        self.new_production_lots: list[ProductionLotState] = []
        self.lot_shipments: list[LotShipment] = []

    def _link(self, binding: BindingState) -> None:
        self._live_of_parent.setdefault(binding.parent, []).append(binding)
        if isinstance(binding.child, UnitState):
            self._live_of_unit[binding.child] = binding

    # -- finding things -------------------------------------------------------------------

    def unit(self, serial: str) -> UnitState:
        """The unit a step or binding event addresses (one made or received here)."""
        return addressed(
            serial,
            self._units.get(serial, []),
            lambda u: u.item_code,
            lambda u: u.work_order is not None,
        )

    def units_with_serial(self, serial: str) -> list[UnitState]:
        """Every unit carrying this serial, of any item."""
        return list(self._units.get(serial, []))

    def lot(self, item_code: str, lot: str) -> LotState | None:
        """A loaded lot."""
        return self._lots.get((item_code, lot))

    def production_lot(self, item_code: str, lot: str) -> ProductionLotState:
        """A loaded production lot, or NotFoundError."""
        found = self._production.get((item_code, lot))
        if found is None:
            raise NotFoundError(f"production lot of {item_code}", lot)
        return found

    def lot_number_taken(self, item_code: str, lot: str) -> bool:
        """Whether a lot of this item already has this number (stored, or opened here)."""
        return (item_code, lot) in self._lots or (item_code, lot) in self._taken

    def live_parts(self, unit: UnitState) -> list[BindingState]:
        """The components bound into a unit now."""
        return [b for b in self._live_of_parent.get(unit, []) if b.unbound_at is None]

    def holder(self, part: UnitState) -> UnitState | None:
        """The unit a serialised part is bound in now, if any (only units hold units)."""
        binding = self._live_of_unit.get(part)
        if binding is None or binding.unbound_at is not None:
            return None
        assert isinstance(binding.parent, UnitState)
        return binding.parent

    def was_emptied(self, unit: UnitState, item_code: str) -> bool:
        """Whether a part of this item was ever taken out of the unit (a position to refill)."""
        return (unit, item_code) in self._emptied

    def open_run(self, unit: UnitState) -> StepRunState | None:
        """The step a unit is in, if started and not completed."""
        return self._open_runs.get(unit)

    # -- changing things (called by the rules once an event is accepted) -----------------

    def register(self, unit: UnitState) -> UnitState:
        """A purchased serial seen for the first time at its binding."""
        self._units.setdefault(unit.serial, []).append(unit)
        self.new_units.append(unit)
        return unit

    def open_lot(self, produced: ProductionLotState) -> None:
        """A production lot split off from another one."""
        key = (produced.lot.item_code, produced.lot.lot)
        self._production[key] = produced
        self._lots[key] = produced.stock
        self.new_production_lots.append(produced)

    def ship_lot(self, shipment: LotShipment) -> None:
        """Record a quantity of a production lot leaving for a customer."""
        self.lot_shipments.append(shipment)

    def bind(self, binding: BindingState) -> None:
        """Add a live edge."""
        self._link(binding)
        self.new_bindings.append(binding)

    def unbind(self, binding: BindingState, at: datetime, reason: str) -> None:
        """End a live edge; the edge itself stays as history."""
        binding.unbound_at = at
        binding.unbound_reason = reason
        if isinstance(binding.parent, UnitState):
            self._emptied.add((binding.parent, binding.item_code))
        if binding.id is not None:
            self.ended_bindings.append(binding)

    def start(self, run: StepRunState) -> None:
        """Open a step run."""
        self._open_runs[run.unit] = run
        self.new_runs.append(run)

    def finish(self, run: StepRunState) -> None:
        """Close a step run."""
        del self._open_runs[run.unit]
        if run.id is not None:
            self.closed_runs.append(run)

    def changed_units(self) -> list[UnitState]:
        """Stored units whose state an accepted event changed."""
        seen: dict[int, UnitState] = {}
        for serial_units in self._units.values():
            for unit in serial_units:
                if unit.changed and unit.id is not None:
                    seen[unit.id] = unit
        return list(seen.values())

    def changed_lots(self) -> list[LotState]:
        """Stored lots whose remaining quantity changed."""
        return [lot for lot in self._lots.values() if lot.changed and lot.id is not None]

    def changed_production_lots(self) -> list[ProductionLotState]:
        """Production lots whose tallies changed."""
        return [p for p in self._production.values() if p.lot.changed]

    def changed_orders(self) -> list[WorkOrderState]:
        """Work orders that moved on."""
        orders = {
            id(u.work_order): u.work_order
            for units in self._units.values()
            for u in units
            if u.work_order is not None and u.work_order.changed
        }
        return list(orders.values())


_OPEN_ORDERS = (Status.RELEASED, Status.IN_PROGRESS, Status.COMPLETED)


def check_order_open(unit: UnitState) -> None:
    """Refuse work on a unit whose work order was cancelled or closed."""
    order = unit.work_order
    if order is not None and order.status not in _OPEN_ORDERS:
        raise refuse(
            f"work order {order.code} of unit {unit.serial} is {order.status}",
            "work_order_closed",
        )


def refuse(message: str, code: str) -> ConflictError:
    """A conflict with the floor's current state, in the operator's words."""
    return ConflictError(message, code=code)
