"""What the quality routes answer: inspection plans and lots, control charts, the quality
report and nonconformances, as documented shapes in the OpenAPI document.

Keys that only some answers carry (a control chart's second chart and capability, limits
per point of a p chart with unequal samples, the shipped units of a rejected lot) are left
out where they do not apply, as before these shapes were written down: the routes that
answer them drop fields never set (`response_model_exclude_unset`), and every `of()` here
sets each field that applies, None included.
"""

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from tracemes.api.models import Record
from tracemes.domain import spc
from tracemes.domain.holds import Nonconformance
from tracemes.domain.inspection import InspectionPlan, LotVerdict
from tracemes.services.inspection import InspectionLot
from tracemes.services.quality_report import QualityReport


class PointOut(BaseModel):
    value: float
    rules: list[str] = Field(description="the run rules this point breaks")
    center: float | None = Field(default=None, description="p chart, unequal samples only")
    ucl: float | None = Field(default=None, description="p chart, unequal samples only")
    lcl: float | None = Field(default=None, description="p chart, unequal samples only")

    @classmethod
    def of(cls, point: spc.Point, varying: bool) -> "PointOut":
        if varying:
            return cls(
                value=point.value,
                rules=[r.value for r in point.rules],
                center=point.center,
                ucl=point.ucl,
                lcl=point.lcl,
            )
        return cls(value=point.value, rules=[r.value for r in point.rules])


class ChartOut(BaseModel):
    center: float
    ucl: float | list[float] = Field(description="one limit, or one per point (varying)")
    lcl: float | list[float] = Field(description="one limit, or one per point (varying)")
    points: list[PointOut]

    @classmethod
    def of(cls, chart: spc.Chart) -> "ChartOut":
        points = [PointOut.of(p, chart.varying) for p in chart.points]
        if chart.varying:  # limits per point, as the contract says
            return cls(
                center=chart.center,
                ucl=[p.ucl for p in chart.points],
                lcl=[p.lcl for p in chart.points],
                points=points,
            )
        return cls(center=chart.center, ucl=chart.ucl, lcl=chart.lcl, points=points)


class SpcOut(BaseModel):
    """The main chart's limits and points, then its second chart under its name, then
    capability when specification limits were given."""

    chart: str
    center: float
    ucl: float | list[float] = Field(description="one limit, or one per point (varying)")
    lcl: float | list[float] = Field(description="one limit, or one per point (varying)")
    points: list[PointOut]
    range: ChartOut | None = Field(default=None, description="X-bar and R charts")
    s: ChartOut | None = Field(default=None, description="X-bar and S charts")
    moving_range: ChartOut | None = Field(default=None, description="individuals charts")
    mean: float | None = None
    sigma_within: float | None = None
    sigma_overall: float | None = None
    cp: float | None = None
    cpk: float | None = None
    pp: float | None = None
    ppk: float | None = None
    notes: list[str]

    @classmethod
    def of(cls, analysis: spc.Analysis) -> "SpcOut":
        main = ChartOut.of(analysis.main)
        fields: dict[str, object] = {"chart": analysis.kind.value, **dict(main)}
        if analysis.second is not None:
            fields[analysis.second.name] = ChartOut.of(analysis.second)
        capability = analysis.capability
        if capability is not None:
            fields |= {
                "mean": capability.mean,
                "sigma_within": capability.sigma_within,
                "sigma_overall": capability.sigma_overall,
                "cp": capability.cp,
                "cpk": capability.cpk,
                "pp": capability.pp,
                "ppk": capability.ppk,
            }
        fields["notes"] = list(analysis.notes)
        return cls.model_validate(fields)


class PlanCharacteristicOut(BaseModel):
    """A characteristic of an inspection plan, limits as exact text as they were given."""

    code: str
    name: str
    kind: str
    unit: str | None
    lsl: str | None
    usl: str | None


class DefectCodeOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    code: str
    name: str
    defect_class: str = Field(alias="class", description="critical, major or minor")


class InspectionPlanOut(BaseModel):
    code: str
    item: str
    stage: str
    operation: str | None
    level: str
    aql_major: str | None = Field(description="the AQL as exact text")
    aql_minor: str | None = Field(description="the AQL as exact text")
    full: bool = Field(description="100 % inspection instead of sampling")
    characteristics: list[PlanCharacteristicOut]
    defects: list[DefectCodeOut]

    @classmethod
    def of(cls, plan: InspectionPlan) -> "InspectionPlanOut":
        return cls(
            code=plan.code,
            item=plan.item_code,
            stage=plan.stage.value,
            operation=plan.operation,
            level=plan.level,
            aql_major=None if plan.aql_major is None else str(plan.aql_major),
            aql_minor=None if plan.aql_minor is None else str(plan.aql_minor),
            full=plan.full,
            characteristics=[PlanCharacteristicOut(**c.as_dict()) for c in plan.characteristics],
            defects=[
                DefectCodeOut(code=d.code, name=d.name, defect_class=d.defect_class.value)
                for d in plan.defects
            ],
        )


class ClassPlanOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    defect_class: str = Field(alias="class")
    sample_size: int
    ac: int
    re: int


class SampleOut(BaseModel):
    index: int
    measurements: dict[str, float]
    defects: list[str]


class VerdictOut(BaseModel):
    accepted: bool
    defectives: dict[str, int] = Field(description="defective sampled items per class")
    reasons: list[str]
    shipped: list[str] | None = Field(
        default=None,
        description="a rejected lot only: finished units it reached that had already "
        "shipped (a recall)",
    )

    @classmethod
    def of(cls, verdict: LotVerdict) -> "VerdictOut":
        fields = {
            "accepted": verdict.accepted,
            "defectives": dict(verdict.defectives),
            "reasons": list(verdict.reasons),
        }
        if verdict.shipped is not None:
            fields["shipped"] = list(verdict.shipped)
        return cls.model_validate(fields)


class SwitchingOut(BaseModel):
    severity: str
    score: int
    stopped: bool


class InspectionLotOut(BaseModel):
    number: str
    plan: str
    item: str
    lot: str | None
    work_order: str | None
    operation: str | None
    units: list[str]
    supplier: str | None
    lot_size: int
    sample_size: int
    class_plans: list[ClassPlanOut]
    status: str
    samples: list[SampleOut]
    verdict: VerdictOut | None
    hold: str | None
    switching: SwitchingOut | None = Field(description="a supplier's incoming lot only")

    @classmethod
    def of(cls, lot: InspectionLot) -> "InspectionLotOut":
        switching = lot.switching
        return cls(
            number=lot.number,
            plan=lot.plan.code,
            item=lot.item_code,
            lot=lot.lot,
            work_order=lot.work_order,
            operation=lot.operation,
            units=list(lot.units),
            supplier=lot.supplier,
            lot_size=lot.lot_size,
            sample_size=lot.sample_size,
            class_plans=[
                ClassPlanOut(
                    defect_class=p.defect_class.value, sample_size=p.sample_size, ac=p.ac, re=p.re
                )
                for p in lot.class_plans
            ],
            status=lot.status,
            samples=[
                SampleOut(
                    index=s.index,
                    measurements={k: float(v) for k, v in s.measurements.items()},
                    defects=list(s.defects),
                )
                for s in lot.samples
            ],
            verdict=None if lot.verdict is None else VerdictOut.of(lot.verdict),
            hold=lot.hold_code,
            switching=None
            if switching is None
            else SwitchingOut(
                severity=switching.severity.value, score=switching.score, stopped=switching.stopped
            ),
        )


class InspectionLotLineOut(Record):
    number: str
    item: str
    lot: str | None
    work_order: str | None
    operation: str | None
    supplier: str | None
    lot_size: int
    status: str
    created_at: datetime


class DayQualityOut(Record):
    day: date
    passed: int
    failed: int
    pass_rate: Decimal | None
    first_tries: int
    first_passes: int
    first_pass_yield: Decimal | None
    lots_decided: int
    lots_accepted: int
    acceptance_rate: Decimal | None


class StepYieldOut(BaseModel):
    item: str
    operation: str
    passed: int
    failed: int
    pass_rate: Decimal | None
    first_tries: int
    first_passes: int
    first_pass_yield: Decimal | None


class ParetoBarOut(Record):
    code: str
    count: int
    share: Decimal
    cumulative: Decimal


class SupplierQualityOut(Record):
    supplier: str
    lots: int
    accepted: int
    rejected: int
    acceptance_rate: Decimal | None
    sampled: int
    defective: int
    ppm: int | None = Field(description="defective sampled items per million sampled")


class QualityReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    first_day: date = Field(alias="from")
    last_day: date = Field(alias="to")
    timezone: str
    lots_decided: int
    lots_accepted: int
    acceptance_rate: Decimal | None
    operations: list[StepYieldOut]
    rolled_throughput_yield: dict[str, Decimal] = Field(description="per item (its routing)")
    pareto: list[ParetoBarOut]
    suppliers: list[SupplierQualityOut]

    @classmethod
    def of(cls, found: QualityReport) -> "QualityReportOut":
        return cls(
            first_day=found.first_day,
            last_day=found.last_day,
            timezone=found.timezone,
            lots_decided=found.lots_decided,
            lots_accepted=found.lots_accepted,
            acceptance_rate=found.acceptance_rate,
            operations=[
                StepYieldOut(
                    item=s.item_code,
                    operation=s.operation,
                    passed=s.passed,
                    failed=s.failed,
                    pass_rate=s.pass_rate,
                    first_tries=s.first_tries,
                    first_passes=s.first_passes,
                    first_pass_yield=s.first_pass_yield,
                )
                for s in found.steps
            ],
            rolled_throughput_yield=found.rolled_throughput_yield,
            pareto=[ParetoBarOut.model_validate(bar) for bar in found.pareto],
            suppliers=[SupplierQualityOut.model_validate(s) for s in found.suppliers],
        )


class NonconformanceOut(BaseModel):
    hold: str
    source: str = Field(description="inspection (a rejected lot) or hold (raised by hand)")
    reason: str
    raised_at: datetime
    raised_by: str | None
    inspection: str | None
    item: str | None
    lot: str | None
    work_order: str | None
    operation: str | None
    supplier: str | None
    decided_at: datetime | None
    reasons: list[str]
    shipped: list[str]
    held_units: int
    held_lots: int
    status: str = Field(description="open or closed")
    disposition: str | None
    note: str | None
    closed_at: datetime | None
    closed_by: str | None

    @classmethod
    def of(cls, row: Nonconformance) -> "NonconformanceOut":
        return cls(
            hold=row.hold,
            source="inspection" if row.inspection else "hold",
            reason=row.reason,
            raised_at=row.raised_at,
            raised_by=row.raised_by,
            inspection=row.inspection,
            item=row.item,
            lot=row.lot,
            work_order=row.work_order,
            operation=row.operation,
            supplier=row.supplier,
            decided_at=row.decided_at,
            reasons=list(row.reasons),
            shipped=list(row.shipped),
            held_units=row.held_units,
            held_lots=row.held_lots,
            status="closed" if row.released_at else "open",
            disposition=row.disposition,
            note=row.note,
            closed_at=row.released_at,
            closed_by=row.released_by,
        )
