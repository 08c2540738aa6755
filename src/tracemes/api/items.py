"""Items: part numbers with tracking mode, GTIN and standard cost."""

from typing import Literal

from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from tracemes import services
from tracemes.api.deps import Db, Engineer, Reader, api_router
from tracemes.api.models import CostIn, DecimalText, Text
from tracemes.domain.items import Item

router = api_router("/items", tags=["master data"])


class ItemIn(BaseModel):
    code: Text = Field(examples=["EBIKE-A1"])
    name: Text = Field(examples=["E-bike A1"])
    uom: Text = Field(default="pcs", examples=["pcs"])
    tracking: Literal["serial", "lot", "none"]
    gtin: Text | None = Field(default=None, examples=["06901234567892"])
    standard_cost: CostIn | None = None
    serial_pattern: Text | None = Field(default=None, examples=["EB{yy}{MM}{dd}{seq:5}"])


class ItemOut(BaseModel):
    code: str
    name: str
    uom: str
    tracking: str
    gtin: str | None
    standard_cost: DecimalText | None
    serial_pattern: str | None

    @classmethod
    def of(cls, item: Item) -> "ItemOut":
        return cls(
            code=item.code,
            name=item.name,
            uom=item.uom,
            tracking=item.tracking.value,
            gtin=item.gtin,
            standard_cost=item.standard_cost,
            serial_pattern=item.serial_pattern,
        )


@router.post("", status_code=201)
def create_item(body: ItemIn, db: Db, ctx: Engineer) -> ItemOut:
    """Add a part number."""
    item = services.items.create(
        db,
        ctx,
        code=body.code,
        name=body.name,
        uom=body.uom,
        tracking=body.tracking,
        gtin=body.gtin,
        standard_cost=body.standard_cost,
        serial_pattern=body.serial_pattern,
    )
    return ItemOut.of(item)


@router.get("")
def list_items(db: Db, ctx: Reader) -> list[ItemOut]:
    """Every item of the company."""
    return [ItemOut.of(item) for item in services.items.list_all(db, ctx)]


@router.get("/{code}")
async def get_item(code: str, db: Db, ctx: Reader) -> ItemOut:
    """One item by its code."""
    return ItemOut.of(await run_in_threadpool(services.items.get, db, ctx, code))
