"""Receipts of lots and purchased serials, and what a scanned label names."""

from datetime import datetime

from pydantic import BaseModel, Field

from tracemes import services
from tracemes.api.deps import Db, Reader, ShopFloor, api_router
from tracemes.api.models import CostIn, DecimalText, EventTime, QuantityIn, Text
from tracemes.domain.lots import Lot

router = api_router(tags=["receipts"])


class LotIn(BaseModel):
    item: Text = Field(examples=["CELL-21700"])
    lot: Text = Field(examples=["C2611-07"])
    quantity: QuantityIn = Field(examples=[5200])
    supplier: Text | None = Field(default=None, examples=["Tianjin Cell Co."])
    received_at: EventTime | None = None
    unit_cost: CostIn | None = None


class LotOut(BaseModel):
    item: str
    lot: str
    quantity: DecimalText
    remaining: DecimalText
    supplier: str | None
    received_at: datetime
    unit_cost: DecimalText | None
    status: str

    @classmethod
    def of(cls, lot: Lot) -> "LotOut":
        return cls(
            item=lot.item_code,
            lot=lot.lot,
            quantity=lot.quantity,
            remaining=lot.remaining,
            supplier=lot.supplier,
            received_at=lot.received_at,
            unit_cost=lot.unit_cost,
            status=lot.status.value,
        )


class SerialsIn(BaseModel):
    item: Text = Field(examples=["MOTOR-350W"])
    serials: list[Text] = Field(min_length=1, max_length=10_000)
    supplier: Text | None = None
    lot: Text | None = Field(default=None, description="The supplier's lot the serials came in")
    received_at: EventTime | None = None
    unit_cost: CostIn | None = None


class SerialsOut(BaseModel):
    item: str
    serials: list[str]


class ScanIn(BaseModel):
    scan: Text = Field(min_length=1, max_length=500, examples=["(01)06970123450027(10)C2611-07"])


class ScanOut(BaseModel):
    serial: str | None
    item: str | None
    lot: str | None
    quantity: DecimalText | None


@router.post("/lots", status_code=201)
def receive_lot(body: LotIn, db: Db, ctx: ShopFloor) -> LotOut:
    """Book a supplier lot into stock."""
    lot = services.lots.receive(
        db, ctx, body.item, body.lot, body.quantity, body.supplier, body.received_at, body.unit_cost
    )
    return LotOut.of(lot)


@router.get("/lots/{item}/{lot}")
def get_lot(item: str, lot: str, db: Db, ctx: Reader) -> LotOut:
    """A lot with its remaining quantity and status."""
    return LotOut.of(services.lots.get(db, ctx, item, lot))


@router.post("/serials", status_code=201)
def receive_serials(body: SerialsIn, db: Db, ctx: ShopFloor) -> SerialsOut:
    """Book purchased serialised parts into stock."""
    serials = services.lots.receive_serials(
        db, ctx, body.item, body.serials, body.supplier, body.lot, body.received_at, body.unit_cost
    )
    return SerialsOut(item=body.item, serials=serials)


@router.post("/scans/resolve")
def resolve_scan(body: ScanIn, db: Db, ctx: Reader) -> ScanOut:
    """What a scanned label names: a serial (with its item when known) or an item's lot."""
    ref = services.scans.resolve(db, ctx, body.scan)
    return ScanOut(serial=ref.serial, item=ref.item, lot=ref.lot, quantity=ref.quantity)
