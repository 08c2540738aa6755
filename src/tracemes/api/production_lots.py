"""Production lots: open them on a work order, read their live state and yield."""

from datetime import datetime

from pydantic import BaseModel, Field

from tracemes import services
from tracemes.api.deps import Db, Planner, Reader, api_router
from tracemes.api.models import DecimalText, QuantityIn
from tracemes.domain.production_lots import Tally
from tracemes.services.production_lots import ProductionLotView

router = api_router(tags=["production lots"])


class OpenLotsIn(BaseModel):
    quantities: list[QuantityIn] = Field(
        min_length=1, max_length=1000, description="One production lot per quantity"
    )


class OpenedOut(BaseModel):
    work_order: str
    lots: list[str]


class TallyOut(BaseModel):
    operation: str
    name: str
    received: DecimalText
    good: DecimalText
    scrap: DecimalText
    rework: DecimalText
    moved: DecimalText = Field(description="Split off or merged into another lot")
    sent: DecimalText = Field(description="Good sent on to the next operation or into stock")
    in_process: DecimalText
    waiting: DecimalText = Field(description="Good not yet sent on")
    yield_rate: DecimalText | None = Field(description="good / (good + scrap + rework)")
    defects: dict[str, DecimalText]

    @classmethod
    def of(cls, code: str, name: str, tally: Tally) -> "TallyOut":
        rate = tally.yield_rate
        return cls(
            operation=code,
            name=name,
            received=tally.received,
            good=tally.good,
            scrap=tally.scrap,
            rework=tally.rework,
            moved=tally.moved,
            sent=tally.sent,
            in_process=tally.in_process,
            waiting=tally.waiting,
            yield_rate=None if rate is None else round(rate, 4),
            defects=dict(tally.defects),
        )


class ShipmentOut(BaseModel):
    quantity: DecimalText
    customer: str
    order: str | None
    delivery: str | None
    shipped_at: datetime


class ProductionLotOut(BaseModel):
    item: str
    lot: str
    work_order: str
    started: DecimalText
    finished: DecimalText
    stock: DecimalText
    on_hold: bool
    created_at: datetime
    operations: list[TallyOut]
    consumed: dict[str, DecimalText]
    shipments: list[ShipmentOut]

    @classmethod
    def of(cls, view: ProductionLotView) -> "ProductionLotOut":
        return cls(
            item=view.item_code,
            lot=view.lot,
            work_order=view.work_order,
            started=view.started,
            finished=view.finished,
            stock=view.stock,
            on_hold=view.on_hold,
            created_at=view.created_at,
            operations=[TallyOut.of(*op) for op in view.operations],
            consumed=view.consumed,
            shipments=[
                ShipmentOut(quantity=q, customer=c, order=o, delivery=d, shipped_at=at)
                for q, c, o, d, at in view.shipments
            ],
        )


class YieldOut(BaseModel):
    work_order: str
    lots: int
    operations: list[TallyOut]


@router.post("/work-orders/{code}/lots", status_code=201)
def open_lots(code: str, body: OpenLotsIn, db: Db, ctx: Planner) -> OpenedOut:
    """Start production lots of a released lot-tracked order, numbered from the item's
    pattern; together at most the order's quantity."""
    numbers = services.production_lots.open_lots(db, ctx, code, body.quantities)
    return OpenedOut(work_order=code, lots=numbers)


@router.get("/work-orders/{code}/lots")
def order_lots(code: str, db: Db, ctx: Reader) -> list[ProductionLotOut]:
    """The order's production lots, each with its tally per operation."""
    return [
        ProductionLotOut.of(view) for view in services.production_lots.lots_of_order(db, ctx, code)
    ]


@router.get("/work-orders/{code}/yield")
def order_yield(code: str, db: Db, ctx: Reader) -> YieldOut:
    """Per operation, summed over the order's lots: input, good, scrap, rework, in process
    and yield."""
    lots, operations = services.production_lots.order_yield(db, ctx, code)
    return YieldOut(work_order=code, lots=lots, operations=[TallyOut.of(*op) for op in operations])


@router.get("/production-lots/{item}/{lot}")
def production_lot(item: str, lot: str, db: Db, ctx: Reader) -> ProductionLotOut:
    """A production lot's live state (what its transfer card shows): per operation what
    came in, good, scrap, rework, in process and waiting; material consumed; shipments."""
    return ProductionLotOut.of(services.production_lots.get(db, ctx, item, lot))
