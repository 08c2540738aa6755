from decimal import Decimal

import pytest

from tracemes.domain.boms import Bom, BomLine
from tracemes.domain.errors import InvalidInputError
from tracemes.domain.floor import Plan, plan
from tracemes.domain.items import Tracking
from tracemes.domain.routings import Operation, Routing


def a_plan() -> Plan:
    routing = Routing(
        "BIKE",
        1,
        (
            Operation(10, "OP10", "Frame", Decimal(1)),
            Operation(20, "OP20", "Motor", Decimal(1), binds=("MOTOR",)),
            Operation(30, "OP30", "Test", Decimal(1)),
        ),
    )
    bom = Bom(
        "BIKE",
        1,
        (
            BomLine("FRAME", Decimal(1), True, "OP10"),
            BomLine("MOTOR", Decimal(1), True),
            BomLine("BELL", Decimal(1), True),
            BomLine("GREASE", Decimal(5), False),
        ),
    )
    tracking = {
        "FRAME": Tracking.SERIAL,
        "MOTOR": Tracking.SERIAL,
        "BELL": Tracking.SERIAL,
        "GREASE": Tracking.NONE,
    }
    return plan(bom, routing, tracking)


def test_key_parts_fall_due_at_their_operation_and_the_rest_at_the_end() -> None:
    p = a_plan()

    assert [r.item_code for r in p.due_by("OP10")] == ["FRAME"]
    assert [r.item_code for r in p.due_by("OP20")] == ["FRAME", "MOTOR"]
    assert [r.item_code for r in p.due_by(None)] == ["FRAME", "MOTOR", "BELL"]


def test_operations_follow_each_other_and_unknown_ones_are_bad_input() -> None:
    p = a_plan()

    following = p.after("OP10")
    assert following is not None
    assert following.code == "OP20"
    assert p.after("OP30") is None
    with pytest.raises(InvalidInputError, match="OP99 is not an operation"):
        p.seq_of("OP99")
