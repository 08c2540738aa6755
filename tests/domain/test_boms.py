from decimal import Decimal

import pytest

from tracemes.domain.boms import Bom, BomLine, check, key_part_operations, line
from tracemes.domain.errors import ConflictError, InvalidInputError
from tracemes.domain.items import Item, Tracking
from tracemes.domain.routings import Operation


def an_item(code: str, tracking: Tracking = Tracking.SERIAL) -> Item:
    return Item(code=code, name=code, uom="pcs", tracking=tracking)


BIKE = an_item("BIKE")
ITEMS = {
    code: an_item(code, tracking)
    for code, tracking in [
        ("FRAME", Tracking.SERIAL),
        ("PACK", Tracking.SERIAL),
        ("CELL", Tracking.LOT),
        ("GREASE", Tracking.NONE),
    ]
}


def an_operation(code: str, binds: tuple[str, ...] = ()) -> Operation:
    return Operation(
        seq=int(code[2:]), code=code, name=code, standard_seconds=Decimal(1), binds=binds
    )


def test_a_bom_with_key_parts_of_tracked_items_is_accepted() -> None:
    lines = [BomLine("FRAME", Decimal(1), True, "OP10"), BomLine("GREASE", Decimal("0.02"))]

    assert check(BIKE, lines, ITEMS, {}) == tuple(lines)


def test_an_unknown_component_is_named_with_its_position() -> None:
    with pytest.raises(InvalidInputError, match=r"components\[1\].item: unknown item SADDLE"):
        check(BIKE, [BomLine("FRAME", Decimal(1)), BomLine("SADDLE", Decimal(1))], ITEMS, {})


def test_a_component_listed_twice_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="FRAME is listed twice"):
        check(BIKE, [BomLine("FRAME", Decimal(1)), BomLine("FRAME", Decimal(1))], ITEMS, {})


def test_an_item_cannot_contain_itself_even_through_another_bom() -> None:
    items = {**ITEMS, "BIKE": BIKE}
    with pytest.raises(InvalidInputError, match="a BOM cannot contain itself") as direct:
        check(BIKE, [BomLine("BIKE", Decimal(1))], items, {})
    assert direct.value.code == "bom_cycle"

    pack = ITEMS["PACK"]
    children = {"BIKE": frozenset({"PACK"})}  # BIKE already contains PACK
    with pytest.raises(InvalidInputError, match="BIKE contains PACK; a BOM cannot contain itself"):
        check(pack, [BomLine("BIKE", Decimal(1))], items, children)


def test_an_untracked_item_cannot_be_a_key_part() -> None:
    with pytest.raises(InvalidInputError, match="GREASE is not serial- or lot-tracked"):
        check(BIKE, [BomLine("GREASE", Decimal(1), is_key=True)], ITEMS, {})


def test_a_serialised_component_needs_a_whole_quantity() -> None:
    with pytest.raises(InvalidInputError, match="FRAME is serialised; use a whole number"):
        check(BIKE, [BomLine("FRAME", Decimal("1.5"))], ITEMS, {})


def test_request_fields_are_checked_with_their_position() -> None:
    with pytest.raises(InvalidInputError, match=r"components\[3\].quantity: must be greater"):
        line(3, "CELL", 0, True, None)


def test_key_parts_are_bound_where_the_bom_or_routing_says_else_at_the_last_operation() -> None:
    bom = Bom(
        "BIKE",
        1,
        (
            BomLine("FRAME", Decimal(1), True, "OP10"),
            BomLine("PACK", Decimal(1), True),
            BomLine("CELL", Decimal(2), True),
        ),
    )
    routing = [an_operation("OP10"), an_operation("OP20", ("PACK",)), an_operation("OP30")]

    assert key_part_operations(bom, routing) == {"FRAME": "OP10", "PACK": "OP20", "CELL": "OP30"}


def test_bom_and_routing_that_disagree_block_release() -> None:
    bom = Bom("BIKE", 1, (BomLine("FRAME", Decimal(1), True, "OP10"),))

    with pytest.raises(ConflictError, match="routing binds it at OP20") as refusal:
        key_part_operations(bom, [an_operation("OP10"), an_operation("OP20", ("FRAME",))])
    assert refusal.value.code == "bom_routing_mismatch"
    with pytest.raises(ConflictError, match="has no such operation"):
        key_part_operations(bom, [an_operation("OP20")])
    with pytest.raises(ConflictError, match="binds PACK, which is not a key part"):
        key_part_operations(bom, [an_operation("OP10", ("PACK",))])
