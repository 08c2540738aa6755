"""BOMs: the components of an item, with key parts and where they are bound."""

from pydantic import BaseModel, Field

from tracemes import domain, services
from tracemes.api.deps import Db, Engineer, Reader, api_router
from tracemes.api.models import DecimalText, QuantityIn, Text
from tracemes.domain.boms import Bom

router = api_router("/boms", tags=["master data"])


class ComponentIn(BaseModel):
    item: Text = Field(examples=["MOTOR-250W"])
    quantity: QuantityIn = Field(examples=[1])
    key: bool = False
    operation: Text | None = Field(default=None, examples=["OP20"])


class BomIn(BaseModel):
    components: list[ComponentIn]


class ComponentOut(BaseModel):
    item: str
    quantity: DecimalText
    key: bool
    operation: str | None


class BomOut(BaseModel):
    item: str
    version: int
    components: list[ComponentOut]

    @classmethod
    def of(cls, bom: Bom) -> "BomOut":
        return cls(
            item=bom.item_code,
            version=bom.version,
            components=[
                ComponentOut(
                    item=x.item_code, quantity=x.quantity, key=x.is_key, operation=x.operation_code
                )
                for x in bom.lines
            ],
        )


@router.put("/{item}")
def replace_bom(item: str, body: BomIn, db: Db, ctx: Engineer) -> BomOut:
    """Replace the item's BOM; released orders keep the version they were released with."""
    lines = [
        domain.boms.line(i, c.item, c.quantity, c.key, c.operation)
        for i, c in enumerate(body.components)
    ]
    return BomOut.of(services.boms.replace(db, ctx, item, lines))


@router.get("/{item}")
def get_bom(item: str, db: Db, ctx: Reader) -> BomOut:
    """The item's current BOM."""
    return BomOut.of(services.boms.get(db, ctx, item))
