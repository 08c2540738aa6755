"""Scans: what a scanner, handheld terminal or machine at a station sends, read the way the
station page reads it (services.station.scan)."""

from typing import Literal

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tracemes import services
from tracemes.api.deps import Db, ShopFloor, api_router
from tracemes.api.models import CharacteristicOut, DecimalText, Text
from tracemes.api.production_lots import TallyOut
from tracemes.services.station import StationLot, StationUnit

router = api_router("/scans", tags=["shop floor"])


class StationScanIn(BaseModel):
    text: Text = Field(max_length=500, description="what the scanner read")
    station: Text | None = Field(default=None, max_length=64, description="where it was read")
    unit: Text = Field(default="", max_length=200, description="the unit the station shows")
    id: Text | None = Field(
        default=None, max_length=64, description="the event id: a resent scan is booked once"
    )


class DuePartOut(BaseModel):
    item: str
    needed: DecimalText
    bound: DecimalText


class StationUnitOut(BaseModel):
    serial: str
    item: str
    work_order: str | None
    status: str
    operation: str | None
    operation_name: str | None
    station: str | None
    started: bool
    on_hold: bool
    due: list[DuePartOut]
    checks: list[CharacteristicOut]

    @classmethod
    def of(cls, unit: StationUnit) -> "StationUnitOut":
        return cls(
            serial=unit.serial,
            item=unit.item_code,
            work_order=unit.work_order,
            status=unit.status.value,
            operation=unit.operation,
            operation_name=unit.operation_name,
            station=unit.station,
            started=unit.started,
            on_hold=unit.on_hold,
            due=[DuePartOut(item=d.item_code, needed=d.needed, bound=d.bound) for d in unit.due],
            checks=[CharacteristicOut.of(c) for c in unit.checks],
        )


class StationLotOut(BaseModel):
    item: str
    lot: str
    work_order: str
    operation: str | None = Field(description="the operation to report on here; null when done")
    operation_name: str | None
    next_operation: str | None = Field(description="where good goes on to; null: into stock")
    in_process: DecimalText
    waiting: DecimalText = Field(description="reported good at the operation, not yet sent on")
    on_hold: bool
    operations: list[TallyOut]

    @classmethod
    def of(cls, lot: StationLot) -> "StationLotOut":
        return cls(
            item=lot.item_code,
            lot=lot.lot,
            work_order=lot.work_order,
            operation=lot.operation,
            operation_name=lot.operation_name,
            next_operation=lot.next_operation,
            in_process=lot.in_process,
            waiting=lot.waiting,
            on_hold=lot.on_hold,
            operations=[TallyOut.of(code, name, tally) for code, name, tally in lot.operations],
        )


class StationScanOut(BaseModel):
    meaning: Literal["nothing", "unit", "verdict", "station", "part", "lot"]
    station: str | None = Field(description="where the device is after the scan")
    started: str | None = Field(description="the operation a unit scan started")
    unit: StationUnitOut | None = Field(description="the unit the station shows after it")
    lot: StationLotOut | None = Field(
        default=None, description="the production lot a transfer card's QR code opened"
    )


@router.post("")
async def scan(body: StationScanIn, db: Db, ctx: ShopFloor) -> StationScanOut:
    """One scan at a station, in one transaction: a production lot's transfer card (the lot
    at its operation here), a unit made here (its due step starts), PASS or FAIL for the
    unit shown, a station label, or a part bound into the unit shown. A refusal is a
    problem (409/422/404) and changes nothing."""
    done = await run_in_threadpool(
        services.station.scan, db, ctx, body.station, body.text, body.unit, body.id
    )
    if done.error is not None:
        raise done.error
    return StationScanOut(
        meaning=done.meaning.value,
        station=done.station,
        started=done.started,
        unit=StationUnitOut.of(done.unit) if done.unit else None,
        lot=StationLotOut.of(done.lot) if done.lot else None,
    )
