"""Backward and forward trace: what is in a unit, and where a part or lot went."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from tracemes import domain, store
from tracemes.domain.errors import NotFoundError
from tracemes.domain.events import Event
from tracemes.domain.trace import AffectedLot, AffectedUnit, Location, Node, UnitFacts, tree
from tracemes.services.context import Context


@dataclass(frozen=True, slots=True)
class StepRunView:
    """One operation a unit went through."""

    serial: str
    operation: str
    station: str | None
    operator: str | None
    started_at: datetime
    completed_at: datetime | None
    result: str | None
    measurements: dict[str, Any]
    defects: list[str]


@dataclass(frozen=True, slots=True)
class UnitTrace:
    """A unit, every part in it to any depth, and the steps it and its sub-assemblies ran."""

    unit: UnitFacts
    parts: tuple[Node, ...]
    step_runs: list[StepRunView]


@dataclass(frozen=True, slots=True)
class WhereUsed:
    """Every unit holding a part or lot, nearest first; `finished` ones are what a recall
    is about."""

    origin: str
    units: list[AffectedUnit]
    lots: list[AffectedLot] = field(default_factory=list)  # production lots, nearest first

    @property
    def finished(self) -> list[AffectedUnit]:
        """Units at the top of their tree (not inside another unit)."""
        return [u for u in self.units if u.finished]

    def counts(self) -> dict[Location, int]:
        """Finished units by where they are now."""
        counts = dict.fromkeys(Location, 0)
        for affected in self.finished:
            counts[affected.location] += 1
        return counts


def _unit(conn: Connection, ctx: Context, serial: str) -> tuple[int, UnitFacts]:
    return domain.units.addressed(
        serial,
        store.trace.units_by_serial(conn, ctx.tenant_id, serial),
        lambda found: found[1].item_code,
        lambda found: found[1].work_order is not None,
    )


def backward(db: Engine, ctx: Context, serial: str) -> UnitTrace:
    """A unit's full tree: each part's item, serial or lot, supplier, operation, station,
    operator and time, with the step runs of the unit and of its sub-assemblies."""
    with store.db.reading(db) as conn:
        unit_id, facts = _unit(conn, ctx, serial)
        edges = store.trace.backward(conn, ctx.tenant_id, unit_id)
        made = [unit_id] + [e.child_id for e in edges if e.child_kind == "unit"]
        runs = store.trace.step_runs(conn, ctx.tenant_id, made)
    return UnitTrace(
        facts,
        tree("unit", unit_id, edges),
        [StepRunView(*(row[i] for i in range(9))) for row in runs],
    )


@dataclass(frozen=True, slots=True)
class LotTrace:
    """A lot and everything that went into it: material lots, the lots it was split from
    or merged with, to any depth."""

    item_code: str
    lot: str
    parts: tuple[Node, ...]


def backward_lot(db: Engine, ctx: Context, item_code: str, lot: str) -> LotTrace:
    """A production lot's full tree of materials and source lots."""
    with store.db.reading(db) as conn:
        lot_id = store.trace.lot_id(conn, ctx.tenant_id, item_code, lot)
        if lot_id is None:
            raise NotFoundError(f"lot of {item_code}", lot)
        edges = store.trace.backward(conn, ctx.tenant_id, lot_id, kind="lot")
    return LotTrace(item_code, lot, tree("lot", lot_id, edges))


def history(db: Engine, ctx: Context, serial: str) -> list[Event]:
    """Every event about a unit in the order it happened, parts unbound since included."""
    with store.db.reading(db) as conn:
        _unit(conn, ctx, serial)
        return store.ledger.history(conn, ctx.tenant_id, [serial])


def where_used_lot(db: Engine, ctx: Context, item_code: str, lot: str) -> WhereUsed:
    """Forward trace of a lot: every unit that holds it, up to the finished units."""
    with store.db.reading(db) as conn:
        lot_id = store.trace.lot_id(conn, ctx.tenant_id, item_code, lot)
        if lot_id is None:
            raise NotFoundError(f"lot of {item_code}", lot)
        units = store.trace.forward(conn, ctx.tenant_id, "lot", lot_id)
        lots = store.trace.forward_lots(conn, ctx.tenant_id, "lot", lot_id)
    return WhereUsed(f"lot {lot} of {item_code}", [affected for _, affected in units], lots)


def where_used_serial(db: Engine, ctx: Context, serial: str) -> WhereUsed:
    """Forward trace of a serialised part: the units above it, up to the finished one."""
    with store.db.reading(db) as conn:
        found = store.trace.units_by_serial(conn, ctx.tenant_id, serial)
        if not found:
            raise NotFoundError("serial", serial)
        units: list[AffectedUnit] = []
        lots: list[AffectedLot] = []
        for unit_id, _ in found:
            above = store.trace.forward(conn, ctx.tenant_id, "unit", unit_id)
            units.extend(affected for _, affected in above)
            lots.extend(store.trace.forward_lots(conn, ctx.tenant_id, "unit", unit_id))
    return WhereUsed(f"serial {serial}", units, lots)


def find_lots(db: Engine, ctx: Context, lot_number: str) -> list[str]:
    """The items, in code order, that have a lot with this number (a lot scanned alone)."""
    with store.db.reading(db) as conn:
        found = store.lots.items_with_lot(conn, ctx.tenant_id, [lot_number])
    return found.get(lot_number, [])
