"""Quality: sampling plans and control charts (inspections follow, issue 6)."""

from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from tracemes import services
from tracemes.api.deps import Db, Quality, Reader, api_router
from tracemes.api.models import Day, MeasuredFloat, MeasurementIn, Text
from tracemes.api.quality_models import (
    DayQualityOut,
    InspectionLotLineOut,
    InspectionLotOut,
    InspectionPlanOut,
    NonconformanceOut,
    QualityReportOut,
    SpcOut,
)
from tracemes.api.routings import CharacteristicIn
from tracemes.domain import characteristics, sampling, spc
from tracemes.domain.errors import InvalidInputError

router = api_router("/quality", tags=["quality"])


class SamplingPlanOut(BaseModel):
    code_letter: str = Field(description="the lot's letter in Table 1")
    plan_letter: str = Field(description="the row the plan was found in after the arrows")
    sample_size: int
    ac: int
    re: int
    whole_lot: bool = Field(description="the sample is the whole lot: inspect every item")
    severity: str


@router.get("/sampling-plan")
def sampling_plan(
    ctx: Reader, lot_size: int, aql: str, level: str = "II", severity: str = "normal"
) -> SamplingPlanOut:
    """GB/T 2828.1 / ISO 2859-1 single sampling: the plan for a lot."""
    plan = sampling.plan(lot_size, level, aql, severity)
    return SamplingPlanOut(
        code_letter=plan.code_letter,
        plan_letter=plan.plan_letter,
        sample_size=plan.sample_size,
        ac=plan.ac,
        re=plan.re,
        whole_lot=plan.whole_lot,
        severity=severity,
    )


class SpcIn(BaseModel):
    chart: Literal["xbar_r", "xbar_s", "imr", "p", "np"]
    subgroups: list[list[MeasuredFloat]] | None = Field(default=None, examples=[[[74.03, 74.002]]])
    values: list[MeasuredFloat] | None = None
    defectives: list[int] | None = None
    sample_sizes: list[int] | None = None
    lsl: MeasuredFloat | None = None
    usl: MeasuredFloat | None = None


def _needs(name: str, value: Any) -> Any:
    if value is None:
        raise InvalidInputError(name, "is required for this chart")
    return value


def analyse(body: SpcIn) -> spc.Analysis:
    """The chart the body asks for, from the fields that chart takes."""
    if body.chart in ("xbar_r", "xbar_s"):
        draw = spc.xbar_r if body.chart == "xbar_r" else spc.xbar_s
        return draw(_needs("subgroups", body.subgroups), body.lsl, body.usl)
    if body.chart == "imr":
        return spc.individuals(_needs("values", body.values), body.lsl, body.usl)
    defectives = _needs("defectives", body.defectives)
    sizes = _needs("sample_sizes", body.sample_sizes)
    if body.chart == "p":
        return spc.p_chart(defectives, sizes)
    if len(set(sizes)) != 1:
        raise InvalidInputError("sample_sizes", "an np chart needs one sample size; use a p chart")
    return spc.np_chart(defectives, sizes[0])


@router.post("/spc", response_model_exclude_unset=True)
def control_chart(body: SpcIn, ctx: Reader) -> SpcOut:
    """Control limits, the rules each point breaks, and capability when limits are given."""
    return SpcOut.of(analyse(body))


class DefectIn(BaseModel):
    code: Text = Field(examples=["DENT"])
    name: Text = Field(examples=["Dented can"])
    defect_class: Text = Field(default="major", alias="class", examples=["major"])


class InspectionPlanIn(BaseModel):
    item: Text
    stage: Text = Field(examples=["incoming"])
    operation: Text | None = None
    level: Text = "II"
    aql_major: Text | float | None = Field(default=None, examples=["1.0"])
    aql_minor: Text | float | None = Field(default=None, examples=["4.0"])
    full: bool = False
    characteristics: list[CharacteristicIn] = Field(default_factory=list)
    defects: list[DefectIn] = Field(default_factory=list)


@router.put("/inspection-plans/{code}")
def put_inspection_plan(
    code: str, body: InspectionPlanIn, db: Db, ctx: Quality
) -> InspectionPlanOut:
    """Create or replace an inspection plan (lots already open keep theirs)."""
    checked = [
        characteristics.parse(f"characteristics[{i}]", c.model_dump(exclude_none=True))
        for i, c in enumerate(body.characteristics)
    ]
    plan = services.inspection.put_plan(
        db,
        ctx,
        code,
        body.item,
        body.stage,
        checked,
        [d.model_dump(by_alias=True) for d in body.defects],
        body.level,
        body.aql_major,
        body.aql_minor,
        body.full,
        body.operation,
    )
    return InspectionPlanOut.of(plan)


@router.get("/inspection-plans/{code}")
def get_inspection_plan(code: str, db: Db, ctx: Reader) -> InspectionPlanOut:
    """An inspection plan."""
    return InspectionPlanOut.of(services.inspection.get_plan(db, ctx, code))


@router.get("/inspection-lots")
def list_inspection_lots(
    db: Db, ctx: Reader, status: str | None = None
) -> list[InspectionLotLineOut]:
    """Inspection lots, newest first; `?status=open` is the inspector's list."""
    return [
        InspectionLotLineOut.model_validate(row)
        for row in services.inspection.list_lots(db, ctx, status)
    ]


class OrderInspectionIn(BaseModel):
    work_order: Text = Field(examples=["WO20260316-002"])
    operation: Text | None = Field(
        default=None,
        description="in-process inspection at this operation; without it, final inspection",
        examples=["OP40"],
    )


@router.post("/inspection-lots", status_code=201, response_model_exclude_unset=True)
def open_order_inspection(body: OrderInspectionIn, db: Db, ctx: Quality) -> InspectionLotOut:
    """Open the final inspection of a work order's finished units (by the item's final
    plan), or with `operation` its in-process inspection there (the units that passed it
    since the last one, by the in-process plan for that operation)."""
    if body.operation is None:
        lot = services.inspection.open_final(db, ctx, body.work_order)
    else:
        lot = services.inspection.open_in_process(db, ctx, body.work_order, body.operation)
    return InspectionLotOut.of(lot)


@router.get("/inspection-lots/{number}", response_model_exclude_unset=True)
def get_inspection_lot(number: str, db: Db, ctx: Reader) -> InspectionLotOut:
    """An inspection lot: its sampling plans per defect class, samples so far, verdict."""
    return InspectionLotOut.of(services.inspection.get_lot(db, ctx, number))


class SampleIn(BaseModel):
    id: Text = Field(description="client-chosen id: the same id sent twice is stored once")
    index: int = Field(examples=[1])
    measurements: dict[Text, MeasurementIn] = Field(default_factory=dict)
    defects: list[Text] = Field(default_factory=list)


class SamplesIn(BaseModel):
    samples: list[SampleIn]


@router.post("/inspection-lots/{number}/samples", response_model_exclude_unset=True)
def record_samples(number: str, body: SamplesIn, db: Db, ctx: Quality) -> InspectionLotOut:
    """Record what was found on sampled items; a sample recorded again corrects it."""
    recorded = [(s.id, s.index, dict(s.measurements), list(s.defects)) for s in body.samples]
    return InspectionLotOut.of(services.inspection.record(db, ctx, number, recorded))


@router.post("/inspection-lots/{number}/decide", response_model_exclude_unset=True)
def decide_inspection_lot(number: str, db: Db, ctx: Quality) -> InspectionLotOut:
    """Accept or reject by Ac/Re; a rejection holds the lot and the units it went into."""
    return InspectionLotOut.of(services.inspection.decide(db, ctx, number))


@router.get("/report/daily")
def quality_by_day(
    db: Db,
    ctx: Reader,
    first_day: Annotated[Day | None, Query(alias="from")] = None,
    last_day: Annotated[Day | None, Query(alias="to")] = None,
    item: str | None = None,
) -> list[DayQualityOut]:
    """Pass rate, first-pass yield and lot acceptance of each plant day `from` .. `to` (the
    last 30 days by default; at most 366), of one item when given."""
    found = services.quality_report.daily(db, ctx, first_day, last_day, item)
    return [DayQualityOut.model_validate(d) for d in found]


@router.get("/report")
def quality_report(
    db: Db,
    ctx: Reader,
    first_day: Annotated[Day | None, Query(alias="from")] = None,
    last_day: Annotated[Day | None, Query(alias="to")] = None,
) -> QualityReportOut:
    """Lot acceptance, yields per operation and routing, defect Pareto and supplier quality
    for plant days `from` .. `to` (the last 30 days by default)."""
    return QualityReportOut.of(services.quality_report.report(db, ctx, first_day, last_day))


@router.get("/nonconformances")
def nonconformances(db: Db, ctx: Reader, status: str | None = None) -> list[NonconformanceOut]:
    """Every hold as a nonconformance: raised by a rejected inspection or by hand, what it
    stopped, and its disposition once closed; `?status=open` or `closed` for one kind."""
    return [NonconformanceOut.of(row) for row in services.holds.nonconformances(db, ctx, status)]
