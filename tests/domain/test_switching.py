"""The switching rules of GB/T 2828.1 / ISO 2859-1 clause 9 over a supplier's decided lots,
each at its boundary: one lot more or fewer on either side of a switch changes the answer,
so a rule that moves by one lot fails here."""

import csv

import pytest

from tests.conftest import REFDATA
from tracemes.domain import inspection, sampling
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.inspection import DefectClass, LotVerdict
from tracemes.domain.sampling import LotResult, Severity, Switching

ISO2859 = REFDATA / "iso2859"
TIGHTENED = Switching(Severity.TIGHTENED)


def _lots(marks: str, ac: int = 1) -> list[LotResult]:
    """Lots oldest first: A accepted, R not accepted, on a plan with this Ac."""
    return [LotResult(accepted=mark == "A", ac=ac) for mark in marks]


# 9.3.1: normal -> tightened when 2 out of 5 or fewer consecutive lots are not accepted.
@pytest.mark.parametrize(
    ("marks", "severity"),
    [
        ("RR", Severity.TIGHTENED),  # 2 of 2
        ("RAAAR", Severity.TIGHTENED),  # 2 of 5: the widest span that switches
        ("RAAAAR", Severity.NORMAL),  # 2 of 6: one lot too far apart
        ("R" + "A" * 30, Severity.NORMAL),  # one lot alone never switches
        ("RAAAAR" + "AAAR", Severity.TIGHTENED),  # the second and third: 2 of 5 again
    ],
)
def test_normal_goes_tightened_at_2_of_5_consecutive_lots_not_accepted(
    marks: str, severity: Severity
) -> None:
    assert sampling.switching(_lots(marks)).severity is severity


def test_the_switch_to_tightened_says_which_rule() -> None:
    state = sampling.switching(_lots("RAAAR"))
    assert state.why == "2 of 5 consecutive lots not accepted (9.3.1)"
    assert sampling.switching(_lots("RAAAA")).why == ""  # nothing switched


# 9.3.2: tightened -> normal when 5 consecutive lots are accepted on original inspection.
@pytest.mark.parametrize(
    ("marks", "severity"),
    [
        ("AAAA", Severity.TIGHTENED),  # 4 in a row: not yet
        ("AAAAA", Severity.NORMAL),  # the fifth switches
        ("AAAARAAAA", Severity.TIGHTENED),  # a lot not accepted starts the count again
        ("AAAARAAAAA", Severity.NORMAL),
    ],
)
def test_tightened_goes_normal_after_exactly_5_consecutive_lots_accepted(
    marks: str, severity: Severity
) -> None:
    state = sampling.switching(_lots(marks), TIGHTENED)
    assert state.severity is severity
    assert not state.stopped


def test_back_to_normal_starts_normal_afresh() -> None:
    """The lots on tightened inspection do not count toward the next 2-of-5 on normal."""
    state = sampling.switching(_lots("RAAAAA" + "R"), TIGHTENED)
    assert state.severity is Severity.NORMAL
    assert state.why == ""
    back = sampling.switching(_lots("AAAAA"), TIGHTENED)
    assert back.why == "5 consecutive lots accepted on tightened inspection (9.3.2)"


# 9.4: inspection is discontinued when the lots not accepted on original tightened
# inspection add up to 5 (in a run that never went back to normal).
@pytest.mark.parametrize(
    ("marks", "stopped"),
    [
        ("RRRR", False),  # 4 not accepted: still tightened
        ("RRRRR", True),  # the fifth discontinues
        ("RARARAR", False),  # 4 among accepted ones
        ("RARARARAR", True),  # 5 in all, never 5 accepted in a row
        ("RRRRAAAAAR", False),  # back to normal after 4: the count is gone
    ],
)
def test_five_lots_not_accepted_on_tightened_discontinue_inspection(
    marks: str, stopped: bool
) -> None:
    state = sampling.switching(_lots(marks), TIGHTENED)
    assert state.stopped is stopped


def test_lots_after_a_discontinuation_change_nothing_until_corrective_action() -> None:
    stopped = sampling.switching(_lots("RRRRR"), TIGHTENED)
    assert stopped.why == "5 lots not accepted on tightened inspection (9.4)"
    assert sampling.switching(_lots("A" * 10), stopped) == stopped
    resumed = stopped.resume()
    assert (resumed.severity, resumed.stopped) == (Severity.TIGHTENED, False)
    assert sampling.switching(_lots("AAAAA"), resumed).severity is Severity.NORMAL


# 9.3.3: normal -> reduced once the switching score reaches 30, production is steady and
# the responsible authority approves. Plans with Ac 0 or 1 add 2 per accepted lot (15
# lots); plans with Ac 2 or more add 3 per lot that would also pass one AQL step tighter,
# so 10 such lots in a row are needed, the ten lots of the earlier editions.
@pytest.mark.parametrize(
    ("lots", "score", "may_reduce"),
    [
        (_lots("A" * 14, ac=1), 28, False),
        (_lots("A" * 15, ac=1), 30, True),
        (_lots("A" * 15, ac=0), 30, True),
        ([LotResult(True, ac=2, tighter_ac=1, found=1)] * 9, 27, False),
        ([LotResult(True, ac=2, tighter_ac=1, found=1)] * 10, 30, True),
        ([LotResult(True, ac=2, tighter_ac=1, found=1)] * 9 + _lots("A"), 29, False),
    ],
)
def test_the_switching_score_opens_reduced_inspection_at_exactly_30(
    lots: list[LotResult], score: int, may_reduce: bool
) -> None:
    state = sampling.switching(lots)
    assert (state.severity, state.score) == (Severity.NORMAL, score)
    assert state.may_reduce(steady_production=True, approved=True) is may_reduce
    assert not state.may_reduce(steady_production=False, approved=True)
    assert not state.may_reduce(steady_production=True, approved=False)


@pytest.mark.parametrize(("found", "score"), [(2, 30), (3, 0)])
def test_a_lot_beyond_the_tighter_acceptance_number_starts_the_score_again(
    found: int, score: int
) -> None:
    """Ac 5 with Ac 2 one step tighter: the tenth lot scores 3 with 2 found, and sets the
    score back to 0 with 3 found although it is accepted."""
    good = [LotResult(True, ac=5, tighter_ac=2, found=0)] * 9
    state = sampling.switching([*good, LotResult(True, ac=5, tighter_ac=2, found=found)])
    assert state.score == score
    assert state.severity is Severity.NORMAL


def test_a_lot_not_accepted_on_normal_sets_the_score_back_to_0() -> None:
    state = sampling.switching(_lots("A" * 14 + "R"))
    assert (state.severity, state.score) == (Severity.NORMAL, 0)


# 9.3.4: reduced -> normal when a lot is not accepted.
def test_reduced_goes_back_to_normal_at_the_first_lot_not_accepted() -> None:
    reduced = sampling.switching(_lots("A" * 15)).reduce()
    assert reduced.severity is Severity.REDUCED
    assert sampling.switching(_lots("A" * 20), reduced).severity is Severity.REDUCED
    back = sampling.switching(_lots("AAAR"), reduced)
    assert (back.severity, back.score) == (Severity.NORMAL, 0)
    assert back.why == "a lot not accepted on reduced inspection (9.3.4)"


def _tighter_cell(letter: str, aql: str) -> int:
    """Ac one AQL column to the left in the reference Table 2-A (a printed plan there)."""
    with (ISO2859 / "table_2A_normal.csv").open(encoding="utf-8") as source:
        rows = {row["code_letter"]: row for row in csv.DictReader(source)}
    columns = list(rows[letter])
    cell = rows[letter][columns[columns.index(aql) - 1]]
    return int(cell.split("/")[0])


@pytest.mark.skipif(not ISO2859.exists(), reason=f"no shared reference data at {ISO2859}")
@pytest.mark.parametrize(("found", "score"), [(3, 3), (4, 0)])
def test_a_decided_lot_counts_by_its_major_plan_and_the_tighter_cell_of_table_2a(
    found: int, score: int
) -> None:
    """Lot 1000 at level II is code letter J; AQL 2.5 gives Ac 5, and the cell at 1.5 in
    the reference table is the tighter plan the score compares the major count with."""
    plan = inspection.new_plan(
        "IQC-CELL", "CELL", "incoming", [], [{"code": "DENT", "name": "Dent"}], "II", "2.5"
    )
    class_plans = inspection.class_plans(plan, 1000)
    verdict = LotVerdict(True, {DefectClass.MAJOR.value: found}, ())

    lot = inspection.switching_lot(plan, class_plans, 1000, True, verdict)

    assert (lot.ac, lot.tighter_ac) == (5, _tighter_cell("J", "2.5"))
    assert sampling.switching([lot]).score == score


def test_a_lot_without_a_major_plan_counts_as_ac_0() -> None:
    """A plan sampling minor defects only: every accepted lot adds 2, as with Ac 0."""
    plan = inspection.new_plan("IQC-SCREW", "SCREW", "incoming", [], [], "II", aql_minor="4.0")
    lot = inspection.switching_lot(plan, inspection.class_plans(plan, 500), 500, True, None)
    assert (lot.ac, lot.tighter_ac, lot.found) == (0, None, 0)
    assert sampling.switching([lot] * 15).may_reduce(steady_production=True, approved=True)


def test_a_lot_after_a_discontinuation_is_refused_on_the_switching_field() -> None:
    stopped = sampling.switching(_lots("RRRRR"), TIGHTENED)
    with pytest.raises(InvalidInputError) as refused:
        stopped.after(True, plan_ac=1)
    assert refused.value.field == "switching"


def test_a_lot_with_nothing_found_scores_3_at_ac_2_even_with_ac_0_one_step_tighter() -> None:
    """The count found defaults to none: an accepted lot with nothing found passes any
    tighter plan."""
    assert sampling.Switching().after(True, plan_ac=2, tighter=0).score == 3
