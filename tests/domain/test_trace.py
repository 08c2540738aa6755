from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tracemes.domain.trace import Edge, Location, location, tree
from tracemes.domain.units import UnitStatus

T0 = datetime(2026, 3, 16, 8, 0, tzinfo=UTC)


def an_edge(parent: tuple[str, int], child: tuple[str, int], item: str, minutes: int) -> Edge:
    return Edge(
        parent_kind=parent[0],
        parent_id=parent[1],
        child_kind=child[0],
        child_id=child[1],
        depth=1,
        item_code=item,
        item_name=item,
        quantity=Decimal(1),
        operation=None,
        station=None,
        operator=None,
        bound_at=T0 + timedelta(minutes=minutes),
        serial=None,
        lot=None,
        supplier=None,
        supplier_lot=None,
        status=None,
    )


def test_edges_nest_under_their_parents_in_the_order_parts_went_in() -> None:
    edges = [
        an_edge(("unit", 2), ("lot", 9), "CELL", 1),
        an_edge(("unit", 1), ("unit", 2), "PACK", 5),
        an_edge(("unit", 1), ("unit", 3), "FRAME", 2),
    ]

    nodes = tree("unit", 1, edges)

    assert [n.edge.item_code for n in nodes] == ["FRAME", "PACK"]
    assert [c.edge.item_code for c in nodes[1].children] == ["CELL"]


def test_a_cycle_in_corrupt_data_does_not_loop_forever() -> None:
    edges = [an_edge(("unit", 1), ("unit", 2), "A", 1), an_edge(("unit", 2), ("unit", 1), "B", 2)]

    nodes = tree("unit", 1, edges)

    assert [n.edge.item_code for n in nodes] == ["A"]
    assert nodes[0].children == ()


def test_units_are_located_by_status() -> None:
    assert location(UnitStatus.REWORK) is Location.IN_WORK
    assert location(UnitStatus.QUEUED) is Location.IN_WORK
    assert location(UnitStatus.COMPLETED) is Location.IN_STOCK
    assert location(UnitStatus.RECEIVED) is Location.IN_STOCK
    assert location(UnitStatus.SHIPPED) is Location.SHIPPED
    assert location(UnitStatus.SCRAPPED) is Location.SCRAPPED
