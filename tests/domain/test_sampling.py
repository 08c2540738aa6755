"""GB/T 2828.1 / ISO 2859-1 single sampling: Table 1 for every lot-size row and level, the
normal master table against a transcription of the same table (MIL-STD-105E Table II-A,
identical in its single normal plans), and the switching rules as the standard words them."""

import csv

import pytest

from tests.conftest import REFDATA
from tracemes.domain import sampling
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.sampling import Severity, Switching

# Table 1, as printed: (smallest lot, largest lot, letters for S-1 S-2 S-3 S-4 I II III).
TABLE_1 = [
    (2, 8, "A A A A A A B"),
    (9, 15, "A A A A A B C"),
    (16, 25, "A A B B B C D"),
    (26, 50, "A B B C C D E"),
    (51, 90, "B B C C C E F"),
    (91, 150, "B B C D D F G"),
    (151, 280, "B C D E E G H"),
    (281, 500, "B C D E F H J"),
    (501, 1200, "C C E F G J K"),
    (1201, 3200, "C D E G H K L"),
    (3201, 10000, "C D F G J L M"),
    (10001, 35000, "C D F H K M N"),
    (35001, 150000, "D E G J L N P"),
    (150001, 500000, "D E G J M P Q"),
    (500001, 10**9, "D E H K N Q R"),
]


@pytest.mark.parametrize(("smallest", "largest", "letters"), TABLE_1)
def test_every_row_and_level_of_table_1(smallest: int, largest: int, letters: str) -> None:
    for level, letter in zip(sampling.LEVELS, letters.split(), strict=True):
        assert sampling.code_letter(smallest, level) == letter
        assert sampling.code_letter(largest, level) == letter


# The master table of normal inspection at AQL 0.65 .. 15, code letters A .. Q, as
# transcribed from MIL-STD-105E Table II-A: a number is the rejection number Re of the plan
# (Ac = Re - 1), "v" an arrow down, "^" an arrow up (a shaft of a long arrow counts as its
# direction).
NORMAL_065_TO_15 = {
    "A": "v v v v v 1 ^ v",
    "B": "v v v v 1 ^ v 2",
    "C": "v v v 1 ^ v 2 3",
    "D": "v v 1 ^ v 2 3 4",
    "E": "v 1 ^ v 2 3 4 6",
    "F": "1 ^ v 2 3 4 6 8",
    "G": "^ v 2 3 4 6 8 11",
    "H": "v 2 3 4 6 8 11 15",
    "J": "2 3 4 6 8 11 15 22",
    "K": "3 4 6 8 11 15 22 ^",
    "L": "4 6 8 11 15 22 ^ ^",
    "M": "6 8 11 15 22 ^ ^ ^",
    "N": "8 11 15 22 ^ ^ ^ ^",
    "P": "11 15 22 ^ ^ ^ ^ ^",
    "Q": "15 22 ^ ^ ^ ^ ^ ^",
}
COLUMNS = ["0.65", "1.0", "1.5", "2.5", "4.0", "6.5", "10", "15"]


def _cell(letter: str, aql: str) -> str:
    cell = sampling._normal_cell(
        sampling.LETTERS.index(letter), sampling.AQLS.index(sampling.aql_of(aql))
    )
    return {"down": "v", "up": "^"}[cell] if isinstance(cell, str) else str(cell[1])


@pytest.mark.parametrize("letter", sorted(NORMAL_065_TO_15))
def test_the_normal_table_matches_its_transcription(letter: str) -> None:
    expected = NORMAL_065_TO_15[letter].split()
    assert [_cell(letter, aql) for aql in COLUMNS] == expected


def test_the_rows_for_nonconformities_per_hundred_units_end_as_printed() -> None:
    """Above AQL 10 only code letters A .. E reach Ac 30 and 44 (ANSI/ASQ Z1.4 Table II-A,
    the same plans): A ends 30/31 at 1000, B 44/45 at 1000, E 44/45 at 250, F 21/22 at 65."""
    assert _cell("A", "1000") == "31"
    assert (_cell("B", "650"), _cell("B", "1000")) == ("31", "45")
    assert (_cell("E", "150"), _cell("E", "250"), _cell("E", "400")) == ("31", "45", "^")
    assert (_cell("F", "65"), _cell("F", "100")) == ("22", "^")
    assert _cell("A", "25") == "2"


@pytest.mark.parametrize(
    ("lot", "aql", "expected"),
    [
        (1000, "1.0", ("J", "J", 80, 2, 3)),  # the textbook example: lot 1000, level II
        (1000, "2.5", ("J", "J", 80, 5, 6)),
        (1000, "4.0", ("J", "J", 80, 7, 8)),
        (1000, "0.25", ("J", "H", 50, 0, 1)),  # up: the 0/1 plan of letter H
        (1000, "0.10", ("J", "K", 125, 0, 1)),  # down: the 0/1 plan of letter K
        (50, "2.5", ("D", "C", 5, 0, 1)),
        (3000, "0.65", ("K", "K", 125, 2, 3)),
        (5, "0.65", ("A", "F", 5, 0, 1)),  # sample 20 > lot 5: inspect all 5
    ],
)
def test_arrows_are_followed_to_the_plan_and_its_sample_size(
    lot: int, aql: str, expected: tuple[str, str, int, int, int]
) -> None:
    plan = sampling.normal_plan(lot, "II", aql)
    assert (plan.code_letter, plan.plan_letter, plan.sample_size, plan.ac, plan.re) == expected
    assert plan.whole_lot == (plan.sample_size == lot)
    assert plan.accepts(plan.ac)
    assert not plan.accepts(plan.re)


def test_bad_lots_levels_aqls_and_severities_are_refused_by_name() -> None:
    for call, field in (
        (lambda: sampling.code_letter(1, "II"), "lot_size"),
        (lambda: sampling.code_letter(100, "IV"), "level"),
        (lambda: sampling.normal_plan(100, "II", "3.0"), "aql"),
        (lambda: sampling.plan(100, "II", "1.0", "strict"), "severity"),
    ):
        with pytest.raises(InvalidInputError) as refused:
            call()
        assert refused.value.field == field
    with pytest.raises(InvalidInputError, match="not available yet") as later:
        sampling.plan(100, "II", "1.0", "tightened")
    assert later.value.code == "severity_not_available"


def _run(state: Switching, results: str, ac: int = 1) -> Switching:
    """Lots in order: A accepted, R not accepted."""
    for mark in results:
        state = state.after(mark == "A", ac)
    return state


def test_normal_goes_tightened_when_2_of_5_or_fewer_consecutive_lots_are_not_accepted() -> None:
    assert _run(Switching(), "AR").severity is Severity.NORMAL
    assert _run(Switching(), "ARAAR").severity is Severity.TIGHTENED  # 2 in 5
    assert _run(Switching(), "RR").severity is Severity.TIGHTENED  # 2 in 2
    assert _run(Switching(), "RAAAAR").severity is Severity.NORMAL  # 6 lots apart


def test_tightened_goes_normal_after_5_consecutive_lots_accepted() -> None:
    tightened = Switching(Severity.TIGHTENED)
    assert _run(tightened, "AAAA").severity is Severity.TIGHTENED
    assert _run(tightened, "AAAAA").severity is Severity.NORMAL
    assert _run(tightened, "AAARAAAA").severity is Severity.TIGHTENED  # count starts again


def test_five_lots_not_accepted_on_tightened_discontinue_inspection() -> None:
    state = _run(Switching(Severity.TIGHTENED), "RARARARAR")
    assert state.stopped
    assert (state.rejected_on_tightened, state.recent) == (5, ())
    assert _run(Switching(Severity.TIGHTENED), "AAR").score == 0  # no score on tightened
    with pytest.raises(InvalidInputError, match="discontinued"):
        state.after(True, 1)
    assert state.resume().severity is Severity.TIGHTENED


def test_the_switching_score_opens_reduced_inspection_at_30() -> None:
    """Ac 0 or 1: +2 per accepted lot. Ac 2 or more: +3 when the lot would have passed one
    AQL step tighter, else back to 0. A lot not accepted starts the score again."""
    state = _run(Switching(), "A" * 14)
    assert state.score == 28
    assert not state.may_reduce(steady_production=True, approved=True)
    state = state.after(True, 1)
    assert state.score == 30
    assert state.may_reduce(steady_production=True, approved=True)
    assert not state.may_reduce(steady_production=False, approved=True)
    assert state.after(False, 1).score == 0
    big = Switching().after(True, 5, tighter=3, found=3)
    assert big.score == 3
    assert big.after(True, 5, tighter=3, found=4).score == 0  # passed, not at the tighter AQL
    assert sampling.tighter_ac("J", "2.5") == 3  # J at 1.5 is 3/4


@pytest.mark.parametrize(("found", "score"), [(0, 3), (1, 3), (2, 0)])
def test_a_plan_with_ac_2_scores_by_the_tighter_aql(found: int, score: int) -> None:
    """Ac = 2 is the first acceptance number of the "2 or more" rule: an accepted lot counts
    3 only when its count would have passed at Ac = 1, one AQL step tighter."""
    assert Switching().after(True, 2, tighter=1, found=found).score == score
    assert Switching().after(True, 1, tighter=0, found=1).score == 2  # Ac 1: +2 whatever


def test_reduced_goes_back_to_normal_when_a_lot_is_not_accepted() -> None:
    reduced = _run(Switching(), "A" * 15).reduce()
    assert reduced.severity is Severity.REDUCED
    assert _run(reduced, "AAA").severity is Severity.REDUCED
    assert _run(reduced, "AAAAAAA").recent == (True,) * 5  # the last five, as far as it looks
    back = _run(reduced, "AR")
    assert back.severity is Severity.NORMAL
    assert back.score == 0


# Table 2-A as the shared reference data transcribes it (../shared/refdata/iso2859): every
# cell of every row, arrows walked to their plan the way its README says, against the plan
# the domain gives a lot of that code letter.
ISO2859 = REFDATA / "iso2859"
# The largest lot of each code letter's row of Table 1 at level II (R: level III).
LARGEST_LOT = {
    "A": (8, "II"), "B": (15, "II"), "C": (25, "II"), "D": (50, "II"), "E": (90, "II"),
    "F": (150, "II"), "G": (280, "II"), "H": (500, "II"), "J": (1200, "II"),
    "K": (3200, "II"), "L": (10000, "II"), "M": (35000, "II"), "N": (150000, "II"),
    "P": (500000, "II"), "Q": (10**9, "II"), "R": (10**9, "III"),
}  # fmt: skip


def _table_2a() -> tuple[list[str], dict[str, tuple[int, dict[str, str]]]]:
    with (ISO2859 / "table_2A_normal.csv").open(encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    aqls = [name for name in rows[0] if name not in ("code_letter", "sample_size")]
    return aqls, {r["code_letter"]: (int(r["sample_size"]), r) for r in rows}


@pytest.mark.skipif(not ISO2859.exists(), reason=f"no shared reference data at {ISO2859}")
def test_every_cell_of_table_2a_resolves_to_the_plan_of_the_reference_data() -> None:
    aqls, table = _table_2a()
    letters = list(table)
    walked = 0
    for letter, (lot_size, level) in LARGEST_LOT.items():
        for aql in aqls:
            row = letters.index(letter)
            cell = table[letter][1][aql]
            while cell in ("up", "down"):
                row += 1 if cell == "down" else -1
                cell = table[letters[row]][1][aql]
            walked += row != letters.index(letter)
            ac, re = (int(n) for n in cell.split("/"))
            sample = table[letters[row]][0]
            plan = sampling.normal_plan(lot_size, level, aql)
            expected = (letters[row], min(sample, lot_size), ac, re, sample >= lot_size)
            got = (plan.plan_letter, plan.sample_size, plan.ac, plan.re, plan.whole_lot)
            assert got == expected, (letter, aql)
    assert walked > 100  # most cells are arrows: the walk itself is under test


def test_the_edges_of_the_tables() -> None:
    """A normal plan asked by severity is the normal plan; a sample as large as the lot is the
    whole lot; the first AQL column has nothing tighter; a lot size must be a whole number."""
    assert sampling.plan(500, "II", "1.0") == sampling.normal_plan(500, "II", "1.0")
    exact = sampling.normal_plan(5, "II", "10")  # A at AQL 10 leads to C: n = 5
    assert (exact.plan_letter, exact.sample_size, exact.whole_lot) == ("C", 5, True)
    assert sampling.tighter_ac("Q", "0.015") == 0  # Q at 0.010 is 0/1
    assert sampling.tighter_ac("Q", "0.010") is None
    with pytest.raises(InvalidInputError) as refused:
        sampling.code_letter(2.5, "II")  # type: ignore[arg-type]
    assert refused.value.field == "lot_size"
