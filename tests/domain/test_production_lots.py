"""Batch flow: partial transfers, splits and merges keep every quantity balance."""

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracemes.domain import production_lots
from tracemes.domain.errors import ConflictError, DomainError, InvalidInputError
from tracemes.domain.production_lots import ProductionLot
from tracemes.domain.routings import Operation

D = Decimal
OPS = (
    Operation(10, "CUT", "Cutting", D(30)),
    Operation(20, "GRIND", "Grinding", D(40), rework_operation="CUT"),
    Operation(30, "COAT", "Coating", D(20)),
)


def _lot(quantity: int = 500, number: str = "B-001") -> ProductionLot:
    return production_lots.start("BLADE-250", number, "WO-1", OPS, D(quantity))


def test_good_moves_on_in_parts_while_the_rest_is_still_worked() -> None:
    """200 of 500 blades go on to grinding while 300 wait at cutting."""
    lot = _lot()
    production_lots.report(lot, "CUT", good=D(200))
    assert production_lots.transfer(lot, "CUT", D(200)) == "GRIND"
    cut, grind = lot.tally("CUT"), lot.tally("GRIND")
    assert (cut.in_process, cut.waiting) == (D(300), D(0))
    assert grind.in_process == D(200)
    production_lots.report(lot, "GRIND", good=D(150), scrap=D(5), defects={"CRACK": D(5)})
    assert grind.in_process == D(45)
    assert grind.defects == {"CRACK": D(5)}
    assert lot.work_in_process == D(495)


def test_rework_goes_back_into_process_at_the_rework_operation() -> None:
    lot = _lot(100)
    production_lots.report(lot, "CUT", good=D(100))
    production_lots.transfer(lot, "CUT", D(100))
    production_lots.report(lot, "GRIND", good=D(90), rework=D(10))
    assert lot.tally("CUT").in_process == D(10)
    assert lot.tally("GRIND").yield_rate == D("0.9")


def test_the_last_transfer_puts_good_quantity_into_stock() -> None:
    lot = _lot(10)
    for op in ("CUT", "GRIND", "COAT"):
        production_lots.report(lot, op, good=D(10))
        production_lots.transfer(lot, op, D(10))
    assert lot.finished == D(10)
    assert lot.work_in_process == D(0)


def test_a_report_beyond_what_is_in_process_names_the_numbers() -> None:
    lot = _lot(500)
    production_lots.report(lot, "CUT", good=D(450))
    before = copy.deepcopy(lot.tallies)
    with pytest.raises(ConflictError) as refused:
        production_lots.report(lot, "CUT", good=D(40), scrap=D(20))
    assert refused.value.code == "quantity_balance"
    message = str(refused.value)
    assert "40 good + 20 scrap + 0 rework = 60" in message
    assert "only 50 is in process" in message
    assert lot.tallies == before


def test_sending_on_more_than_was_reported_good_is_refused() -> None:
    lot = _lot(500)
    production_lots.report(lot, "CUT", good=D(100))
    with pytest.raises(ConflictError, match="100 good was reported and 0 already sent"):
        production_lots.transfer(lot, "CUT", D(101))


def test_split_and_merge_move_exact_quantities_between_lots() -> None:
    lot = _lot(500)
    child = production_lots.split(lot, "CUT", D(120), "B-001-1")
    assert child.tally("CUT").in_process == D(120)
    assert lot.tally("CUT").in_process == D(380)
    other = _lot(80, "B-002")
    production_lots.merge(lot, other, "CUT", D(80))
    assert lot.tally("CUT").in_process == D(460)
    assert other.tally("CUT").in_process == D(0)


def test_merging_lots_of_another_item_is_refused() -> None:
    lot = _lot()
    other = production_lots.start("BLADE-300", "C-001", "WO-2", OPS, D(10))
    with pytest.raises(ConflictError) as refused:
        production_lots.merge(lot, other, "CUT", D(10))
    assert refused.value.code == "merge_not_allowed"


def test_over_consumption_needs_a_reason() -> None:
    """500 blades x 0.2 kg of steel = 100 kg; 5 % more is tolerated, beyond needs a reason."""
    lot = _lot(500)
    production_lots.check_consumption(lot, "STEEL", D(104), D("0.2"), None)
    with pytest.raises(ConflictError) as refused:
        production_lots.check_consumption(lot, "STEEL", D(2), D("0.2"), None)
    assert refused.value.code == "over_consumption"
    assert "106 of STEEL" in str(refused.value)
    production_lots.check_consumption(lot, "STEEL", D(2), D("0.2"), "coil end was bent")
    assert lot.consumed["STEEL"] == D(106)


@pytest.mark.parametrize("quantity", [D(0), D(-1)])
def test_consuming_nothing_is_refused_and_books_nothing(quantity: Decimal) -> None:
    """A zero draw would write a genealogy edge of nothing (the database refuses it too)."""
    lot = _lot(500)
    with pytest.raises(InvalidInputError) as refused:
        production_lots.check_consumption(lot, "STEEL", quantity, D("0.2"), None)
    assert refused.value.field == "quantity"
    assert "STEEL" not in lot.consumed


def test_unknown_operation_and_held_lot_are_refused() -> None:
    lot = _lot()
    with pytest.raises(InvalidInputError, match="not an operation of lot B-001"):
        production_lots.report(lot, "PAINT", good=D(1))
    lot.on_hold = True
    with pytest.raises(ConflictError) as refused:
        production_lots.report(lot, "CUT", good=D(1))
    assert refused.value.code == "lot_on_hold"


# -- property: any sequence of steps keeps the books ---------------------------------------

STEPS = st.lists(
    st.tuples(
        st.sampled_from(["report", "transfer", "split", "merge"]),
        st.integers(0, 3),  # which lot
        st.sampled_from([op.code for op in OPS]),
        st.integers(0, 3),  # second lot, for a merge
        st.integers(-5, 300),  # quantity (also good)
        st.integers(0, 40),  # scrap
        st.integers(0, 40),  # rework
    ),
    max_size=60,
)


def _state(lots: list[ProductionLot]) -> list[dict[str, tuple[Decimal, ...]]]:
    return [
        {
            code: (t.received, t.good, t.scrap, t.rework, t.moved, t.sent)
            for code, t in lot.tallies.items()
        }
        for lot in lots
    ]


REWORK_AT = {op.code: op.rework_operation or op.code for op in OPS}
CODES = [op.code for op in OPS]
Book = dict[str, list[Decimal]]  # operation -> [received, good, scrap, rework, moved, sent]


def _expect(
    books: list[Book], kind: str, which: int, op: str, other: int, q: D, scrap: D, rework: D
) -> bool:
    """The reference books of the batch-flow rules, kept apart from the code under test:
    whether the step is valid, and (when it is) the books moved as the rules say."""
    book = books[which][op]
    in_process = book[0] - book[1] - book[2] - book[3] - book[4]
    if kind == "report":
        total = q + scrap + rework
        if q < 0 or total <= 0 or total > in_process:
            return False
        book[1] += q
        book[2] += scrap
        book[3] += rework
        books[which][REWORK_AT[op]][0] += rework
    elif kind == "transfer":
        if q <= 0 or q > book[1] - book[5]:
            return False
        book[5] += q
        index = CODES.index(op)
        if index + 1 < len(CODES):
            books[which][CODES[index + 1]][0] += q
    elif kind == "split":
        if q <= 0 or q > in_process:
            return False
        book[4] += q
        books.append({code: [D(0)] * 6 for code in CODES})
        books[-1][op][0] = q
    else:
        source = books[other][op]
        source_in_process = source[0] - source[1] - source[2] - source[3] - source[4]
        if other == which or q <= 0 or q > source_in_process:
            return False
        source[4] += q
        book[0] += q
    return True


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_random_steps_follow_the_reference_books(
    steps: list[tuple[str, int, str, int, int, int, int]],
) -> None:
    """Whatever the floor sends, a step is accepted exactly when the reference books say it
    is valid, and moves every quantity as they do; a refused step changes nothing; every
    quantity stays >= 0; and nothing is created or lost (in process + stock + scrap = what
    was started)."""
    lots = [_lot(300, "L-0"), _lot(200, "L-1")]
    books: list[Book] = [{code: [D(0)] * 6 for code in CODES} for _ in lots]
    books[0]["CUT"][0], books[1]["CUT"][0] = D(300), D(200)
    started = D(500)
    for kind, which, op, other, quantity, scrap, rework in steps:
        index, second = which % len(lots), other % len(lots)
        lot = lots[index]
        valid = _expect(books, kind, index, op, second, D(quantity), D(scrap), D(rework))
        before = _state(lots)
        try:
            if kind == "report":
                production_lots.report(lot, op, D(quantity), D(scrap), D(rework))
            elif kind == "transfer":
                production_lots.transfer(lot, op, D(quantity))
            elif kind == "split":
                lots.append(production_lots.split(lot, op, D(quantity), f"L-{len(lots)}"))
            else:
                production_lots.merge(lot, lots[second], op, D(quantity))
        except DomainError:
            assert not valid, (kind, op, quantity, scrap, rework)
            assert _state(lots) == before
        else:
            assert valid, (kind, op, quantity, scrap, rework)
        assert _state(lots) == [{code: tuple(book[code]) for code in CODES} for book in books]
        for each in lots:
            for tally in each.tallies.values():
                assert tally.in_process >= 0
                assert tally.waiting >= 0
        total = sum((each.work_in_process + each.finished + each.scrapped for each in lots), D(0))
        assert total == started


def test_a_second_report_at_an_operation_adds_to_the_first() -> None:
    lot = _lot(100)
    production_lots.report(lot, "CUT", good=D(10), scrap=D(2), rework=D(1), defects={"BURR": D(2)})
    production_lots.report(lot, "CUT", good=D(20), scrap=D(3), rework=D(4), defects={"BURR": D(1)})

    cut = lot.tally("CUT")
    assert (cut.good, cut.scrap, cut.rework) == (D(30), D(5), D(5))
    assert cut.defects == {"BURR": D(3)}
    assert cut.received == D(105)  # rework at CUT goes back into process at CUT


def test_rework_at_an_operation_without_its_own_rework_operation_stays_there() -> None:
    lot = _lot(10)
    for op in ("CUT", "GRIND"):
        production_lots.report(lot, op, good=D(10))
        production_lots.transfer(lot, op, D(10))

    production_lots.report(lot, "COAT", good=D(7), rework=D(3))

    assert lot.tally("COAT").in_process == D(3)
    assert lot.tally("GRIND").in_process == D(0)


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (lambda lot: production_lots.report(lot, "CUT", good=D(0)), "good"),
        (lambda lot: production_lots.report(lot, "CUT", good=D(-1)), "good"),
        (lambda lot: production_lots.report(lot, "CUT", good=D(1), scrap=D(-1)), "scrap"),
        (lambda lot: production_lots.report(lot, "CUT", good=D(1), rework=D(-1)), "rework"),
        (
            lambda lot: production_lots.report(lot, "CUT", D(0), D(1), defects={"X": D(0)}),
            "defects",
        ),
        (
            lambda lot: production_lots.report(lot, "CUT", D(0), D(1), defects={"X": D(2)}),
            "defects",
        ),
        (lambda lot: production_lots.transfer(lot, "CUT", D(0)), "quantity"),
        (lambda lot: production_lots.split(lot, "CUT", D(0), "B-2"), "quantity"),
        (lambda lot: production_lots.split(lot, "CUT", D(1), "B-001"), "new_lot"),
        (lambda lot: production_lots.merge(lot, _lot(5, "B-2"), "CUT", D(0)), "quantity"),
        (lambda lot: production_lots.merge(lot, lot, "CUT", D(1)), "lots"),
        (lambda lot: production_lots.ship(lot, D(5), D(0)), "quantity"),
        (lambda lot: production_lots.check_consumption(lot, "STEEL", D(0), D(1), None), "quantity"),
    ],
)
def test_nothing_and_less_are_refused_naming_the_field(step: Any, field: str) -> None:
    lot = _lot(10)
    before = _state([lot])
    with pytest.raises(InvalidInputError) as refused:
        step(lot)
    assert refused.value.field == field
    assert _state([lot]) == before


def test_a_lot_of_nothing_cannot_start_and_a_lot_of_one_can() -> None:
    with pytest.raises(InvalidInputError) as refused:
        production_lots.start("BLADE-250", "B-0", "WO-1", OPS, D(0))
    assert refused.value.field == "quantity"
    assert production_lots.start("BLADE-250", "B-1", "WO-1", OPS, D(1)).tally(
        "CUT"
    ).in_process == D(1)


def test_one_of_each_is_enough() -> None:
    """Quantities of exactly one are real steps: one blade reported, sent, split, merged and
    shipped; exactly the whole of what is there is allowed too."""
    lot, other = _lot(3), _lot(1, "B-2")
    production_lots.report(lot, "CUT", good=D(1))
    production_lots.report(lot, "CUT", good=D(0), scrap=D(1), defects={"CRACK": D(1)})
    production_lots.transfer(lot, "CUT", D(1))
    production_lots.merge(lot, other, "CUT", D(1))  # all of B-2 that is in process
    child = production_lots.split(lot, "CUT", D(2), "B-3")  # all that is left in process at CUT
    production_lots.check_consumption(lot, "STEEL", D(1), D(1), None)

    assert (lot.tally("CUT").in_process, child.tally("CUT").in_process) == (D(0), D(2))
    assert lot.tally("GRIND").received == D(1)
    production_lots.ship(lot, D(1), D(1))  # exactly the stock


def test_shipping_more_than_the_stock_is_refused() -> None:
    with pytest.raises(ConflictError) as refused:
        production_lots.ship(_lot(), D(4), D(5))
    assert refused.value.code == "quantity_balance"


def test_every_step_marks_the_lots_it_changed_for_writing() -> None:
    """A lot the engine does not see as changed is not written back: every step must say."""
    lot, other = _lot(10), _lot(5, "B-2")
    steps: list[Callable[[], object]] = [
        lambda: production_lots.report(lot, "CUT", good=D(4)),
        lambda: production_lots.transfer(lot, "CUT", D(2)),
        lambda: production_lots.check_consumption(lot, "STEEL", D(1), D(1), None),
        lambda: production_lots.merge(lot, other, "CUT", D(1)),
    ]
    for step in steps:
        lot.changed = other.changed = False
        step()
        assert lot.changed
    assert other.changed  # the merge took from it
    lot.changed = False
    child = production_lots.split(lot, "CUT", D(2), "B-3")
    assert (lot.changed, child.changed) == (True, True)


def test_a_split_off_lot_keeps_the_order_and_routing_and_starts_with_its_quantity() -> None:
    lot = _lot(10)
    child = production_lots.split(lot, "CUT", D(3), "B-3")

    assert (child.item_code, child.lot, child.work_order) == ("BLADE-250", "B-3", "WO-1")
    assert (child.operations, child.started) == (OPS, D(3))
    assert lot.tally("CUT").moved == D(3)


def test_partial_transfers_add_up_downstream() -> None:
    lot = _lot(10)
    production_lots.report(lot, "CUT", good=D(10))
    for quantity in (3, 4):
        assert production_lots.transfer(lot, "CUT", D(quantity)) == "GRIND"

    assert (lot.tally("CUT").sent, lot.tally("GRIND").received) == (D(7), D(7))


def test_material_up_to_the_bom_share_and_tolerance_needs_no_reason() -> None:
    lot = _lot(100)  # 1 kg per blade: 100 kg + 5 % = 105 kg allowed
    production_lots.check_consumption(lot, "STEEL", D(60), D(1), None)
    production_lots.check_consumption(lot, "STEEL", D(45), D(1), None)  # exactly 105
    with pytest.raises(ConflictError) as refused:
        production_lots.check_consumption(lot, "STEEL", D("0.01"), D(1), None)
    assert refused.value.code == "over_consumption"
    production_lots.check_consumption(lot, "STEEL", D("0.01"), D(1), "coil end was rusty")
    assert lot.consumed == {"STEEL": D("105.01")}


def test_a_merge_may_not_take_a_lot_to_the_number_limit() -> None:
    big = production_lots.start("BLADE-250", "B-BIG", "WO-1", OPS, D(10**12 - 1))
    with pytest.raises(InvalidInputError) as refused:
        production_lots.merge(big, _lot(5, "B-2"), "CUT", D(1))
    assert refused.value.field == "quantity"
    production_lots.merge(_lot(10**12 - 2, "B-3"), _lot(5, "B-2"), "CUT", D(1))
