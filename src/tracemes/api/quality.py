"""Quality: sampling plans and control charts (inspections follow, issue 6)."""

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tracemes.api.deps import Reader
from tracemes.domain import sampling, spc
from tracemes.domain.errors import InvalidInputError

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
    subgroups: list[list[float]] | None = Field(default=None, examples=[[[74.03, 74.002]]])
    values: list[float] | None = None
    defectives: list[int] | None = None
    sample_sizes: list[int] | None = None
    lsl: float | None = None
    usl: float | None = None


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
