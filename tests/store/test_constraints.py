"""The database refuses rows the code would never write, whoever writes them (issue 12).

Each rule is tried twice with SQLAlchemy Core, around the code: the good row is stored, the
same row with one bad value is refused with an IntegrityError naming the rule.
"""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes.store import schema as s

AT = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)
ACME, BETA = 1, 2  # every row of BETA has id 2, every row of ACME id 1


@pytest.fixture
def plant(db: Engine) -> Engine:
    """Two tenants, each with one row in every table others point at."""
    with db.begin() as conn:
        for tenant in (ACME, BETA):
            row = {"id": tenant, "tenant_id": tenant}
            conn.execute(
                s.tenants.insert(),
                {"id": tenant, "code": f"T{tenant}", "name": "T", "created_at": AT},
            )
            conn.execute(
                s.users.insert(), row | {"name": "ann", "role": "operator", "created_at": AT}
            )
            conn.execute(s.lines.insert(), row | {"code": "L1", "name": "Line"})
            conn.execute(s.stations.insert(), row | {"line_id": tenant, "code": "S1", "name": "S"})
            conn.execute(
                s.items.insert(),
                row | {"code": "BIKE", "name": "Bike", "uom": "pcs", "tracking": "serial"},
            )
            conn.execute(s.boms.insert(), row | {"item_id": tenant, "version": 1, "created_at": AT})
            conn.execute(
                s.routings.insert(), row | {"item_id": tenant, "version": 1, "created_at": AT}
            )
            conn.execute(
                s.work_orders.insert(),
                row
                | {
                    "code": "WO-1",
                    "item_id": tenant,
                    "line_id": tenant,
                    "quantity": 5,
                    "status": "released",
                    "created_at": AT,
                },
            )
            conn.execute(
                s.units.insert(),
                row
                | {
                    "item_id": tenant,
                    "serial": "S1",
                    "work_order_id": tenant,
                    "status": "in_progress",
                    "created_at": AT,
                },
            )
            conn.execute(
                s.lots.insert(),
                row
                | {
                    "item_id": tenant,
                    "lot": "L1",
                    "quantity": 10,
                    "remaining": 10,
                    "received_at": AT,
                },
            )
            conn.execute(
                s.batch_lots.insert(),
                row | {"lot_id": tenant, "work_order_id": tenant, "started": 10, "created_at": AT},
            )
            conn.execute(s.holds.insert(), row | {"code": "H1", "reason": "r", "created_at": AT})
            conn.execute(
                s.inspection_lots.insert(),
                row
                | {
                    "number": "IQC-1",
                    "item_id": tenant,
                    "lot_size": 5,
                    "plan": {},
                    "class_plans": [],
                    "status": "open",
                    "created_at": AT,
                },
            )
        # a lot of ACME's not yet in production, for a new batch
        conn.execute(
            s.lots.insert(),
            {
                "id": 3,
                "tenant_id": ACME,
                "item_id": ACME,
                "lot": "L2",
                "quantity": 10,
                "remaining": 10,
                "received_at": AT,
            },
        )
    return db


def _row(**values: Any) -> dict[str, Any]:
    return {"id": 10, "tenant_id": ACME} | values


BINDING = _row(
    parent_kind="unit",
    parent_id=1,
    child_kind="lot",
    child_id=1,
    item_id=1,
    quantity=2,
    station_id=1,
    operator_id=1,
    bound_at=AT,
)
LOT = _row(item_id=1, lot="L9", quantity=10, remaining=4, received_at=AT)
UNIT = _row(item_id=1, serial="S9", work_order_id=1, status="queued", created_at=AT)
ORDER = _row(
    code="WO-9",
    item_id=1,
    line_id=1,
    quantity=3,
    status="planned",
    bom_id=1,
    routing_id=1,
    created_at=AT,
)
STEP = _row(unit_id=1, operation_code="OP10", station_id=1, operator_id=1, started_at=AT)
BATCH_STEP = _row(
    batch_id=1,
    operation_code="OP10",
    seq=10,
    received=5,
    good=3,
    scrap=1,
    rework=1,
    moved=0,
    sent=0,
    defects={},
)

# (table, good row, what makes it bad, the rule's name)
RULES: list[tuple[sa.Table, dict[str, Any], dict[str, Any], str]] = [
    (s.lots, LOT, {"remaining": -1}, "ck_lots_remaining_not_negative"),
    (s.lots, LOT, {"remaining": 11}, "ck_lots_remaining_within_quantity"),
    (s.lots, LOT, {"quantity": 0, "remaining": 0}, "ck_lots_quantity_positive"),
    (s.lots, LOT, {"unit_cost": -5}, "ck_lots_unit_cost_not_negative"),
    (s.lots, LOT, {"item_id": BETA}, "fk_lots_item_id_items"),
    (s.bindings, BINDING, {"quantity": -1}, "ck_bindings_quantity_positive"),
    (s.bindings, BINDING, {"quantity": 0}, "ck_bindings_quantity_positive"),
    (s.bindings, BINDING, {"child_kind": "box"}, "ck_bindings_child_kind_known"),
    (s.bindings, BINDING, {"parent_kind": "unt"}, "ck_bindings_parent_kind_known"),
    (s.bindings, BINDING, {"item_id": BETA}, "fk_bindings_item_id_items"),
    (s.bindings, BINDING, {"operator_id": BETA}, "fk_bindings_operator_id_users"),
    (s.bindings, BINDING, {"station_id": BETA}, "fk_bindings_station_id_stations"),
    (s.bindings, BINDING, {"item_id": 999}, "fk_bindings_item_id_items"),
    # a unit or lot named by kind: of this tenant, and there
    (s.bindings, BINDING, {"parent_id": BETA}, "fk_bindings_parent_unit_id_units"),
    (s.bindings, BINDING, {"parent_id": 999}, "fk_bindings_parent_unit_id_units"),
    (s.bindings, BINDING, {"child_id": BETA}, "fk_bindings_child_lot_id_lots"),
    (s.bindings, BINDING, {"child_id": 999}, "fk_bindings_child_lot_id_lots"),
    (
        s.bindings,
        BINDING | {"parent_kind": "lot", "parent_id": 3, "child_kind": "unit"},
        {"parent_id": BETA},
        "fk_bindings_parent_lot_id_lots",
    ),
    (
        s.bindings,
        BINDING | {"child_kind": "unit", "child_id": 1, "parent_kind": "lot", "parent_id": 3},
        {"child_id": BETA},
        "fk_bindings_child_unit_id_units",
    ),
    (s.units, UNIT, {"status": "lost"}, "ck_units_status_known"),
    (s.units, UNIT, {"unit_cost": -1}, "ck_units_unit_cost_not_negative"),
    (s.units, UNIT, {"work_order_id": BETA}, "fk_units_work_order_id_work_orders"),
    (s.units, UNIT, {"item_id": 999}, "fk_units_item_id_items"),
    (s.work_orders, ORDER, {"quantity": 0}, "ck_work_orders_quantity_positive"),
    (s.work_orders, ORDER, {"quantity": -3}, "ck_work_orders_quantity_positive"),
    (s.work_orders, ORDER, {"status": "done"}, "ck_work_orders_status_known"),
    (s.work_orders, ORDER, {"finished_units": -1}, "ck_work_orders_finished_units_not_negative"),
    (s.work_orders, ORDER, {"line_id": BETA}, "fk_work_orders_line_id_lines"),
    (s.work_orders, ORDER, {"bom_id": BETA}, "fk_work_orders_bom_id_boms"),
    (s.work_orders, ORDER, {"routing_id": BETA}, "fk_work_orders_routing_id_routings"),
    (s.step_runs, STEP, {"unit_id": BETA}, "fk_step_runs_unit_id_units"),
    (s.step_runs, STEP, {"unit_id": 999}, "fk_step_runs_unit_id_units"),
    (s.step_runs, STEP, {"operator_id": BETA}, "fk_step_runs_operator_id_users"),
    (s.batch_steps, BATCH_STEP, {"scrap": -1}, "ck_batch_steps_scrap_not_negative"),
    (s.batch_steps, BATCH_STEP, {"batch_id": BETA}, "fk_batch_steps_batch_id_batch_lots"),
    (
        s.batch_lots,
        _row(lot_id=3, work_order_id=1, started=5, created_at=AT),
        {"started": 0},
        "ck_batch_lots_started_positive",
    ),
    (
        s.lot_shipments,
        _row(lot_id=1, quantity=2, customer="C", shipped_at=AT),
        {"quantity": -2},
        "ck_lot_shipments_quantity_positive",
    ),
    (
        s.lot_shipments,
        _row(lot_id=1, quantity=2, customer="C", shipped_at=AT),
        {"lot_id": BETA},
        "fk_lot_shipments_lot_id_lots",
    ),
    (
        s.bom_lines,
        _row(bom_id=1, position=1, item_id=1, quantity=2, is_key=False),
        {"quantity": -2},
        "ck_bom_lines_quantity_positive",
    ),
    (
        s.bom_lines,
        _row(bom_id=1, position=1, item_id=1, quantity=2, is_key=False),
        {"bom_id": BETA},
        "fk_bom_lines_bom_id_boms",
    ),
    (
        s.operations,
        _row(
            routing_id=1,
            seq=10,
            code="OP10",
            name="Op",
            standard_seconds=30,
            binds=[],
            station_id=1,
            line_id=1,
        ),
        {"station_id": BETA},
        "fk_operations_station_id_stations",
    ),
    (
        s.operations,
        _row(routing_id=1, seq=10, code="OP10", name="Op", standard_seconds=30, binds=[]),
        {"standard_seconds": -30},
        "ck_operations_standard_seconds_not_negative",
    ),
    (
        s.items,
        _row(code="X", name="X", uom="pcs", tracking="lot", standard_cost=3),
        {"tracking": "batch"},
        "ck_items_tracking_known",
    ),
    (
        s.items,
        _row(code="X", name="X", uom="pcs", tracking="lot", standard_cost=3),
        {"standard_cost": -3},
        "ck_items_standard_cost_not_negative",
    ),
    (
        s.users,
        _row(name="bob", role="viewer", created_at=AT),
        {"role": "root"},
        "ck_users_role_known",
    ),
    (
        s.tokens,
        _row(user_id=1, token_hash="h" * 64, kind="api", created_at=AT, expires_at=AT),
        {"user_id": BETA},
        "fk_tokens_user_id_users",
    ),
    (
        s.stations,
        _row(line_id=1, code="S9", name="S"),
        {"line_id": BETA},
        "fk_stations_line_id_lines",
    ),
    (
        s.holds,
        _row(code="H9", reason="r", created_at=AT, created_by=1, disposition="scrap"),
        {"disposition": "burn"},
        "ck_holds_disposition_known",
    ),
    (
        s.holds,
        _row(code="H9", reason="r", created_at=AT, created_by=1),
        {"created_by": BETA},
        "fk_holds_created_by_users",
    ),
    (
        s.hold_members,
        _row(hold_id=1, kind="lot", target_id=1),
        {"kind": "box"},
        "ck_hold_members_kind_known",
    ),
    (
        s.hold_members,
        _row(hold_id=1, kind="lot", target_id=1),
        {"hold_id": BETA},
        "fk_hold_members_hold_id_holds",
    ),
    (
        s.hold_members,
        _row(hold_id=1, kind="lot", target_id=1),
        {"target_id": BETA},
        "fk_hold_members_target_lot_id_lots",
    ),
    (
        s.hold_members,
        _row(hold_id=1, kind="unit", target_id=1),
        {"target_id": 999},
        "fk_hold_members_target_unit_id_units",
    ),
    (
        s.inspection_plans,
        _row(code="P1", item_id=1, stage="incoming", plan={}, updated_at=AT),
        {"stage": "later"},
        "ck_inspection_plans_stage_known",
    ),
    (
        s.inspection_lots,
        _row(
            number="IQC-9",
            item_id=1,
            lot_id=1,
            lot_size=5,
            plan={},
            class_plans=[],
            status="open",
            created_at=AT,
        ),
        {"lot_id": BETA},
        "fk_inspection_lots_lot_id_lots",
    ),
    (
        s.inspection_lot_units,
        _row(inspection_lot_id=1, unit_id=1),
        {"unit_id": BETA},
        "fk_inspection_lot_units_unit_id_units",
    ),
    (
        s.inspection_samples,
        _row(
            inspection_lot_id=1,
            event_id="e1",
            sample_index=0,
            measurements={},
            defects=[],
            inspector_id=1,
            recorded_at=AT,
        ),
        {"inspector_id": BETA},
        "fk_inspection_samples_inspector_id_users",
    ),
    (
        s.serial_counters,
        _row(item_id=1, scope="S", last_seq=0),
        {"item_id": BETA},
        "fk_serial_counters_item_id_items",
    ),
    (
        s.events,
        _row(
            event_id="e1",
            type="t",
            subject="s",
            occurred_at=AT,
            recorded_at=AT,
            user_id=1,
            payload={},
            chain_position=1,
            chain_hash="0" * 64,
        ),
        {"user_id": BETA},
        "fk_events_user_id_users",
    ),
]


@pytest.mark.parametrize(
    ("table", "good", "bad", "rule"),
    RULES,
    ids=[f"{rule}-{'-'.join(f'{k}={v}' for k, v in bad.items())}" for _, _, bad, rule in RULES],
)
def test_a_row_written_around_the_code_is_refused_when_it_breaks_a_rule(
    plant: Engine, table: sa.Table, good: dict[str, Any], bad: dict[str, Any], rule: str
) -> None:
    count = sa.select(sa.func.count()).select_from(table)
    with plant.connect() as conn:
        before = conn.execute(count).scalar_one()
        conn.execute(table.insert(), good)  # the same row with good values is stored
        assert conn.execute(count).scalar_one() == before + 1
        conn.rollback()

    with pytest.raises(sa.exc.IntegrityError) as refused, plant.begin() as conn:
        conn.execute(table.insert(), good | bad)

    message = str(refused.value.orig)
    if plant.dialect.name == "postgresql" or rule.startswith("ck_"):
        assert rule in message  # SQLite names a broken CHECK, not a broken foreign key
    else:
        assert "FOREIGN KEY constraint failed" in message
    with plant.connect() as conn:
        assert conn.execute(count).scalar_one() == before  # nothing stored


@pytest.mark.parametrize(
    "change",
    [
        {"remaining": -1},
        {"remaining": 11},
        {"item_id": BETA},
    ],
    ids=["negative stock", "stock above received", "another tenant's item"],
)
def test_an_update_around_the_code_is_refused_too(plant: Engine, change: dict[str, Any]) -> None:
    with pytest.raises(sa.exc.IntegrityError), plant.begin() as conn:
        conn.execute(s.lots.update().where(s.lots.c.id == ACME).values(change))

    with plant.connect() as conn:
        lot = conn.execute(sa.select(s.lots).where(s.lots.c.id == ACME)).one()
    assert (lot.item_id, lot.remaining) == (ACME, 10)


def test_a_row_cannot_be_moved_to_another_tenant_under_its_children(plant: Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), plant.begin() as conn:
        conn.execute(s.units.update().where(s.units.c.id == ACME).values(tenant_id=BETA))


def test_each_enum_column_accepts_exactly_its_enums_values(db: Engine) -> None:
    inspector = sa.inspect(db)
    for table, columns in s.ENUM_COLUMNS.items():
        checks = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
        for column, enum in columns.items():
            listed = re.findall(r"'([^']*)'", str(checks[f"ck_{table}_{column}_known"]))
            assert sorted(listed) == sorted(enum), f"{table}.{column}"
