"""Statistical process control: Shewhart charts, the Western Electric rules, capability.

Control limits come from the standard constants (ASTM E2587 / Montgomery, Appendix VI), as
printed to three or four decimals, so a chart here gives the same limits as a chart drawn
by hand from the same tables. Subgroup rules:

- X-bar/R: subgroups of equal size 2..25 (R wastes information above 10; prefer X-bar/S).
- X-bar/S: subgroups of equal size 2..25.
- Individuals / moving range: single values; the moving range spans 2 points.
- p: defectives out of each sample; limits per point when sample sizes differ.
- np: defectives out of samples of one size.

Process capability uses the within-subgroup sigma (R-bar/d2, s-bar/c4 or MR-bar/d2):
Cp = (USL - LSL) / 6 sigma, Cpk = min(USL - mean, mean - LSL) / 3 sigma; process
performance Pp and Ppk use the overall sample standard deviation of every value instead.
With one specification limit only Cpk / Ppk (the one side) are given.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tracemes.domain import numbers
from tracemes.domain.errors import InvalidInputError


class ChartKind(StrEnum):
    """The charts TraceMES draws."""

    XBAR_R = "xbar_r"
    XBAR_S = "xbar_s"
    IMR = "imr"
    P = "p"
    NP = "np"


class Rule(StrEnum):
    """The Western Electric rules, named for what they saw (zones in sigma of the chart)."""

    BEYOND_LIMITS = "beyond_limits"  # 1 point beyond 3 sigma
    TWO_OF_THREE = "2_of_3_beyond_2_sigma"  # same side
    FOUR_OF_FIVE = "4_of_5_beyond_1_sigma"  # same side
    EIGHT_ON_ONE_SIDE = "8_on_one_side"  # of the center line


@dataclass(frozen=True, slots=True)
class Factors:
    """Control chart constants for one subgroup size."""

    a2: float
    a3: float
    d2: float
    d3_factor: float  # D3
    d4: float
    b3: float
    b4: float
    c4: float


# n: A2, A3, d2, D3, D4, B3, B4, c4 (Montgomery, Introduction to Statistical Quality
# Control, Appendix Table VI; the same values as ASTM E2587). Checked against their
# defining formulas in tests/domain/test_spc.py.
_TABLE = {
    2: (1.880, 2.659, 1.128, 0.000, 3.267, 0.000, 3.267, 0.7979),
    3: (1.023, 1.954, 1.693, 0.000, 2.574, 0.000, 2.568, 0.8862),
    4: (0.729, 1.628, 2.059, 0.000, 2.282, 0.000, 2.266, 0.9213),
    5: (0.577, 1.427, 2.326, 0.000, 2.114, 0.000, 2.089, 0.9400),
    6: (0.483, 1.287, 2.534, 0.000, 2.004, 0.030, 1.970, 0.9515),
    7: (0.419, 1.182, 2.704, 0.076, 1.924, 0.118, 1.882, 0.9594),
    8: (0.373, 1.099, 2.847, 0.136, 1.864, 0.185, 1.815, 0.9650),
    9: (0.337, 1.032, 2.970, 0.184, 1.816, 0.239, 1.761, 0.9693),
    10: (0.308, 0.975, 3.078, 0.223, 1.777, 0.284, 1.716, 0.9727),
    11: (0.285, 0.927, 3.173, 0.256, 1.744, 0.321, 1.679, 0.9754),
    12: (0.266, 0.886, 3.258, 0.283, 1.717, 0.354, 1.646, 0.9776),
    13: (0.249, 0.850, 3.336, 0.307, 1.693, 0.382, 1.618, 0.9794),
    14: (0.235, 0.817, 3.407, 0.328, 1.672, 0.406, 1.594, 0.9810),
    15: (0.223, 0.789, 3.472, 0.347, 1.653, 0.428, 1.572, 0.9823),
    16: (0.212, 0.763, 3.532, 0.363, 1.637, 0.448, 1.552, 0.9835),
    17: (0.203, 0.739, 3.588, 0.378, 1.622, 0.466, 1.534, 0.9845),
    18: (0.194, 0.718, 3.640, 0.391, 1.608, 0.482, 1.518, 0.9854),
    19: (0.187, 0.698, 3.689, 0.403, 1.597, 0.497, 1.503, 0.9862),
    20: (0.180, 0.680, 3.735, 0.415, 1.585, 0.510, 1.490, 0.9869),
    21: (0.173, 0.663, 3.778, 0.425, 1.575, 0.523, 1.477, 0.9876),
    22: (0.167, 0.647, 3.819, 0.434, 1.566, 0.534, 1.466, 0.9882),
    23: (0.162, 0.633, 3.858, 0.443, 1.557, 0.545, 1.455, 0.9887),
    24: (0.157, 0.619, 3.895, 0.451, 1.548, 0.555, 1.445, 0.9892),
    25: (0.153, 0.606, 3.931, 0.459, 1.541, 0.565, 1.435, 0.9896),
}
FACTORS = {n: Factors(*values) for n, values in _TABLE.items()}


@dataclass(frozen=True, slots=True)
class Point:
    """One plotted point and the rules it breaks."""

    value: float
    ucl: float
    center: float
    lcl: float
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class Chart:
    """A control chart: its limits (constant unless `varying`), points and rule breaks."""

    name: str
    center: float
    ucl: float
    lcl: float
    points: tuple[Point, ...]
    varying: bool = False  # p chart with unequal samples: each point has its own limits


@dataclass(frozen=True, slots=True)
class Capability:
    """Cp/Cpk from within-subgroup sigma, Pp/Ppk from overall sigma; None where a
    specification limit needed for it is missing."""

    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None


@dataclass(frozen=True, slots=True)
class Analysis:
    """The main chart, the dispersion chart where there is one, and capability."""

    kind: ChartKind
    main: Chart
    second: Chart | None = None
    capability: Capability | None = None
    notes: tuple[str, ...] = field(default=())


def _finite(field_name: str, values: Sequence[float]) -> list[float]:
    out = []
    for index, value in enumerate(values):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InvalidInputError(f"{field_name}[{index}]", f"{value!r} is not a number")
        if abs(value) >= numbers.LIMIT:
            raise InvalidInputError(
                f"{field_name}[{index}]", f"{value!r} is too large: values are below 10^12"
            )
        out.append(float(value))
    return out


def _subgroups(subgroups: Sequence[Sequence[float]]) -> list[list[float]]:
    if len(subgroups) < 2:
        raise InvalidInputError("subgroups", "a chart needs at least 2 subgroups (20-25 advised)")
    checked = [_finite(f"subgroups[{i}]", group) for i, group in enumerate(subgroups)]
    size = len(checked[0])
    for index, group in enumerate(checked):
        if len(group) != size:
            raise InvalidInputError(
                f"subgroups[{index}]",
                f"has {len(group)} values; every subgroup must have {size}, as the first",
            )
    if size not in FACTORS:
        raise InvalidInputError("subgroups", f"subgroups of {size} values; use 2 to 25")
    return checked


def rule_breaks(
    values: Sequence[float], center: Sequence[float], sigma: Sequence[float]
) -> list[tuple[Rule, ...]]:
    """The Western Electric rules each point breaks, judged at that point (the point that
    completes a pattern is the one flagged). Zones are in sigma of each point's limits."""
    z = [(v - c) / s if s > 0 else 0.0 for v, c, s in zip(values, center, sigma, strict=True)]
    found: list[tuple[Rule, ...]] = []
    for i, here in enumerate(z):
        rules = []
        if abs(here) > 3:
            rules.append(Rule.BEYOND_LIMITS)
        side = 1 if here > 0 else -1 if here < 0 else 0
        if side:
            last3 = [x * side for x in z[max(0, i - 2) : i + 1]]
            if here * side > 2 and len(last3) == 3 and sum(x > 2 for x in last3) >= 2:
                rules.append(Rule.TWO_OF_THREE)
            last5 = [x * side for x in z[max(0, i - 4) : i + 1]]
            if here * side > 1 and len(last5) == 5 and sum(x > 1 for x in last5) >= 4:
                rules.append(Rule.FOUR_OF_FIVE)
            last8 = [x * side for x in z[max(0, i - 7) : i + 1]]
            if len(last8) == 8 and all(x > 0 for x in last8):
                rules.append(Rule.EIGHT_ON_ONE_SIDE)
        found.append(tuple(rules))
    return found


def _chart(name: str, values: list[float], center: float, ucl: float, lcl: float) -> Chart:
    sigma = (ucl - center) / 3
    n = len(values)
    breaks = rule_breaks(values, [center] * n, [sigma] * n)
    points = tuple(
        Point(v, ucl, center, lcl, rules) for v, rules in zip(values, breaks, strict=True)
    )
    return Chart(name, center, ucl, lcl, points)


def _sample_sd(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _indices(
    mean: float, sigma: float, lsl: float | None, usl: float | None
) -> tuple[float | None, float | None]:
    """(Cp, Cpk) for one sigma: the spread index needs both limits, the centred one either."""
    if sigma <= 0:
        return None, None
    spread = (usl - lsl) / (6 * sigma) if usl is not None and lsl is not None else None
    sides = []
    if usl is not None:
        sides.append(usl - mean)
    if lsl is not None:
        sides.append(mean - lsl)
    return spread, min(sides) / (3 * sigma)


def _capability(
    values: list[float], sigma_within: float, lsl: float | None, usl: float | None
) -> Capability | None:
    if lsl is None and usl is None:
        return None
    for name, limit in (("lsl", lsl), ("usl", usl)):
        if limit is not None:
            numbers.measurement(name, limit)
    if lsl is not None and usl is not None and lsl >= usl:
        raise InvalidInputError("lsl", f"lsl {lsl} must be below usl {usl}")
    mean = sum(values) / len(values)
    overall = _sample_sd(values)
    cp, cpk = _indices(mean, sigma_within, lsl, usl)
    pp, ppk = _indices(mean, overall, lsl, usl)
    return Capability(mean, sigma_within, overall, cp, cpk, pp, ppk)


def xbar_r(
    subgroups: Sequence[Sequence[float]], lsl: float | None = None, usl: float | None = None
) -> Analysis:
    """X-bar and R charts; sigma within = R-bar / d2."""
    groups = _subgroups(subgroups)
    f = FACTORS[len(groups[0])]
    means = [sum(g) / len(g) for g in groups]
    ranges = [max(g) - min(g) for g in groups]
    grand = sum(means) / len(means)
    rbar = sum(ranges) / len(ranges)
    main = _chart("xbar", means, grand, grand + f.a2 * rbar, grand - f.a2 * rbar)
    second = _chart("range", ranges, rbar, f.d4 * rbar, f.d3_factor * rbar)
    everything = [v for g in groups for v in g]
    notes = ("subgroups above 10 values: X-bar/S uses them better",) if len(groups[0]) > 10 else ()
    return Analysis(
        ChartKind.XBAR_R, main, second, _capability(everything, rbar / f.d2, lsl, usl), notes
    )


def xbar_s(
    subgroups: Sequence[Sequence[float]], lsl: float | None = None, usl: float | None = None
) -> Analysis:
    """X-bar and S charts; sigma within = s-bar / c4."""
    groups = _subgroups(subgroups)
    f = FACTORS[len(groups[0])]
    means = [sum(g) / len(g) for g in groups]
    sds = [_sample_sd(g) for g in groups]
    grand = sum(means) / len(means)
    sbar = sum(sds) / len(sds)
    main = _chart("xbar", means, grand, grand + f.a3 * sbar, grand - f.a3 * sbar)
    second = _chart("s", sds, sbar, f.b4 * sbar, f.b3 * sbar)
    everything = [v for g in groups for v in g]
    return Analysis(ChartKind.XBAR_S, main, second, _capability(everything, sbar / f.c4, lsl, usl))


def individuals(
    values: Sequence[float], lsl: float | None = None, usl: float | None = None
) -> Analysis:
    """Individuals and moving-range charts; sigma within = MR-bar / d2 (n = 2)."""
    xs = _finite("values", values)
    if len(xs) < 3:
        raise InvalidInputError("values", "an individuals chart needs at least 3 values")
    f = FACTORS[2]
    moving = [abs(b - a) for a, b in itertools.pairwise(xs)]
    mean = sum(xs) / len(xs)
    mrbar = sum(moving) / len(moving)
    spread = 3 * mrbar / f.d2
    main = _chart("individuals", xs, mean, mean + spread, mean - spread)
    second = _chart("moving_range", moving, mrbar, f.d4 * mrbar, 0.0)
    return Analysis(ChartKind.IMR, main, second, _capability(xs, mrbar / f.d2, lsl, usl))


def _counts(defectives: Sequence[int], sizes: Sequence[int]) -> tuple[list[int], list[int]]:
    if len(defectives) < 2:
        raise InvalidInputError("defectives", "a chart needs at least 2 samples (20-25 advised)")
    if len(sizes) != len(defectives):
        raise InvalidInputError(
            "sample_sizes", f"{len(sizes)} sample sizes for {len(defectives)} samples"
        )
    for index, (d, n) in enumerate(zip(defectives, sizes, strict=True)):
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n < numbers.LIMIT:
            raise InvalidInputError(f"sample_sizes[{index}]", f"{n!r} is not a whole number > 0")
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= n:
            raise InvalidInputError(f"defectives[{index}]", f"{d!r} is not a count from 0 to {n}")
    return list(defectives), list(sizes)


def p_chart(defectives: Sequence[int], sample_sizes: Sequence[int]) -> Analysis:
    """Fraction defective per sample; limits per point when the samples differ in size."""
    ds, ns = _counts(defectives, sample_sizes)
    pbar = sum(ds) / sum(ns)
    fractions = [d / n for d, n in zip(ds, ns, strict=True)]
    sigmas = [math.sqrt(pbar * (1 - pbar) / n) for n in ns]
    breaks = rule_breaks(fractions, [pbar] * len(ds), sigmas)
    points = tuple(
        Point(p, min(1.0, pbar + 3 * s), pbar, max(0.0, pbar - 3 * s), rules)
        for p, s, rules in zip(fractions, sigmas, breaks, strict=True)
    )
    varying = len(set(ns)) > 1
    first = points[0]
    main = Chart("p", pbar, first.ucl, first.lcl, points, varying)
    return Analysis(ChartKind.P, main)


def np_chart(defectives: Sequence[int], sample_size: int) -> Analysis:
    """Number defective per sample, all samples of one size."""
    ds, ns = _counts(defectives, [sample_size] * len(defectives))
    n = ns[0]
    pbar = sum(ds) / (n * len(ds))
    spread = 3 * math.sqrt(n * pbar * (1 - pbar))
    center = n * pbar
    main = _chart("np", [float(d) for d in ds], center, center + spread, max(0.0, center - spread))
    return Analysis(ChartKind.NP, main)
