"""Sampling inspection by attributes: GB/T 2828.1-2012 = ISO 2859-1:1999, single sampling.

Table 1 gives the sample size code letter of a lot size and inspection level. The master
table of normal inspection (Table 2-A) is diagonal: a code letter one step down and an AQL
one step left are the same plan, so a cell is fixed by the sum of its row and column
positions. Its arrows are followed as the standard says: to the first plan below (down) or
above (up), and the plan's sample size is then that of the row it is found in; a sample
as large as the lot means inspecting every item.

Switching rules (clause 9) are kept per supplier and item by `Switching`; `switching`
runs them over a supplier's decided lots.

Tightened and reduced inspection (Tables 2-B, 2-C) are not given yet: their cells have not
been checked against the printed tables, and a sampling plan must be right by the standard.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from tracemes.domain import numbers
from tracemes.domain.errors import InvalidInputError

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
LETTERS = "ABCDEFGHJKLMNPQR"
SAMPLE_SIZES = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)
AQLS = tuple(
    Decimal(text)
    for text in [
        "0.010",
        "0.015",
        "0.025",
        "0.040",
        "0.065",
        "0.10",
        "0.15",
        "0.25",
        "0.40",
        "0.65",
        "1.0",
        "1.5",
        "2.5",
        "4.0",
        "6.5",
        "10",
        "15",
        "25",
        "40",
        "65",
        "100",
        "150",
        "250",
        "400",
        "650",
        "1000",
    ]
)

# Table 1: the largest lot size of each row, and the code letters of S-1 .. S-4, I, II, III.
_LOT_ROWS = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10000, "CDFGJLM"),
    (35000, "CDFHKMN"),
    (150000, "DEGJLNP"),
    (500000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

# Table 2-A along its diagonal (row index + AQL index): the acceptance and rejection numbers,
# or an arrow. Before 14 every cell points down; after the last entry, up.
_DOWN, _UP = "down", "up"
_NORMAL_DIAGONAL: dict[int, tuple[int, int] | str] = {
    14: (0, 1),
    15: _UP,
    16: _DOWN,
    17: (1, 2),
    18: (2, 3),
    19: (3, 4),
    20: (5, 6),
    21: (7, 8),
    22: (10, 11),
    23: (14, 15),
    24: (21, 22),
    25: (30, 31),  # only for sample sizes up to 13 (nonconformities per 100 units)
    26: (44, 45),
}
_LARGE_NUMBERS_UP_TO = LETTERS.index("E")


class Severity(StrEnum):
    """Normal, tightened or reduced inspection (clause 9)."""

    NORMAL = "normal"
    TIGHTENED = "tightened"
    REDUCED = "reduced"


@dataclass(frozen=True, slots=True)
class Plan:
    """A single sampling plan: inspect `sample_size` items (every item when it is the whole
    lot); accept with at most `ac` nonconforming, reject with `re` or more. `code_letter` is
    the lot's letter from Table 1; `plan_letter` the row the plan was found in after
    following the table's arrows (its sample size is the one used)."""

    code_letter: str
    plan_letter: str
    sample_size: int
    ac: int
    re: int
    whole_lot: bool = False

    def accepts(self, nonconforming: int) -> bool:
        """Whether a lot with this many nonconforming items (or nonconformities) in the
        sample is accepted."""
        return nonconforming <= self.ac


def code_letter(lot_size: int, level: str) -> str:
    """The sample size code letter of Table 1."""
    if isinstance(lot_size, bool) or not isinstance(lot_size, int) or lot_size < 2:
        raise InvalidInputError("lot_size", f"{lot_size!r} is not a lot of 2 or more items")
    if level not in LEVELS:
        raise InvalidInputError("level", f"{level!r} is not one of {', '.join(LEVELS)}")
    column = LEVELS.index(level)
    for largest, letters in _LOT_ROWS:
        if largest is None or lot_size <= largest:
            return letters[column]
    raise AssertionError("the last row has no upper bound")


def aql_of(value: object) -> Decimal:
    """One of the AQLs of the tables (0.010 .. 1000), from a number or its text."""
    try:
        aql: Decimal | None = numbers.finite("aql", value)
    except InvalidInputError:
        aql = None
    for preferred in AQLS:
        if aql is not None and aql == preferred:
            return preferred
    raise InvalidInputError(
        "aql", f"{value!r} is not an AQL of the tables (0.010, 0.015, ... 650, 1000)"
    )


def _normal_cell(row: int, column: int) -> tuple[int, int] | str:
    diagonal = row + column
    if diagonal < 14:
        return _DOWN
    cell = _NORMAL_DIAGONAL.get(diagonal, _UP)
    if diagonal >= 25 and row > _LARGE_NUMBERS_UP_TO:
        return _UP
    return cell


def normal_plan(lot_size: int, level: str, aql: object) -> Plan:
    """The normal-inspection plan of Table 2-A for a lot, arrows followed."""
    letter = code_letter(lot_size, level)
    column = AQLS.index(aql_of(aql))
    row = LETTERS.index(letter)
    cell = _normal_cell(row, column)
    step = 1 if cell == _DOWN else -1
    while isinstance(cell, str):
        row += step
        if not 0 <= row < len(LETTERS):
            # The printed table's arrow leaves it here (code letter A at AQL 10, R at
            # 0.015); go the other way to the nearest plan rather than invent one.
            step = -step
            row += 2 * step
        cell = _normal_cell(row, column)
    ac, re = cell
    sample = SAMPLE_SIZES[row]
    if sample >= lot_size:
        return Plan(letter, LETTERS[row], lot_size, ac, re, whole_lot=True)
    return Plan(letter, LETTERS[row], sample, ac, re)


def tighter_ac(letter: str, aql: object) -> int | None:
    """The acceptance number one AQL step tighter for the same code letter (for the
    switching score), or None where that cell is an arrow or off the table."""
    column = AQLS.index(aql_of(aql)) - 1
    if column < 0:
        return None
    cell = _normal_cell(LETTERS.index(letter), column)
    return None if isinstance(cell, str) else cell[0]


def plan(lot_size: int, level: str, aql: object, severity: str = "normal") -> Plan:
    """The plan for a lot at a severity; tightened and reduced are refused until their
    tables are checked against the printed standard."""
    try:
        chosen = Severity(severity)
    except ValueError:
        raise InvalidInputError(
            "severity", f"{severity!r} is not normal, tightened or reduced"
        ) from None
    if chosen is not Severity.NORMAL:
        raise InvalidInputError(
            "severity",
            f"{chosen.value} inspection tables are not available yet (being checked against "
            "the printed GB/T 2828.1 tables); use normal",
            code="severity_not_available",
        )
    return normal_plan(lot_size, level, aql)


@dataclass(frozen=True, slots=True)
class Switching:
    """Where a supplier's item stands in the switching rules of clause 9.

    `recent` holds the results of the lots on the current severity, newest last (True =
    accepted), as far back as the rules look. `score` is the switching score of 9.3.3,
    counted on normal inspection. `stopped` means inspection is discontinued (9.4): five
    lots not accepted while on tightened inspection; it resumes on tightened only when the
    supplier has acted (`resume`). `why` says which rule made the last switch ("" when the
    last lot switched nothing); it is an explanation, not part of the state."""

    severity: Severity = Severity.NORMAL
    recent: tuple[bool, ...] = ()
    score: int = 0
    rejected_on_tightened: int = 0
    stopped: bool = False
    why: str = field(default="", compare=False)

    def after(
        self, accepted: bool, plan_ac: int, tighter: int | None = None, found: int = 0
    ) -> "Switching":
        """The state after one lot on original inspection.

        `plan_ac` is the acceptance number of the plan used, `tighter` that of the plan one
        AQL step tighter for the same code letter (`tighter_ac`), and `found` the
        nonconforming count: the switching score needs all three."""
        if self.stopped:
            raise InvalidInputError(
                "switching", "inspection is discontinued; resume it after corrective action"
            )
        if self.severity is Severity.NORMAL:
            recent = (*self.recent, accepted)[-5:]
            if recent.count(False) >= 2:  # 2 of 5 or fewer consecutive lots not accepted
                first = recent.index(False)
                return Switching(
                    Severity.TIGHTENED,
                    why=f"2 of {len(recent) - first} consecutive lots not accepted (9.3.1)",
                )
            score = _score(self.score, accepted, plan_ac, tighter, found)
            return Switching(Severity.NORMAL, recent, score)
        if self.severity is Severity.TIGHTENED:
            rejected = self.rejected_on_tightened + (0 if accepted else 1)
            if rejected >= 5:
                why = "5 lots not accepted on tightened inspection (9.4)"
                return replace(
                    self, rejected_on_tightened=rejected, stopped=True, recent=(), why=why
                )
            recent = (*self.recent, accepted) if accepted else ()
            if len(recent) >= 5:  # 5 consecutive lots accepted
                why = "5 consecutive lots accepted on tightened inspection (9.3.2)"
                return Switching(Severity.NORMAL, why=why)
            return Switching(Severity.TIGHTENED, recent, 0, rejected)
        if not accepted:  # reduced: a lot not accepted goes back to normal
            why = "a lot not accepted on reduced inspection (9.3.4)"
            return Switching(Severity.NORMAL, why=why)
        return replace(self, recent=(*self.recent, True)[-5:], why="")

    def may_reduce(self, steady_production: bool, approved: bool) -> bool:
        """Whether normal may switch to reduced (9.3.3): a score of at least 30, steady
        production, and the responsible authority agreeing."""
        return (
            self.severity is Severity.NORMAL and self.score >= 30 and steady_production and approved
        )

    def reduce(self) -> "Switching":
        """Switch to reduced inspection where `may_reduce` holds."""
        return Switching(Severity.REDUCED, why="switching score of 30 or more, approved (9.3.3)")

    def resume(self) -> "Switching":
        """After the supplier's corrective action, inspection resumes on tightened."""
        return Switching(Severity.TIGHTENED, why="corrective action taken (9.4)")


@dataclass(frozen=True, slots=True)
class LotResult:
    """One decided lot as the switching rules count it: accepted or not, the acceptance
    number of the plan it was inspected by, that of the plan one AQL step tighter for the
    same code letter (`tighter_ac`; None where there is none), and the nonconforming items
    found in its sample. The last two only count toward the switching score."""

    accepted: bool
    ac: int
    tighter_ac: int | None = None
    found: int = 0


def switching(lots: Iterable[LotResult], start: Switching | None = None) -> Switching:
    """Where a supplier's item stands after these lots, oldest first, from `start` (normal
    inspection by default). Lots after a discontinuation change nothing: inspection
    resumes only after corrective action, which no lot result shows."""
    state = start or Switching()
    for lot in lots:
        if state.stopped:
            break
        state = state.after(lot.accepted, lot.ac, lot.tighter_ac, lot.found)
    return state


def _score(score: int, accepted: bool, ac: int, tighter_ac: int | None, found: int) -> int:
    """9.3.3 for single sampling: with Ac of 2 or more, add 3 when the lot would have been
    accepted at an AQL one step tighter, else start again at 0; with Ac 0 or 1, add 2 when
    the lot is accepted, else start again at 0."""
    if not accepted:
        return 0
    if ac >= 2:
        return score + 3 if tighter_ac is not None and found <= tighter_ac else 0
    return score + 2
