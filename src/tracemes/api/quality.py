"""Quality: sampling plans and control charts (inspections follow, issue 6)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tracemes import services
from tracemes.api.deps import Db, Quality, Reader
from tracemes.api.models import Day, MeasuredFloat, MeasurementIn, Text
from tracemes.api.routings import CharacteristicIn
from tracemes.domain import characteristics, inspection, sampling, spc
from tracemes.domain.errors import InvalidInputError
from tracemes.services.inspection import InspectionLot

router = APIRouter(prefix="/quality", tags=["quality"])


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


def _chart_json(chart: spc.Chart) -> dict[str, Any]:
    points = [
        {"value": p.value, "rules": [r.value for r in p.rules]}
        | ({"center": p.center, "ucl": p.ucl, "lcl": p.lcl} if chart.varying else {})
        for p in chart.points
    ]
    if chart.varying:  # limits per point, as the contract says
        return {
            "center": chart.center,
            "ucl": [p.ucl for p in chart.points],
            "lcl": [p.lcl for p in chart.points],
            "points": points,
        }
    return {"center": chart.center, "ucl": chart.ucl, "lcl": chart.lcl, "points": points}


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


@router.post("/spc")
def control_chart(body: SpcIn, ctx: Reader) -> dict[str, Any]:
    """Control limits, the rules each point breaks, and capability when limits are given."""
    analysis = analyse(body)
    answer: dict[str, Any] = {"chart": analysis.kind.value, **_chart_json(analysis.main)}
    if analysis.second is not None:
        answer[analysis.second.name] = _chart_json(analysis.second)
    capability = analysis.capability
    if capability is not None:
        answer |= {
            "mean": capability.mean,
            "sigma_within": capability.sigma_within,
            "sigma_overall": capability.sigma_overall,
            "cp": capability.cp,
            "cpk": capability.cpk,
            "pp": capability.pp,
            "ppk": capability.ppk,
        }
    answer["notes"] = list(analysis.notes)
    return answer


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
def put_inspection_plan(code: str, body: InspectionPlanIn, db: Db, ctx: Quality) -> dict[str, Any]:
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
    return inspection.plan_as_dict(plan)


@router.get("/inspection-plans/{code}")
def get_inspection_plan(code: str, db: Db, ctx: Reader) -> dict[str, Any]:
    """An inspection plan."""
    return inspection.plan_as_dict(services.inspection.get_plan(db, ctx, code))


def _lot_json(lot: InspectionLot) -> dict[str, Any]:
    return {
        "number": lot.number,
        "plan": lot.plan.code,
        "item": lot.item_code,
        "lot": lot.lot,
        "work_order": lot.work_order,
        "operation": lot.operation,
        "units": list(lot.units),
        "supplier": lot.supplier,
        "lot_size": lot.lot_size,
        "sample_size": lot.sample_size,
        "class_plans": [
            {"class": p.defect_class.value, "sample_size": p.sample_size, "ac": p.ac, "re": p.re}
            for p in lot.class_plans
        ],
        "status": lot.status,
        "samples": [
            {
                "index": s.index,
                "measurements": {k: float(v) for k, v in s.measurements.items()},
                "defects": list(s.defects),
            }
            for s in lot.samples
        ],
        "verdict": None if lot.verdict is None else inspection.verdict_as_dict(lot.verdict),
        "hold": lot.hold_code,
        "switching": None
        if lot.switching is None
        else {
            "severity": lot.switching.severity.value,
            "score": lot.switching.score,
            "stopped": lot.switching.stopped,
        },
    }


@router.get("/inspection-lots")
def list_inspection_lots(db: Db, ctx: Reader, status: str | None = None) -> list[dict[str, Any]]:
    """Inspection lots, newest first; `?status=open` is the inspector's list."""
    return [
        {
            "number": row.number,
            "item": row.item,
            "lot": row.lot,
            "work_order": row.work_order,
            "operation": row.operation,
            "supplier": row.supplier,
            "lot_size": row.lot_size,
            "status": row.status,
            "created_at": row.created_at,
        }
        for row in services.inspection.list_lots(db, ctx, status)
    ]


class OrderInspectionIn(BaseModel):
    work_order: Text = Field(examples=["WO20260316-002"])
    operation: Text | None = Field(
        default=None,
        description="in-process inspection at this operation; without it, final inspection",
        examples=["OP40"],
    )


@router.post("/inspection-lots", status_code=201)
def open_order_inspection(body: OrderInspectionIn, db: Db, ctx: Quality) -> dict[str, Any]:
    """Open the final inspection of a work order's finished units (by the item's final
    plan), or with `operation` its in-process inspection there (the units that passed it
    since the last one, by the in-process plan for that operation)."""
    if body.operation is None:
        return _lot_json(services.inspection.open_final(db, ctx, body.work_order))
    return _lot_json(services.inspection.open_in_process(db, ctx, body.work_order, body.operation))


@router.get("/inspection-lots/{number}")
def get_inspection_lot(number: str, db: Db, ctx: Reader) -> dict[str, Any]:
    """An inspection lot: its sampling plans per defect class, samples so far, verdict."""
    return _lot_json(services.inspection.get_lot(db, ctx, number))


class SampleIn(BaseModel):
    id: Text = Field(description="client-chosen id: the same id sent twice is stored once")
    index: int = Field(examples=[1])
    measurements: dict[Text, MeasurementIn] = Field(default_factory=dict)
    defects: list[Text] = Field(default_factory=list)


class SamplesIn(BaseModel):
    samples: list[SampleIn]


@router.post("/inspection-lots/{number}/samples")
def record_samples(number: str, body: SamplesIn, db: Db, ctx: Quality) -> dict[str, Any]:
    """Record what was found on sampled items; a sample recorded again corrects it."""
    recorded = [(s.id, s.index, dict(s.measurements), list(s.defects)) for s in body.samples]
    return _lot_json(services.inspection.record(db, ctx, number, recorded))


@router.post("/inspection-lots/{number}/decide")
def decide_inspection_lot(number: str, db: Db, ctx: Quality) -> dict[str, Any]:
    """Accept or reject by Ac/Re; a rejection holds the lot and the units it went into."""
    return _lot_json(services.inspection.decide(db, ctx, number))


@router.get("/report/daily")
def quality_by_day(
    db: Db,
    ctx: Reader,
    first_day: Annotated[Day | None, Query(alias="from")] = None,
    last_day: Annotated[Day | None, Query(alias="to")] = None,
    item: str | None = None,
) -> list[dict[str, Any]]:
    """Pass rate, first-pass yield and lot acceptance of each plant day `from` .. `to` (the
    last 30 days by default; at most 366), of one item when given."""
    return [
        {
            "day": d.day,
            "passed": d.passed,
            "failed": d.failed,
            "pass_rate": d.pass_rate,
            "first_tries": d.first_tries,
            "first_passes": d.first_passes,
            "first_pass_yield": d.first_pass_yield,
            "lots_decided": d.lots_decided,
            "lots_accepted": d.lots_accepted,
            "acceptance_rate": d.acceptance_rate,
        }
        for d in services.quality_report.daily(db, ctx, first_day, last_day, item)
    ]


@router.get("/report")
def quality_report(
    db: Db,
    ctx: Reader,
    first_day: Annotated[Day | None, Query(alias="from")] = None,
    last_day: Annotated[Day | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Lot acceptance, yields per operation and routing, defect Pareto and supplier quality
    for plant days `from` .. `to` (the last 30 days by default)."""
    found = services.quality_report.report(db, ctx, first_day, last_day)
    return {
        "from": found.first_day,
        "to": found.last_day,
        "timezone": found.timezone,
        "lots_decided": found.lots_decided,
        "lots_accepted": found.lots_accepted,
        "acceptance_rate": found.acceptance_rate,
        "operations": [
            {
                "item": s.item_code,
                "operation": s.operation,
                "passed": s.passed,
                "failed": s.failed,
                "pass_rate": s.pass_rate,
                "first_tries": s.first_tries,
                "first_passes": s.first_passes,
                "first_pass_yield": s.first_pass_yield,
            }
            for s in found.steps
        ],
        "rolled_throughput_yield": found.rolled_throughput_yield,
        "pareto": [
            {"code": b.code, "count": b.count, "share": b.share, "cumulative": b.cumulative}
            for b in found.pareto
        ],
        "suppliers": [
            {
                "supplier": s.supplier,
                "lots": s.lots,
                "accepted": s.accepted,
                "rejected": s.rejected,
                "acceptance_rate": s.acceptance_rate,
                "sampled": s.sampled,
                "defective": s.defective,
                "ppm": s.ppm,
            }
            for s in found.suppliers
        ],
    }


@router.get("/nonconformances")
def nonconformances(db: Db, ctx: Reader, status: str | None = None) -> list[dict[str, Any]]:
    """Every hold as a nonconformance: raised by a rejected inspection or by hand, what it
    stopped, and its disposition once closed; `?status=open` or `closed` for one kind."""
    return [
        {
            "hold": row.hold,
            "source": "inspection" if row.inspection else "hold",
            "reason": row.reason,
            "raised_at": row.raised_at,
            "raised_by": row.raised_by,
            "inspection": row.inspection,
            "item": row.item,
            "lot": row.lot,
            "work_order": row.work_order,
            "operation": row.operation,
            "supplier": row.supplier,
            "decided_at": row.decided_at,
            "reasons": list(row.reasons),
            "shipped": list(row.shipped),
            "held_units": row.held_units,
            "held_lots": row.held_lots,
            "status": "closed" if row.released_at else "open",
            "disposition": row.disposition,
            "note": row.note,
            "closed_at": row.released_at,
            "closed_by": row.released_by,
        }
        for row in services.inspection.nonconformances(db, ctx, status)
    ]
