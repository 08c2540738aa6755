"""The demo factory: seeded once, through the real services, with something on every page."""

import re
from decimal import Decimal

from sqlalchemy.engine import Engine

from tests.conftest import NOW
from tracemes import domain, services, store
from tracemes.cli import demo_plant
from tracemes.cli.demo_plant import BATTERY_PACK, DEMO_PASSWORD, EBIKE, DemoSummary
from tracemes.domain.credentials import TokenKind
from tracemes.domain.items import Tracking
from tracemes.domain.users import Role
from tracemes.domain.work_orders import Status
from tracemes.services.context import Context


def _seeded(db: Engine) -> tuple[DemoSummary, Context]:
    summary = demo_plant.seed(db, NOW)
    assert summary is not None
    return summary, Context(tenant_id=summary.tenant_id, user_id=None, now=NOW)


def test_the_demo_has_two_lines_and_eight_stations(db: Engine) -> None:
    _, ctx = _seeded(db)

    lines = services.lines.list_all(db, ctx)
    stations = services.lines.list_stations(db, ctx)

    assert sorted(line.code for line in lines) == ["L1", "L2"]
    assert len(stations) == 8
    assert len(services.lines.list_stations(db, ctx, "L1")) == 5
    assert len(services.lines.list_stations(db, ctx, "L2")) == 3


def test_the_e_bike_has_a_valid_gtin_and_a_dated_serial_pattern(db: Engine) -> None:
    _, ctx = _seeded(db)

    bike = services.items.get(db, ctx, EBIKE)

    assert bike.tracking is Tracking.SERIAL
    assert bike.gtin is not None
    assert domain.gs1.check_gtin(bike.gtin) == bike.gtin
    assert bike.serial_pattern == "EB{yy}{MM}{dd}{seq:4}"
    assert "电动自行车" in bike.name


def test_the_e_bike_routing_has_five_steps_each_at_a_station(db: Engine) -> None:
    _, ctx = _seeded(db)

    routing = services.routings.get(db, ctx, EBIKE)

    assert [op.code for op in routing.operations] == ["OP10", "OP20", "OP30", "OP40", "OP50"]
    assert all(op.station_code and op.line_code == "L1" for op in routing.operations)
    assert all(op.standard_seconds > 0 for op in routing.operations)
    assert routing.operations[3].inspection


def test_the_e_bike_bom_has_serialised_key_parts_and_lot_screws(db: Engine) -> None:
    _, ctx = _seeded(db)

    bom = services.boms.get(db, ctx, EBIKE)

    keys = {line.item_code: line for line in bom.lines if line.is_key}
    assert set(keys) == {"FRAME-A1", "MOTOR-350W", "SCREW-M5", BATTERY_PACK, "CTRL-48V"}
    assert keys["SCREW-M5"].quantity == Decimal(12)
    assert services.items.get(db, ctx, "SCREW-M5").tracking is Tracking.LOT
    for code in ("FRAME-A1", "MOTOR-350W", BATTERY_PACK, "CTRL-48V"):
        assert services.items.get(db, ctx, code).tracking is Tracking.SERIAL
    assert any(line.item_code == "GREASE-01" and not line.is_key for line in bom.lines)


def test_the_battery_pack_is_made_from_a_lot_of_cells_on_line_2(db: Engine) -> None:
    _, ctx = _seeded(db)

    bom = services.boms.get(db, ctx, BATTERY_PACK)
    routing = services.routings.get(db, ctx, BATTERY_PACK)

    cells = next(line for line in bom.lines if line.item_code == "CELL-21700")
    assert cells.is_key
    assert cells.quantity == Decimal(52)
    assert services.items.get(db, ctx, "CELL-21700").tracking is Tracking.LOT
    assert len(routing.operations) == 3
    assert {op.line_code for op in routing.operations} == {"L2"}
    assert routing.operations[0].binds == ("CELL-21700",)


def test_there_is_one_user_per_role(db: Engine) -> None:
    _, ctx = _seeded(db)

    users = services.users.list_all(db, ctx)

    assert sorted(users) == sorted((role.value, role) for role in Role)


def test_a_demo_user_can_sign_in_with_the_demo_password(db: Engine) -> None:
    _seeded(db)

    session = services.users.log_in(db, NOW, "DEMO", "operator", DEMO_PASSWORD, "127.0.0.1")

    principal = services.users.authenticate(db, session, TokenKind.SESSION, NOW)
    assert principal.user_name == "operator"
    assert principal.role is Role.OPERATOR


def test_open_orders_have_units_with_serials_from_the_pattern(db: Engine) -> None:
    summary, ctx = _seeded(db)
    packs, bikes, planned = summary.work_order_codes

    bike_order = services.work_orders.get(db, ctx, bikes)
    pack_order = services.work_orders.get(db, ctx, packs)

    assert bike_order.order.status is Status.IN_PROGRESS  # yesterday's shift started it
    assert len(bike_order.units) == 20
    assert all(re.fullmatch(r"EB260316\d{4}", unit.serial) for unit in bike_order.units)
    assert pack_order.order.status is Status.IN_PROGRESS
    assert pack_order.order.item_code == BATTERY_PACK
    assert pack_order.units
    assert services.work_orders.get(db, ctx, planned).order.status is Status.PLANNED
    assert len(summary.serials) == len(bike_order.units) + len(pack_order.units)


def test_the_planned_e_bike_order_can_be_released(db: Engine) -> None:
    summary, ctx = _seeded(db)
    planned = summary.work_order_codes[-1]

    released = services.work_orders.release(db, ctx, planned)

    assert released.status is Status.RELEASED
    assert released.bom_version == 1
    assert released.routing_version == 1


def test_seeding_again_changes_nothing(db: Engine) -> None:
    summary, ctx = _seeded(db)
    with db.connect() as conn:
        events_before = store.ledger.count(conn, summary.tenant_id)

    again = demo_plant.seed(db, NOW)

    assert again is None
    assert demo_plant.is_seeded(db)
    with db.connect() as conn:
        assert store.ledger.count(conn, summary.tenant_id) == events_before
    assert len(services.tenants.list_all(db)) == 1
    assert len(services.work_orders.list_all(db, ctx)) == 3
    assert len(services.lines.list_stations(db, ctx)) == 8


def test_the_seed_is_the_same_for_the_same_time(db: Engine) -> None:
    summary, _ = _seeded(db)

    assert summary.work_order_codes == ("WO20260316-001", "WO20260316-002", "WO20260316-003")
    assert summary.serials[0] == "BP2603160001"
    assert summary.serials[-1] == "EB2603160020"


def test_the_demo_leaves_other_companies_alone(db: Engine, ctx: Context) -> None:
    _seeded(db)

    assert services.items.list_all(db, ctx) == []
    assert services.work_orders.list_all(db, ctx) == []


def test_the_demo_shift_leaves_traceable_history(db: Engine) -> None:
    summary, ctx = _seeded(db)
    packs, bikes, _ = summary.work_order_codes
    bike = services.work_orders.get(db, ctx, bikes)
    by_status = [u.status.value for u in bike.units]

    assert by_status.count("shipped") == 3
    assert by_status.count("completed") == 3
    assert by_status.count("rework") == 1
    assert services.work_orders.get(db, ctx, packs).progress.completed == 8
    shipped = bike.units[0].serial
    tree = services.trace.backward(db, ctx, shipped)
    items = {node.edge.item_code for node in tree.parts}
    assert {"FRAME-A1", "MOTOR-350W", "SCREW-M5", BATTERY_PACK, "CTRL-48V"} <= items
    pack = next(n for n in tree.parts if n.edge.item_code == BATTERY_PACK)
    assert {c.edge.item_code for c in pack.children} == {"CELL-21700", "BMS-48V"}
    recall = services.trace.where_used_lot(db, ctx, "CELL-21700", "C2611-A")
    assert [u.unit.serial for u in recall.finished] == [u.serial for u in bike.units[:6]]


def test_the_demo_inspector_has_a_receipt_and_the_welded_packs_waiting(db: Engine) -> None:
    summary, ctx = _seeded(db)

    waiting = services.inspection.list_lots(db, ctx, "open")

    assert {(row.lot, row.operation) for row in waiting} == {
        ("C2611-B", None),
        (None, "OP20"),
    }
    (patrol,) = [row for row in waiting if row.operation == "OP20"]
    lot = services.inspection.get_lot(db, ctx, patrol.number)
    assert lot.work_order == summary.work_order_codes[0]
    assert lot.units == tuple(s for s in summary.serials if s.startswith("BP"))[:8]
