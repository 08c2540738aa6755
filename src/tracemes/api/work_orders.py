"""Work orders: plan, release, make units, cancel, close."""

from datetime import date, datetime

from fastapi import Query
from pydantic import BaseModel, Field, model_validator

from tracemes import services
from tracemes.api.deps import Db, Planner, Reader, api_router
from tracemes.api.models import Day, DecimalText, Note, QuantityIn, Text
from tracemes.domain.work_orders import Status, WorkOrder
from tracemes.services.work_orders import WorkOrderView

router = api_router("/work-orders", tags=["work orders"])


class WorkOrderIn(BaseModel):
    code: Text | None = Field(default=None, examples=["WO-2026-0001"])
    item: Text = Field(examples=["EBIKE-A1"])
    quantity: QuantityIn = Field(examples=[50])
    line: Text = Field(examples=["L1"])
    due: Day | None = None


class WorkOrderOut(BaseModel):
    code: str
    item: str
    quantity: DecimalText
    line: str
    status: str
    due: date | None
    bom_version: int | None
    routing_version: int | None

    @classmethod
    def of(cls, order: WorkOrder) -> "WorkOrderOut":
        return cls(
            code=order.code,
            item=order.item_code,
            quantity=order.quantity,
            line=order.line_code,
            status=order.status.value,
            due=order.due_on,
            bom_version=order.bom_version,
            routing_version=order.routing_version,
        )


class QuantitiesOut(BaseModel):
    planned: DecimalText
    started: int
    completed: int
    scrapped: int


class UnitOut(BaseModel):
    serial: str
    status: str
    created_at: datetime


class WorkOrderDetailOut(WorkOrderOut):
    quantities: QuantitiesOut
    units: list[UnitOut]

    @classmethod
    def of_view(cls, view: WorkOrderView) -> "WorkOrderDetailOut":
        progress = view.progress
        return cls(
            **WorkOrderOut.of(view.order).model_dump(),
            quantities=QuantitiesOut(
                planned=progress.planned,
                started=progress.started,
                completed=progress.completed,
                scrapped=progress.scrapped,
            ),
            units=[
                UnitOut(serial=u.serial, status=u.status, created_at=u.created_at)
                for u in view.units
            ],
        )


class UnitsIn(BaseModel):
    count: int | None = Field(default=None, ge=1, le=10_000)
    serials: list[Text] | None = Field(default=None, max_length=10_000)

    @model_validator(mode="after")
    def one_of(self) -> "UnitsIn":
        if (self.count is None) == (self.serials is None):
            raise ValueError("give either count or serials")
        return self


class UnitsOut(BaseModel):
    serials: list[str]


class ReasonIn(BaseModel):
    reason: Note = ""


@router.post("", status_code=201)
def create_work_order(body: WorkOrderIn, db: Db, ctx: Planner) -> WorkOrderOut:
    """Plan an order; a code is generated when none is given."""
    order = services.work_orders.create(
        db, ctx, body.item, body.quantity, body.line, code=body.code, due_on=body.due
    )
    return WorkOrderOut.of(order)


@router.get("")
def list_work_orders(
    db: Db, ctx: Reader, status: list[Status] | None = Query(default=None)
) -> list[WorkOrderOut]:
    """The company's orders, newest first; filter with ?status=released&status=in_progress."""
    orders = services.work_orders.list_all(db, ctx, frozenset(status) if status else None)
    return [WorkOrderOut.of(order) for order in orders]


@router.get("/{code}")
def get_work_order(code: str, db: Db, ctx: Reader) -> WorkOrderDetailOut:
    """An order with quantities planned / started / completed / scrapped and its units."""
    return WorkOrderDetailOut.of_view(services.work_orders.get(db, ctx, code))


@router.post("/{code}/release")
def release_work_order(code: str, db: Db, ctx: Planner) -> WorkOrderOut:
    """Release to the floor, pinning the current BOM and routing versions."""
    return WorkOrderOut.of(services.work_orders.release(db, ctx, code))


@router.post("/{code}/cancel")
def cancel_work_order(
    code: str, db: Db, ctx: Planner, body: ReasonIn | None = None
) -> WorkOrderOut:
    """Cancel an order nobody has started on."""
    reason = body.reason if body else ""
    return WorkOrderOut.of(services.work_orders.cancel(db, ctx, code, reason))


@router.post("/{code}/close")
def close_work_order(code: str, db: Db, ctx: Planner, body: ReasonIn | None = None) -> WorkOrderOut:
    """Close a completed order, or close one in progress short."""
    reason = body.reason if body else ""
    return WorkOrderOut.of(services.work_orders.close(db, ctx, code, reason))


@router.post("/{code}/units", status_code=201)
def create_units(code: str, body: UnitsIn, db: Db, ctx: Planner) -> UnitsOut:
    """Create units with serials from the item's pattern (count) or as given (serials)."""
    serials = services.work_orders.add_units(db, ctx, code, count=body.count, serials=body.serials)
    return UnitsOut(serials=serials)
