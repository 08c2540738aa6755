from decimal import Decimal

import pytest

from tracemes.domain.errors import InvalidInputError
from tracemes.domain.routings import Operation, check, operation


def an_operation(seq: int, code: str, binds: tuple[str, ...] = ()) -> Operation:
    return Operation(seq=seq, code=code, name=code, standard_seconds=Decimal(30), binds=binds)


def test_operations_come_back_in_seq_order() -> None:
    ops = check([an_operation(20, "B"), an_operation(10, "A")])

    assert [op.code for op in ops] == ["A", "B"]


@pytest.mark.parametrize(
    ("ops", "reason"),
    [
        ([], "at least one operation"),
        ([an_operation(10, "A"), an_operation(10, "B")], "seq 10 is used twice"),
        ([an_operation(10, "A"), an_operation(20, "A")], "operation A is listed twice"),
        (
            [an_operation(10, "A", ("FRAME",)), an_operation(20, "B", ("FRAME",))],
            "FRAME is bound at two operations",
        ),
    ],
)
def test_a_bad_routing_is_refused_with_the_reason(ops: list[Operation], reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        check(ops)


@pytest.mark.parametrize(
    ("seq", "reason"),
    [(0, "above zero"), (True, "above zero"), ("10", ""), (10**10, "at most 999999")],
)
def test_seq_must_be_a_positive_whole_number(seq: object, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=rf"operations\[2\].seq: .*{reason}"):
        operation(2, seq, "OP", "Op", 10)


def test_a_negative_standard_time_is_refused() -> None:
    with pytest.raises(
        InvalidInputError, match=r"operations\[0\].std_time_s: must not be negative"
    ):
        operation(0, 10, "OP", "Op", -5)
