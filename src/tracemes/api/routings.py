"""Routings: the ordered operations that make an item."""

from pydantic import BaseModel, Field

from tracemes import domain, services
from tracemes.api.deps import Db, Engineer, Reader, api_router
from tracemes.api.models import CharacteristicOut, DecimalText, MeasurementIn, SecondsIn, Text
from tracemes.domain.routings import Routing

router = api_router("/routings", tags=["master data"])


class CharacteristicIn(BaseModel):
    code: Text = Field(examples=["top_speed_kmh"])
    name: Text = Field(examples=["Top speed"])
    kind: Text = Field(default="variable", examples=["variable"])
    unit: Text | None = Field(default=None, examples=["km/h"])
    lsl: MeasurementIn | None = None
    usl: MeasurementIn | None = Field(default=None, examples=[25])


class OperationIn(BaseModel):
    seq: int = Field(examples=[10])
    code: Text = Field(examples=["OP10"])
    name: Text = Field(examples=["Frame and fork"])
    line: Text | None = None
    station: Text | None = None
    std_time_s: SecondsIn = Field(default=0, examples=[90])
    binds: list[Text] = Field(default_factory=list, examples=[["FRAME-AL"]])
    inspection: Text | None = None
    rework_operation: Text | None = None
    checks: list[CharacteristicIn] = Field(default_factory=list)


class RoutingIn(BaseModel):
    operations: list[OperationIn]


class OperationOut(BaseModel):
    seq: int
    code: str
    name: str
    line: str | None
    station: str | None
    std_time_s: DecimalText
    binds: list[str]
    inspection: str | None
    rework_operation: str | None
    checks: list[CharacteristicOut]


class RoutingOut(BaseModel):
    item: str
    version: int
    operations: list[OperationOut]

    @classmethod
    def of(cls, routing: Routing) -> "RoutingOut":
        return cls(
            item=routing.item_code,
            version=routing.version,
            operations=[
                OperationOut(
                    seq=op.seq,
                    code=op.code,
                    name=op.name,
                    line=op.line_code,
                    station=op.station_code,
                    std_time_s=op.standard_seconds,
                    binds=list(op.binds),
                    inspection=op.inspection,
                    rework_operation=op.rework_operation,
                    checks=[CharacteristicOut.of(c) for c in op.checks],
                )
                for op in routing.operations
            ],
        )


@router.put("/{item}")
def replace_routing(item: str, body: RoutingIn, db: Db, ctx: Engineer) -> RoutingOut:
    """Replace the item's routing; released orders keep the version they were released with."""
    operations = [
        domain.routings.operation(
            i,
            op.seq,
            op.code,
            op.name,
            op.std_time_s,
            op.line,
            op.station,
            op.binds,
            op.inspection,
            op.rework_operation,
            [c.model_dump(exclude_none=True) for c in op.checks],
        )
        for i, op in enumerate(body.operations)
    ]
    return RoutingOut.of(services.routings.replace(db, ctx, item, operations))


@router.get("/{item}")
def get_routing(item: str, db: Db, ctx: Reader) -> RoutingOut:
    """The item's current routing."""
    return RoutingOut.of(services.routings.get(db, ctx, item))
