"""Batch flow: partial transfers, splits and merges keep every quantity balance."""

import copy
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracemes.domain import batches
from tracemes.domain.batches import BatchLot
from tracemes.domain.errors import ConflictError, DomainError, InvalidInputError
from tracemes.domain.routings import Operation

D = Decimal
OPS = (
    Operation(10, "CUT", "Cutting", D(30)),
    Operation(20, "GRIND", "Grinding", D(40), rework_operation="CUT"),
    Operation(30, "COAT", "Coating", D(20)),
)


def _lot(quantity: int = 500, number: str = "B-001") -> BatchLot:
    return batches.start("BLADE-250", number, "WO-1", OPS, D(quantity))


def test_good_moves_on_in_parts_while_the_rest_is_still_worked() -> None:
    """200 of 500 blades go on to grinding while 300 wait at cutting."""
    lot = _lot()
    batches.report(lot, "CUT", good=D(200))
    assert batches.transfer(lot, "CUT", D(200)) == "GRIND"
    cut, grind = lot.tally("CUT"), lot.tally("GRIND")
    assert (cut.in_process, cut.waiting) == (D(300), D(0))
    assert grind.in_process == D(200)
    batches.report(lot, "GRIND", good=D(150), scrap=D(5), defects={"CRACK": D(5)})
    assert grind.in_process == D(45)
    assert grind.defects == {"CRACK": D(5)}
    assert lot.work_in_process == D(495)


def test_rework_goes_back_into_process_at_the_rework_operation() -> None:
    lot = _lot(100)
    batches.report(lot, "CUT", good=D(100))
    batches.transfer(lot, "CUT", D(100))
    batches.report(lot, "GRIND", good=D(90), rework=D(10))
    assert lot.tally("CUT").in_process == D(10)
    assert lot.tally("GRIND").yield_rate == D("0.9")


def test_the_last_transfer_puts_good_quantity_into_stock() -> None:
    lot = _lot(10)
    for op in ("CUT", "GRIND", "COAT"):
        batches.report(lot, op, good=D(10))
        batches.transfer(lot, op, D(10))
    assert lot.finished == D(10)
    assert lot.work_in_process == D(0)


def test_a_report_beyond_what_is_in_process_names_the_numbers() -> None:
    lot = _lot(500)
    batches.report(lot, "CUT", good=D(450))
    before = copy.deepcopy(lot.tallies)
    with pytest.raises(ConflictError) as refused:
        batches.report(lot, "CUT", good=D(40), scrap=D(20))
    assert refused.value.code == "quantity_balance"
    message = str(refused.value)
    assert "40 good + 20 scrap + 0 rework = 60" in message
    assert "only 50 is in process" in message
    assert lot.tallies == before


def test_sending_on_more_than_was_reported_good_is_refused() -> None:
    lot = _lot(500)
    batches.report(lot, "CUT", good=D(100))
    with pytest.raises(ConflictError, match="100 good was reported and 0 already sent"):
        batches.transfer(lot, "CUT", D(101))


def test_split_and_merge_move_exact_quantities_between_lots() -> None:
    lot = _lot(500)
    child = batches.split(lot, "CUT", D(120), "B-001-1")
    assert child.tally("CUT").in_process == D(120)
    assert lot.tally("CUT").in_process == D(380)
    other = _lot(80, "B-002")
    batches.merge(lot, other, "CUT", D(80))
    assert lot.tally("CUT").in_process == D(460)
    assert other.tally("CUT").in_process == D(0)


def test_merging_lots_of_another_item_is_refused() -> None:
    lot = _lot()
    other = batches.start("BLADE-300", "C-001", "WO-2", OPS, D(10))
    with pytest.raises(ConflictError) as refused:
        batches.merge(lot, other, "CUT", D(10))
    assert refused.value.code == "merge_not_allowed"


def test_over_consumption_needs_a_reason() -> None:
    """500 blades x 0.2 kg of steel = 100 kg; 5 % more is tolerated, beyond needs a reason."""
    lot = _lot(500)
    batches.check_consumption(lot, "STEEL", D(104), D("0.2"), None)
    with pytest.raises(ConflictError) as refused:
        batches.check_consumption(lot, "STEEL", D(2), D("0.2"), None)
    assert refused.value.code == "over_consumption"
    assert "106 of STEEL" in str(refused.value)
    batches.check_consumption(lot, "STEEL", D(2), D("0.2"), "coil end was bent")
    assert lot.consumed["STEEL"] == D(106)


@pytest.mark.parametrize("quantity", [D(0), D(-1)])
def test_consuming_nothing_is_refused_and_books_nothing(quantity: Decimal) -> None:
    """A zero draw would write a genealogy edge of nothing (the database refuses it too)."""
    lot = _lot(500)
    with pytest.raises(InvalidInputError) as refused:
        batches.check_consumption(lot, "STEEL", quantity, D("0.2"), None)
    assert refused.value.field == "quantity"
    assert "STEEL" not in lot.consumed


def test_unknown_operation_and_held_lot_are_refused() -> None:
    lot = _lot()
    with pytest.raises(InvalidInputError, match="not an operation of lot B-001"):
        batches.report(lot, "PAINT", good=D(1))
    lot.on_hold = True
    with pytest.raises(ConflictError) as refused:
        batches.report(lot, "CUT", good=D(1))
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


def _state(lots: list[BatchLot]) -> list[dict[str, tuple[Decimal, ...]]]:
    return [
        {
            code: (t.received, t.good, t.scrap, t.rework, t.moved, t.sent)
            for code, t in lot.tallies.items()
        }
        for lot in lots
    ]


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_random_steps_never_break_a_balance(
    steps: list[tuple[str, int, str, int, int, int, int]],
) -> None:
    """Whatever the floor sends, every quantity stays >= 0, each operation balances, nothing
    is created or lost (in process + stock + scrap = what was started), and a refused step
    changes nothing."""
    lots = [_lot(300, "L-0"), _lot(200, "L-1")]
    started = D(500)
    for kind, which, op, other, quantity, scrap, rework in steps:
        lot = lots[which % len(lots)]
        before = _state(lots)
        count = len(lots)
        try:
            if kind == "report":
                batches.report(lot, op, D(quantity), D(scrap), D(rework))
            elif kind == "transfer":
                batches.transfer(lot, op, D(quantity))
            elif kind == "split":
                lots.append(batches.split(lot, op, D(quantity), f"L-{len(lots)}"))
            else:
                batches.merge(lot, lots[other % len(lots)], op, D(quantity))
        except DomainError:
            assert _state(lots) == before
            assert len(lots) == count
        for each in lots:
            for tally in each.tallies.values():
                assert tally.in_process >= 0
                assert tally.waiting >= 0
                assert tally.received == (
                    tally.good + tally.scrap + tally.rework + tally.moved + tally.in_process
                )
        total = sum((each.work_in_process + each.finished + each.scrapped for each in lots), D(0))
        assert total == started
