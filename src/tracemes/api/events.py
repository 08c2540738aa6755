"""Shop-floor events: one at a time from a station, or in batches from an integrator."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

from tracemes import domain, services
from tracemes.api.deps import Db, ShopFloor, api_router
from tracemes.api.models import CountIn, EventTime, MeasuredFloat, Note, NumberIn, QuantityIn, Text
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.event_types import EventType
from tracemes.domain.genealogy import BindPart, ComponentRef, UnbindPart
from tracemes.domain.production_lots import (
    ConsumeMaterial,
    LotCommand,
    MergeLots,
    ReportLotStep,
    ShipLot,
    SplitLot,
    TransferLot,
)
from tracemes.domain.shop_floor import Command
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.domain.unit_events import ScrapUnit, ShipUnit
from tracemes.services.shop_floor import FloorEvent, Outcome

router = api_router("/events", tags=["shop floor"])
Code = Annotated[Text, Field(min_length=1, max_length=64)]


class ComponentIn(BaseModel):
    """A part: {serial}, {item, serial}, {item, lot, quantity?} or {scan} as a label reads."""

    serial: Code | None = None
    item: Code | None = None
    lot: Code | None = None
    quantity: QuantityIn | None = None
    scan: Annotated[Text, Field(min_length=1, max_length=500)] | None = None

    def ref(self) -> ComponentRef:
        quantity = (
            None
            if self.quantity is None
            else domain.numbers.quantity("component.quantity", self.quantity)
        )
        return ComponentRef(self.serial, self.item, self.lot, quantity, self.scan)


class _Event(BaseModel):
    id: Code = Field(description="Client-chosen id (a UUID): the same id sent twice is stored once")
    at: EventTime | None = Field(default=None, description="When it happened; default now")
    station: Code | None = None
    operator: Code | None = None
    unit: Code


class StepStartedIn(_Event):
    type: Literal[EventType.STEP_STARTED]
    operation: Code

    def command(self) -> Command:
        return StartStep(self.unit, self.operation)


class StepCompletedIn(_Event):
    type: Literal[EventType.STEP_COMPLETED]
    operation: Code
    result: Literal["pass", "fail"]
    measurements: dict[Code, MeasuredFloat] = Field(default_factory=dict)
    defects: list[Code] = Field(default_factory=list)

    def command(self) -> Command:
        return CompleteStep(
            self.unit,
            self.operation,
            self.result == "pass",
            dict(self.measurements),
            tuple(self.defects),
        )


class PartBoundIn(_Event):
    type: Literal[EventType.PART_BOUND]
    component: ComponentIn
    operation: Code | None = None

    def command(self) -> Command:
        return BindPart(self.unit, self.component.ref(), self.operation)


class PartUnboundIn(_Event):
    type: Literal[EventType.PART_UNBOUND]
    component: ComponentIn
    reason: Annotated[Note, Field(min_length=1, max_length=200)]

    def command(self) -> Command:
        return UnbindPart(self.unit, self.component.ref(), self.reason)


class UnitScrappedIn(_Event):
    type: Literal[EventType.UNIT_SCRAPPED]
    reason: Annotated[Note, Field(min_length=1, max_length=200)]

    def command(self) -> Command:
        return ScrapUnit(self.unit, self.reason)


class UnitShippedIn(_Event):
    type: Literal[EventType.UNIT_SHIPPED]
    customer: Annotated[Text, Field(min_length=1, max_length=200)]
    order: Code | None = None
    delivery: Code | None = None

    def command(self) -> Command:
        return ShipUnit(self.unit, self.customer, self.order, self.delivery)


class _LotEvent(BaseModel):
    id: Code = Field(description="Client-chosen id (a UUID): the same id sent twice is stored once")
    at: EventTime | None = Field(default=None, description="When it happened; default now")
    station: Code | None = None
    operator: Code | None = None
    item: Code = Field(description="The production lot's item")
    lot: Code = Field(description="The production lot's number")


def _amount(name: str, value: NumberIn | None, allow_zero: bool = True) -> Decimal:
    return domain.numbers.quantity(name, 0 if value is None else value, allow_zero=allow_zero)


class LotStepReportedIn(_LotEvent):
    type: Literal[EventType.LOT_STEP_REPORTED]
    operation: Code
    good: CountIn = 0
    scrap: CountIn = 0
    rework: CountIn = 0
    defects: dict[Code, CountIn] = Field(
        default_factory=dict, description="Scrap and rework by defect code"
    )

    def command(self) -> LotCommand:
        return ReportLotStep(
            self.item,
            self.lot,
            self.operation,
            _amount("good", self.good),
            _amount("scrap", self.scrap),
            _amount("rework", self.rework),
            tuple((code, _amount(f"defects.{code}", q)) for code, q in self.defects.items()),
        )


class LotTransferredIn(_LotEvent):
    type: Literal[EventType.LOT_TRANSFERRED]
    operation: Code = Field(description="Where the good quantity leaves from")
    quantity: QuantityIn

    def command(self) -> LotCommand:
        return TransferLot(
            self.item, self.lot, self.operation, _amount("quantity", self.quantity, False)
        )


class LotSplitIn(_LotEvent):
    type: Literal[EventType.LOT_SPLIT]
    operation: Code
    quantity: QuantityIn
    new_lot: Code | None = Field(default=None, description="Default: {lot}-1, -2, ...")

    def command(self) -> LotCommand:
        quantity = _amount("quantity", self.quantity, False)
        return SplitLot(self.item, self.lot, self.operation, quantity, self.new_lot)


class MergedLotIn(BaseModel):
    lot: Code
    quantity: QuantityIn


class LotMergedIn(_LotEvent):
    type: Literal[EventType.LOT_MERGED]
    operation: Code
    sources: list[MergedLotIn] = Field(min_length=1, max_length=100)

    def command(self) -> LotCommand:
        sources = tuple(
            (s.lot, _amount(f"sources[{i}].quantity", s.quantity, False))
            for i, s in enumerate(self.sources)
        )
        return MergeLots(self.item, self.lot, self.operation, sources)


class MaterialIn(BaseModel):
    item: Code
    lot: Code
    quantity: QuantityIn


class MaterialConsumedIn(_LotEvent):
    type: Literal[EventType.MATERIAL_CONSUMED]
    material: MaterialIn
    operation: Code | None = None
    reason: Annotated[Note, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Needed to book more than the BOM quantity + 5 %"
    )

    def command(self) -> LotCommand:
        return ConsumeMaterial(
            self.item,
            self.lot,
            self.material.item,
            self.material.lot,
            _amount("material.quantity", self.material.quantity, False),
            self.operation,
            self.reason,
        )


class LotShippedIn(_LotEvent):
    type: Literal[EventType.LOT_SHIPPED]
    quantity: QuantityIn
    customer: Annotated[Text, Field(min_length=1, max_length=200)]
    order: Code | None = None
    delivery: Code | None = None

    def command(self) -> LotCommand:
        return ShipLot(
            self.item,
            self.lot,
            _amount("quantity", self.quantity, False),
            self.customer,
            self.order,
            self.delivery,
        )


EventIn = Annotated[
    StepStartedIn
    | StepCompletedIn
    | PartBoundIn
    | PartUnboundIn
    | UnitScrappedIn
    | UnitShippedIn
    | LotStepReportedIn
    | LotTransferredIn
    | LotSplitIn
    | LotMergedIn
    | MaterialConsumedIn
    | LotShippedIn,
    Field(discriminator="type"),
]
_event_adapter: TypeAdapter[EventIn] = TypeAdapter(EventIn)


class BatchIn(BaseModel):
    events: list[dict[str, Any]] = Field(max_length=services.shop_floor.MAX_BATCH)


class ResultOut(BaseModel):
    id: str
    status: Literal["accepted", "refused"]
    code: str | None = None
    detail: str | None = None
    field: str | None = None


class BatchOut(BaseModel):
    accepted: int
    refused: int
    results: list[ResultOut]


def _floor_event(event: EventIn) -> FloorEvent:
    at: datetime | None = event.at
    return FloorEvent(event.id, event.command(), at, event.station, event.operator)


def _result(outcome: Outcome) -> ResultOut:
    error = outcome.error
    if error is None:
        return ResultOut(id=outcome.event_id, status="accepted")
    field = error.field if isinstance(error, InvalidInputError) else None
    return ResultOut(
        id=outcome.event_id, status="refused", code=error.code, detail=str(error), field=field
    )


@router.post("", status_code=201)
async def record_event(event: EventIn, db: Db, ctx: ShopFloor) -> ResultOut:
    """Record one event; a refusal is a problem (409/422/404) and changes nothing."""
    floor_event = _floor_event(event)
    outcome = (await run_in_threadpool(services.shop_floor.record, db, ctx, [floor_event]))[0]
    if outcome.error is not None:
        raise outcome.error
    return _result(outcome)


@router.post("/batch")
def record_batch(body: BatchIn, db: Db, ctx: ShopFloor) -> BatchOut:
    """Record up to 10,000 events in order, in one transaction; each is answered."""
    parsed: list[FloorEvent | ResultOut] = []
    for index, raw in enumerate(body.events):
        try:
            parsed.append(_floor_event(_event_adapter.validate_python(raw)))
        except (ValidationError, InvalidInputError) as error:
            parsed.append(_invalid(index, raw, error))
    outcomes = iter(
        services.shop_floor.record(db, ctx, [p for p in parsed if isinstance(p, FloorEvent)])
    )
    results = [p if isinstance(p, ResultOut) else _result(next(outcomes)) for p in parsed]
    accepted = sum(1 for r in results if r.status == "accepted")
    return BatchOut(accepted=accepted, refused=len(results) - accepted, results=results)


def _invalid(index: int, raw: dict[str, Any], error: Exception) -> ResultOut:
    if isinstance(error, ValidationError):
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
    else:
        detail = str(error)
    event_id = str(raw.get("id") or f"#{index}")
    return ResultOut(id=event_id, status="refused", code="validation", detail=detail)
