"""Trace: backward from a unit to every part, forward from a lot or part to every unit."""

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

import orjson
from fastapi import Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tracemes import services
from tracemes.api.deps import Db, Reader, api_router
from tracemes.api.models import DecimalText, Record
from tracemes.domain.trace import AffectedLot, AffectedUnit, Node, UnitFacts, location
from tracemes.services.trace import WhereUsed

router = api_router("/trace", tags=["trace"])


class UnitOut(BaseModel):
    serial: str
    item: str
    item_name: str
    status: str
    operation: str | None
    on_hold: bool
    work_order: str | None
    supplier: str | None
    supplier_lot: str | None
    customer: str | None
    order: str | None
    delivery: str | None
    shipped_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, unit: UnitFacts) -> "UnitOut":
        return cls(
            serial=unit.serial,
            item=unit.item_code,
            item_name=unit.item_name,
            status=unit.status.value,
            operation=unit.operation,
            on_hold=unit.on_hold,
            work_order=unit.work_order,
            supplier=unit.supplier,
            supplier_lot=unit.supplier_lot,
            customer=unit.customer,
            order=unit.sales_order,
            delivery=unit.delivery,
            shipped_at=unit.shipped_at,
            completed_at=unit.completed_at,
        )


class PartOut(BaseModel):
    item: str
    item_name: str
    serial: str | None
    lot: str | None
    quantity: DecimalText
    supplier: str | None
    supplier_lot: str | None
    status: str | None
    operation: str | None
    station: str | None
    operator: str | None
    bound_at: datetime
    parts: list["PartOut"]

    @classmethod
    def of(cls, node: Node) -> "PartOut":
        edge = node.edge
        return cls(
            item=edge.item_code,
            item_name=edge.item_name,
            serial=edge.serial,
            lot=edge.lot,
            quantity=edge.quantity,
            supplier=edge.supplier,
            supplier_lot=edge.supplier_lot,
            status=edge.status,
            operation=edge.operation,
            station=edge.station,
            operator=edge.operator,
            bound_at=edge.bound_at,
            parts=[cls.of(child) for child in node.children],
        )


class StepRunOut(Record):
    serial: str
    operation: str
    station: str | None
    operator: str | None
    started_at: datetime
    completed_at: datetime | None
    result: str | None
    measurements: dict[str, Any]
    defects: list[str]


class UnitTraceOut(BaseModel):
    unit: UnitOut
    parts: list[PartOut]
    step_runs: list[StepRunOut]
    inspections: list[dict[str, Any]]


class EventOut(BaseModel):
    id: str
    type: str
    subject: str
    at: datetime
    recorded_at: datetime
    station: str | None
    payload: dict[str, Any]


class HistoryOut(BaseModel):
    serial: str
    events: list[EventOut]


class AffectedOut(UnitOut):
    location: str
    depth: int
    finished: bool
    inside: str | None


class ShippedOut(BaseModel):
    customer: str
    quantity: DecimalText
    order: str | None
    delivery: str | None
    shipped_at: datetime


class AffectedLotOut(BaseModel):
    item: str
    lot: str
    work_order: str | None
    started: DecimalText | None
    stock: DecimalText = Field(description="Finished quantity still in the factory")
    shipped: DecimalText
    on_hold: bool
    depth: int
    shipments: list[ShippedOut]


class WhereUsedOut(BaseModel):
    origin: str
    finished: dict[str, int]
    units: list[AffectedOut]
    lots: list[AffectedLotOut] = Field(
        description="Production lots holding it, through splits and merges, with customers"
    )


Format = Literal["json", "csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _where_used(found: WhereUsed, output: Format, name: str) -> Response:
    if output == "csv":
        return Response(
            services.recall_lists.to_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if output == "xlsx":
        return Response(
            services.recall_lists.to_xlsx(found),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    head = {
        "origin": found.origin,
        "finished": {location.value: n for location, n in found.counts().items()},
    }
    lots = [_affected_lot(lot) for lot in found.lots]
    return StreamingResponse(_json_stream(head, found.units, lots), media_type="application/json")


def _affected_lot(lot: AffectedLot) -> dict[str, Any]:
    return AffectedLotOut(
        item=lot.item_code,
        lot=lot.lot,
        work_order=lot.work_order,
        started=lot.started,
        stock=lot.stock,
        shipped=lot.shipped,
        on_hold=lot.on_hold,
        depth=lot.depth,
        shipments=[
            ShippedOut(
                customer=s.customer,
                quantity=s.quantity,
                order=s.sales_order,
                delivery=s.delivery,
                shipped_at=s.shipped_at,
            )
            for s in lot.shipments
        ],
    ).model_dump(mode="json")


def _json_stream(
    head: dict[str, Any], units: list[AffectedUnit], lots: list[dict[str, Any]]
) -> Iterator[bytes]:
    """The WhereUsedOut document, written a few hundred units at a time.

    A recall can reach 50,000 units: building response models for each would take seconds
    and hold the whole document in memory; plain dicts streamed out do neither.
    """
    yield orjson.dumps(head)[:-1] + b', "units": ['
    for start in range(0, len(units), 1000):
        chunk = orjson.dumps(
            [_affected(affected) for affected in units[start : start + 1000]],
            option=orjson.OPT_UTC_Z,
        )
        yield (b"," if start else b"") + chunk[1:-1]
    yield b'], "lots": ' + orjson.dumps(lots) + b"}"


# UnitOut's field names, in UnitFacts' order: a unit's dict is one zip of the two.
_UNIT_FIELDS = tuple(UnitOut.model_fields)


def _affected(affected: AffectedUnit) -> dict[str, Any]:
    """One AffectedOut as a plain dict (same fields and formats as the model)."""
    out: dict[str, Any] = dict(zip(_UNIT_FIELDS, affected.unit, strict=True))
    inside = affected.inside
    out["location"] = location((inside or affected.unit).status)
    out["depth"] = affected.depth
    out["finished"] = inside is None
    out["inside"] = None if inside is None else inside.serial
    return out


@router.get("/units/{serial}")
async def trace_unit(serial: str, db: Db, ctx: Reader) -> UnitTraceOut:
    """Backward: the unit and its full tree of parts, with its step runs."""
    found = await run_in_threadpool(services.trace.backward, db, ctx, serial)
    return UnitTraceOut(
        unit=UnitOut.of(found.unit),
        parts=[PartOut.of(node) for node in found.parts],
        step_runs=[StepRunOut.model_validate(run) for run in found.step_runs],
        inspections=[],
    )


class LotTraceOut(BaseModel):
    item: str
    lot: str
    parts: list[PartOut]


@router.get("/lots/{item}/{lot}")
def trace_lot(item: str, lot: str, db: Db, ctx: Reader) -> LotTraceOut:
    """Backward from a production lot: material lots consumed and the lots it was split
    from or merged with, to any depth, each with quantity, operation, station and time."""
    found = services.trace.backward_lot(db, ctx, item, lot)
    return LotTraceOut(item=item, lot=lot, parts=[PartOut.of(node) for node in found.parts])


@router.get("/units/{serial}/history")
def unit_history(serial: str, db: Db, ctx: Reader) -> HistoryOut:
    """Every event about the unit, in order, unbound parts included."""
    events = services.trace.history(db, ctx, serial)
    return HistoryOut(
        serial=serial,
        events=[
            EventOut(
                id=e.event_id,
                type=e.type,
                subject=e.subject,
                at=e.occurred_at,
                recorded_at=e.recorded_at,
                station=e.station,
                payload=e.payload,
            )
            for e in events
        ],
    )


@router.get("/lots/{item}/{lot}/where-used", response_model=WhereUsedOut)
def lot_where_used(
    item: str, lot: str, db: Db, ctx: Reader, format: Format = Query(default="json")
) -> Response:
    """Forward: every unit holding the lot, through sub-assemblies up to finished units;
    ?format=csv or xlsx for a recall list."""
    found = services.trace.where_used_lot(db, ctx, item, lot)
    return _where_used(found, format, f"recall-{item}-{lot}")


@router.get("/serials/{serial}/where-used", response_model=WhereUsedOut)
def serial_where_used(
    serial: str, db: Db, ctx: Reader, format: Format = Query(default="json")
) -> Response:
    """Forward from a serialised part to its parents, up to the finished unit."""
    found = services.trace.where_used_serial(db, ctx, serial)
    return _where_used(found, format, f"recall-{serial}")
