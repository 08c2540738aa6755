"""SPC against the books: the constants against their defining formulas, and two worked
examples of Montgomery, Introduction to Statistical Quality Control: the piston-ring inside
diameters (X-bar and R, 25 samples of 5) and the orange-juice cans (p chart, 30 samples of
50), with the limits the book prints, to the printed precision."""

import math

import pytest

from tracemes.domain import spc
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.spc import FACTORS, Rule

# Montgomery, Table 6.3: inside diameter (mm) of forged piston rings, 25 preliminary samples.
PISTON_RINGS = (
    (74.03, 74.002, 74.019, 73.992, 74.008),
    (73.995, 73.992, 74.001, 74.011, 74.004),
    (73.988, 74.024, 74.021, 74.005, 74.002),
    (74.002, 73.996, 73.993, 74.015, 74.009),
    (73.992, 74.007, 74.015, 73.989, 74.014),
    (74.009, 73.994, 73.997, 73.985, 73.993),
    (73.995, 74.006, 73.994, 74, 74.005),
    (73.985, 74.003, 73.993, 74.015, 73.988),
    (74.008, 73.995, 74.009, 74.005, 74.004),
    (73.998, 74, 73.99, 74.007, 73.995),
    (73.994, 73.998, 73.994, 73.995, 73.99),
    (74.004, 74, 74.007, 74, 73.996),
    (73.983, 74.002, 73.998, 73.997, 74.012),
    (74.006, 73.967, 73.994, 74, 73.984),
    (74.012, 74.014, 73.998, 73.999, 74.007),
    (74, 73.984, 74.005, 73.998, 73.996),
    (73.994, 74.012, 73.986, 74.005, 74.007),
    (74.006, 74.01, 74.018, 74.003, 74),
    (73.984, 74.002, 74.003, 74.005, 73.997),
    (74, 74.01, 74.013, 74.02, 74.003),
    (73.988, 74.001, 74.009, 74.005, 73.996),
    (74.004, 73.999, 73.99, 74.006, 74.009),
    (74.01, 73.989, 73.99, 74.009, 74.014),
    (74.015, 74.008, 73.993, 74, 74.01),
    (73.982, 73.984, 73.995, 74.017, 74.013),
)
# Montgomery, Example 7.1: nonconforming orange-juice cans in 30 samples of 50.
ORANGE_JUICE = (
    12,
    15,
    8,
    10,
    4,
    7,
    16,
    9,
    14,
    10,
    5,
    6,
    17,
    12,
    22,
    8,
    10,
    5,
    13,
    11,
    20,
    18,
    24,
    15,
    9,
    12,
    7,
    13,
    9,
    6,
)


def test_piston_rings_give_the_books_xbar_and_r_limits() -> None:
    chart = spc.xbar_r(PISTON_RINGS)
    assert chart.second is not None
    assert round(chart.main.center, 3) == 74.001
    assert round(chart.second.center, 3) == 0.023
    assert round(chart.main.ucl, 3) == 74.014
    assert round(chart.main.lcl, 3) == 73.988
    assert chart.second.lcl == 0  # D3 = 0 for samples of 5
    assert chart.second.ucl == pytest.approx(2.114 * chart.second.center)
    assert not any(point.rules for point in chart.main.points)  # the book: in control


def test_orange_juice_gives_the_books_p_chart_and_its_two_points_out() -> None:
    chart = spc.p_chart(ORANGE_JUICE, [50] * 30).main
    assert (round(chart.center, 4), round(chart.ucl, 4), round(chart.lcl, 4)) == (
        0.2313,
        0.4102,
        0.0524,
    )
    beyond = [i + 1 for i, p in enumerate(chart.points) if Rule.BEYOND_LIMITS in p.rules]
    assert beyond == [15, 23]  # the book's samples 15 and 23


def test_np_chart_is_the_p_chart_times_n() -> None:
    np_chart = spc.np_chart(ORANGE_JUICE, 50).main
    p_chart = spc.p_chart(ORANGE_JUICE, [50] * 30).main
    assert np_chart.center == pytest.approx(50 * p_chart.center)
    assert np_chart.ucl == pytest.approx(50 * p_chart.ucl)
    assert np_chart.lcl == pytest.approx(50 * p_chart.lcl)


def test_unequal_samples_get_limits_per_point() -> None:
    chart = spc.p_chart([2, 5, 3], [50, 200, 100]).main
    assert chart.varying
    widths = [p.ucl - p.center for p in chart.points]
    assert widths[0] > widths[2] > widths[1]  # larger samples, narrower limits
    pbar = 10 / 350  # all defectives over all inspected
    assert chart.center == pytest.approx(pbar)
    assert widths[0] == pytest.approx(3 * math.sqrt(pbar * (1 - pbar) / 50))


def _gamma_c4(n: int) -> float:
    return math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _d2(n: int) -> float:
    """E[range of n standard normals] = integral of 1 - Phi^n - (1 - Phi)^n."""
    step = 0.001
    xs = [-8 + step * i for i in range(int(16 / step) + 1)]
    return sum(1 - _phi(x) ** n - (1 - _phi(x)) ** n for x in xs) * step


@pytest.mark.parametrize("n", sorted(FACTORS))
def test_the_printed_constants_agree_with_their_formulas(n: int) -> None:
    f = FACTORS[n]
    c4 = _gamma_c4(n)
    assert f.c4 == pytest.approx(c4, abs=0.00006)
    assert f.a3 == pytest.approx(3 / (c4 * math.sqrt(n)), abs=0.0006)
    spread = 3 * math.sqrt(1 - c4**2) / c4
    assert f.b4 == pytest.approx(1 + spread, abs=0.0006)
    assert f.b3 == pytest.approx(max(0.0, 1 - spread), abs=0.0006)
    d2 = _d2(n)
    assert f.d2 == pytest.approx(d2, abs=0.0006)
    assert f.a2 == pytest.approx(3 / (d2 * math.sqrt(n)), abs=0.0006)
    if f.d3_factor > 0:  # D3 and D4 sit symmetrically about 1 where D3 is not cut at 0
        assert f.d3_factor + f.d4 == pytest.approx(2, abs=0.0011)


def _rules(values: list[float]) -> list[tuple[Rule, ...]]:
    """Rule breaks on a chart centred at 0 with sigma 1."""
    return spc.rule_breaks(values, [0.0] * len(values), [1.0] * len(values))


def test_each_western_electric_rule_flags_the_point_that_completes_it() -> None:
    assert _rules([0.5, -3.2])[1] == (Rule.BEYOND_LIMITS,)
    two_of_three = _rules([2.5, 0.1, 2.2])
    assert two_of_three[2] == (Rule.TWO_OF_THREE,)
    assert two_of_three[0] == ()
    four_of_five = _rules([1.5, 1.2, 0.3, 1.1, 1.4])
    assert four_of_five[4] == (Rule.FOUR_OF_FIVE,)
    eight = _rules([0.2] * 7 + [0.3])
    assert eight[7] == (Rule.EIGHT_ON_ONE_SIDE,)
    assert eight[6] == ()
    assert _rules([2.5, -2.5, 2.5])[2] == (Rule.TWO_OF_THREE,)  # sides are counted apart
    assert _rules([-2.5, 2.5, -0.1])[2] == ()


def test_capability_from_within_and_overall_sigma() -> None:
    chart = spc.xbar_r(PISTON_RINGS, lsl=73.95, usl=74.05)
    cap = chart.capability
    assert cap is not None
    assert chart.second is not None
    sigma = chart.second.center / 2.326
    assert cap.cp == pytest.approx(0.10 / (6 * sigma))
    assert cap.cpk == pytest.approx((74.05 - cap.mean) / (3 * sigma))
    assert cap.pp is not None
    assert cap.ppk is not None
    assert cap.cp is not None
    assert cap.pp < cap.cp  # overall spread includes the drift between samples
    one_sided = spc.individuals([9.8, 10.1, 10.0, 9.9, 10.2], usl=10.5).capability
    assert one_sided is not None
    assert one_sided.cp is None
    assert one_sided.cpk is not None


@pytest.mark.parametrize(
    ("call", "field", "words"),
    [
        (lambda: spc.xbar_r([[1.0, 2.0]]), "subgroups", "at least 2 subgroups"),
        (lambda: spc.xbar_r([[1.0, 2.0], [1.0]]), "subgroups[1]", "must have 2"),
        (lambda: spc.xbar_s([[1.0] * 26, [1.0] * 26]), "subgroups", "use 2 to 25"),
        (lambda: spc.individuals([1.0, float("nan"), 2.0]), "values[1]", "not a number"),
        (lambda: spc.p_chart([3, 60], [50, 50]), "defectives[1]", "from 0 to 50"),
        (lambda: spc.p_chart([3, 6], [50]), "sample_sizes", "1 sample sizes for 2"),
        (lambda: spc.xbar_r(PISTON_RINGS, lsl=74.1, usl=74.0), "lsl", "must be below"),
    ],
)
def test_bad_input_is_refused_naming_the_field(call, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError, match=words) as refused:
        call()
    assert refused.value.field == field
