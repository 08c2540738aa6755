"""Inspection plans and inspection lots: what to check, how many to take, and the verdict.

A plan belongs to an item and a stage (incoming IQC, in-process IPQC at an operation, final
FQC/OQC). It lists the characteristics to measure or judge and the defect codes, each of a
class: critical, major or minor. Sampling is by GB/T 2828.1 with an AQL per class (critical
is zero-tolerance: Ac 0 on the whole sample), or 100 %.

Each class is judged on its own plan: its sample is the first n of the samples taken (the
inspector takes the largest n), and the lot is rejected when the defective units of a class
reach that class's Re. A measured value outside its limits makes the sample defective in
the major class.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tracemes.domain import codes, sampling
from tracemes.domain.characteristics import Characteristic, Kind, from_dict
from tracemes.domain.errors import ConflictError, InvalidInputError


class Stage(StrEnum):
    """Where in the flow the plan inspects."""

    INCOMING = "incoming"
    IN_PROCESS = "in_process"
    FINAL = "final"


class DefectClass(StrEnum):
    """How bad a defect is (GB/T 2828.1 classes A, B, C)."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


@dataclass(frozen=True, slots=True)
class DefectCode:
    """A defect an inspector can record."""

    code: str
    name: str
    defect_class: DefectClass


@dataclass(frozen=True, slots=True)
class InspectionPlan:
    """What an inspection of an item at a stage checks, and how it samples."""

    code: str
    item_code: str
    stage: Stage
    characteristics: tuple[Characteristic, ...]
    defects: tuple[DefectCode, ...]
    level: str = "II"
    aql_major: Decimal | None = None
    aql_minor: Decimal | None = None
    full: bool = False  # 100 % inspection instead of sampling
    operation: str | None = None  # for in-process plans

    def defect(self, code: str) -> DefectCode:
        """A defect code of this plan."""
        for defect in self.defects:
            if defect.code == code:
                return defect
        raise InvalidInputError("defects", f"{code} is not a defect code of plan {self.code}")


@dataclass(frozen=True, slots=True)
class ClassPlan:
    """The sampling plan one defect class is judged by."""

    defect_class: DefectClass
    sample_size: int
    ac: int
    re: int


@dataclass(frozen=True, slots=True)
class Sample:
    """What was found on one sampled item: measured values and defect codes."""

    index: int  # 1 .. sample size
    measurements: Mapping[str, Decimal] = field(default_factory=dict)
    defects: tuple[str, ...] = ()


def new_plan(
    code: str,
    item_code: str,
    stage: object,
    characteristics: Sequence[Characteristic],
    defects: Sequence[Mapping[str, object]],
    level: str = "II",
    aql_major: object = None,
    aql_minor: object = None,
    full: bool = False,
    operation: str | None = None,
) -> InspectionPlan:
    """Check a plan: a known stage, distinct codes, sampling by AQL or 100 %."""
    try:
        checked_stage = Stage(str(stage))
    except ValueError:
        raise InvalidInputError(
            "stage", f"{stage!r} is not incoming, in_process or final"
        ) from None
    if checked_stage is Stage.IN_PROCESS and not operation:
        raise InvalidInputError("operation", "an in-process plan names its operation")
    if checked_stage is not Stage.IN_PROCESS and operation:
        raise InvalidInputError(
            "operation", f"only an in-process plan is tied to an operation, not {stage} ones"
        )
    if level not in sampling.LEVELS:
        raise InvalidInputError("level", f"{level!r} is not one of {', '.join(sampling.LEVELS)}")
    major = sampling.aql_of(aql_major) if aql_major is not None else None
    minor = sampling.aql_of(aql_minor) if aql_minor is not None else None
    if not full and major is None and minor is None:
        raise InvalidInputError("aql_major", "give an AQL for major or minor defects, or full")
    checked = []
    for index, raw in enumerate(defects):
        where = f"defects[{index}]"
        try:
            defect_class = DefectClass(str(raw.get("class") or DefectClass.MAJOR.value))
        except ValueError:
            raise InvalidInputError(
                f"{where}.class", f"{raw.get('class')!r} is not critical, major or minor"
            ) from None
        checked.append(
            DefectCode(
                codes.check(f"{where}.code", str(raw.get("code") or "")),
                codes.check_name(f"{where}.name", str(raw.get("name") or "")),
                defect_class,
            )
        )
    for label, found in (
        ("defects", [d.code for d in checked]),
        ("characteristics", [c.code for c in characteristics]),
    ):
        twice = sorted({c for c in found if found.count(c) > 1})
        if twice:
            raise InvalidInputError(label, f"{', '.join(twice)} listed twice")
    return InspectionPlan(
        code=codes.check("code", code),
        item_code=item_code,
        stage=checked_stage,
        characteristics=tuple(characteristics),
        defects=tuple(checked),
        level=level,
        aql_major=major,
        aql_minor=minor,
        full=full,
        operation=operation or None,
    )


def class_plans(plan: InspectionPlan, lot_size: int) -> tuple[ClassPlan, ...]:
    """The plan each defect class is judged by, for a lot of this size on normal
    inspection. Critical defects are not accepted at all, on the largest sample."""
    if plan.full or lot_size < 2:  # a lot of one item: inspect it
        return tuple(ClassPlan(c, lot_size, 0, 1) for c in DefectClass)
    found = []
    for defect_class, aql in (
        (DefectClass.MAJOR, plan.aql_major),
        (DefectClass.MINOR, plan.aql_minor),
    ):
        if aql is not None:
            chosen = sampling.normal_plan(lot_size, plan.level, aql)
            found.append(ClassPlan(defect_class, chosen.sample_size, chosen.ac, chosen.re))
    largest = max(c.sample_size for c in found)
    return (ClassPlan(DefectClass.CRITICAL, largest, 0, 1), *found)


def sample_size(plans: Sequence[ClassPlan]) -> int:
    """How many items the inspector takes: the largest sample of any class."""
    return max(p.sample_size for p in plans)


def defect_classes(plan: InspectionPlan, sample: Sample) -> set[DefectClass]:
    """The classes a sample is defective in: its defect codes', and major for a measured
    value outside its limits. Empty for a good item."""
    found = {plan.defect(code).defect_class for code in sample.defects}
    by_code = {c.code: c for c in plan.characteristics}
    for code, value in sample.measurements.items():
        characteristic = by_code.get(code)
        if characteristic and characteristic.kind is Kind.VARIABLE and characteristic.breach(value):
            found.add(DefectClass.MAJOR)
    return found


def check_sample(plan: InspectionPlan, size: int, sample: Sample) -> Sample:
    """A sample as recorded: its index within the sample, known defect codes, numbers for
    the plan's variable characteristics."""
    if not 1 <= sample.index <= size:
        raise InvalidInputError("sample", f"sample {sample.index} is not between 1 and {size}")
    for code in sample.defects:
        plan.defect(code)
    known = {c.code for c in plan.characteristics if c.kind is Kind.VARIABLE}
    unknown = sorted(set(sample.measurements) - known)
    if unknown:
        raise InvalidInputError(
            "measurements", f"{', '.join(unknown)} is not measured by plan {plan.code}"
        )
    return sample


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision on an inspection lot, with the count that decided each class."""

    accepted: bool
    defectives: Mapping[DefectClass, int]
    reasons: tuple[str, ...]


def tally(
    plan: InspectionPlan, plans: Sequence[ClassPlan], samples: Sequence[Sample]
) -> dict[DefectClass, tuple[int, int]]:
    """Per class: (defective items so far, samples of its n recorded so far)."""
    by_index = {s.index: s for s in samples}
    counts = {}
    for class_plan in plans:
        taken = [by_index[i] for i in range(1, class_plan.sample_size + 1) if i in by_index]
        defective = sum(class_plan.defect_class in defect_classes(plan, s) for s in taken)
        counts[class_plan.defect_class] = (defective, len(taken))
    return counts


def verdict(plan: InspectionPlan, plans: Sequence[ClassPlan], samples: Sequence[Sample]) -> Verdict:
    """Accept or reject from Ac/Re: each class counts defective items among its first n
    samples. Refused while a class could still go either way (samples missing)."""
    counts = tally(plan, plans, samples)
    reasons = [
        f"{p.defect_class.value}: {counts[p.defect_class][0]} defective in "
        f"{p.sample_size} (Re {p.re})"
        for p in plans
        if counts[p.defect_class][0] >= p.re
    ]
    defectives = {c: found for c, (found, _) in counts.items()}
    if reasons:
        return Verdict(False, defectives, tuple(reasons))
    if any(counts[p.defect_class][1] < p.sample_size for p in plans):
        missing = sample_size(plans) - len({s.index for s in samples})
        raise ConflictError(
            f"{missing} samples still to record before the lot can be accepted",
            code="inspection_incomplete",
        )
    return Verdict(True, defectives, ())


@dataclass(frozen=True, slots=True)
class LotVerdict:
    """The decision as kept with a decided lot (and told in its ledger line): defective
    items per class name, the reasons of a rejection, and for a rejected lot the finished
    units it reached that had already shipped (None on an accepted lot, whose record has
    no such entry)."""

    accepted: bool
    defectives: Mapping[str, int]
    reasons: tuple[str, ...]
    shipped: tuple[str, ...] | None = None

    def defective(self, defect_class: DefectClass) -> int:
        """Defective items found in one class."""
        return self.defectives.get(defect_class.value, 0)


def lot_verdict(decided: Verdict, shipped: Sequence[str] | None = None) -> LotVerdict:
    """A verdict as it is kept with its lot; `shipped` only for a rejection."""
    return LotVerdict(
        accepted=decided.accepted,
        defectives={c.value: n for c, n in decided.defectives.items()},
        reasons=decided.reasons,
        shipped=None if shipped is None else tuple(shipped),
    )


def verdict_as_dict(verdict: LotVerdict) -> dict[str, object]:
    """The verdict as stored, as the ledger tells it and as the API shows it."""
    stored: dict[str, object] = {
        "accepted": verdict.accepted,
        "defectives": dict(verdict.defectives),
        "reasons": list(verdict.reasons),
    }
    if verdict.shipped is not None:
        stored["shipped"] = list(verdict.shipped)
    return stored


def verdict_from_dict(stored: Mapping[str, Any]) -> LotVerdict:
    """A verdict as `verdict_as_dict` wrote it."""
    shipped = stored.get("shipped")
    return LotVerdict(
        accepted=bool(stored["accepted"]),
        defectives={str(c): int(n) for c, n in (stored.get("defectives") or {}).items()},
        reasons=tuple(stored.get("reasons") or ()),
        shipped=None if shipped is None else tuple(shipped),
    )


@dataclass(frozen=True, slots=True)
class LotSummary:
    """One line of the list of inspection lots: what is inspected, where, and how it
    stands."""

    number: str
    item: str
    lot: str | None  # a received lot's number
    work_order: str | None  # final and in-process inspection: the order
    operation: str | None  # in-process inspection: where
    supplier: str | None
    lot_size: int
    status: str
    hold_code: str | None  # a rejected lot: the hold it raised
    created_at: datetime
    decided_at: datetime | None


def switching_lot(
    plan: InspectionPlan,
    plans: Sequence[ClassPlan],
    lot_size: int,
    accepted: bool,
    verdict: LotVerdict | None,
) -> sampling.LotResult:
    """A decided lot as the switching rules count it: by its major class plan (Ac 0
    without one), with the plan one AQL step tighter and the major defectives found for
    the switching score."""
    major = next((p for p in plans if p.defect_class is DefectClass.MAJOR), None)
    tighter = None
    if plan.aql_major is not None and lot_size >= 2:
        letter = sampling.code_letter(lot_size, plan.level)
        tighter = sampling.tighter_ac(letter, plan.aql_major)
    found = verdict.defective(DefectClass.MAJOR) if verdict else 0
    return sampling.LotResult(accepted, major.ac if major else 0, tighter, found)


def next_index(size: int, samples: Sequence[Sample]) -> int | None:
    """The first sample not recorded yet, or None when all are in."""
    recorded = {s.index for s in samples}
    return next((i for i in range(1, size + 1) if i not in recorded), None)


def plan_as_dict(plan: InspectionPlan) -> dict[str, object]:
    """The plan as stored, and as the API shows it (decimals as exact text)."""
    return {
        "code": plan.code,
        "item": plan.item_code,
        "stage": plan.stage.value,
        "operation": plan.operation,
        "level": plan.level,
        "aql_major": None if plan.aql_major is None else str(plan.aql_major),
        "aql_minor": None if plan.aql_minor is None else str(plan.aql_minor),
        "full": plan.full,
        "characteristics": [c.as_dict() for c in plan.characteristics],
        "defects": [
            {"code": d.code, "name": d.name, "class": d.defect_class.value} for d in plan.defects
        ],
    }


def plan_from_dict(stored: Mapping[str, Any]) -> InspectionPlan:
    """A plan as `plan_as_dict` wrote it."""
    return InspectionPlan(
        code=stored["code"],
        item_code=stored["item"],
        stage=Stage(stored["stage"]),
        characteristics=tuple(from_dict(c) for c in stored["characteristics"]),
        defects=tuple(
            DefectCode(d["code"], d["name"], DefectClass(d["class"])) for d in stored["defects"]
        ),
        level=stored["level"],
        aql_major=None if stored["aql_major"] is None else Decimal(stored["aql_major"]),
        aql_minor=None if stored["aql_minor"] is None else Decimal(stored["aql_minor"]),
        full=bool(stored["full"]),
        operation=stored["operation"],
    )
