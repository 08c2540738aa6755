"""the database refuses what the code forgets

Issue 12, finding 12: rows written around the code (SQL by hand, a bug) were accepted with a
negative stock, stock above what was received, a negative binding quantity, a reference to
another tenant's row, a dangling id or an unknown status. Now:

- CHECKs: quantities positive, stock and costs not negative, a lot's remaining within its
  quantity, enum columns within their enum's values (frozen here; a test compares them with
  the domain enums);
- every reference carries the tenant: each referenced table is UNIQUE (tenant_id, id) and
  each foreign key becomes (x_id, tenant_id) -> (id, tenant_id), under its old name.

Existing rows must obey the new rules: the upgrade stops on the first table that does not
(PostgreSQL names the constraint; SQLite says which table and row break a key).

Revision ID: 5b0d2e7c91a4
Revises: 5b1e0c7d2a94
Create Date: 2026-12-04 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b0d2e7c91a4"
down_revision: str | None = "5b1e0c7d2a94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSITIVE = "CAST({} AS NUMERIC) > 0"
_NOT_NEGATIVE = "CAST({} AS NUMERIC) >= 0"
_KIND = "{} IN ('unit', 'lot')"

# Parents before children (a key needs the UNIQUE (tenant_id, id) it points at):
# table -> (referenced by others, [(column, parent)], {check name: condition}).
TABLES: dict[str, tuple[bool, list[tuple[str, str]], dict[str, str]]] = {
    "items": (
        True,
        [],
        {
            "tracking_known": "tracking IN ('serial', 'lot', 'none')",
            "standard_cost_not_negative": _NOT_NEGATIVE.format("standard_cost"),
        },
    ),
    "lines": (True, [], {}),
    "users": (
        True,
        [],
        {
            "role_known": "role IN ('admin', 'engineer', 'supervisor', 'operator', 'inspector', "
            "'viewer')"
        },
    ),
    "boms": (True, [("item_id", "items")], {"version_positive": "version > 0"}),
    "events": (False, [("user_id", "users")], {}),
    "holds": (
        True,
        [("created_by", "users"), ("released_by", "users")],
        {
            "disposition_known": "disposition IN ('use_as_is', 'rework', 'scrap', "
            "'return_to_supplier')"
        },
    ),
    "inspection_plans": (
        False,
        [("item_id", "items")],
        {"stage_known": "stage IN ('incoming', 'in_process', 'final')"},
    ),
    "lots": (
        True,
        [("item_id", "items")],
        {
            "quantity_positive": _POSITIVE.format("quantity"),
            "remaining_not_negative": _NOT_NEGATIVE.format("remaining"),
            "unit_cost_not_negative": _NOT_NEGATIVE.format("unit_cost"),
            "remaining_within_quantity": "CAST(remaining AS NUMERIC) <= CAST(quantity AS NUMERIC)",
        },
    ),
    "routings": (True, [("item_id", "items")], {"version_positive": "version > 0"}),
    "serial_counters": (
        False,
        [("item_id", "items")],
        {"last_seq_not_negative": "last_seq >= 0"},
    ),
    "stations": (True, [("line_id", "lines")], {}),
    "tokens": (False, [("user_id", "users")], {}),
    "bindings": (
        False,
        [("item_id", "items"), ("station_id", "stations"), ("operator_id", "users")],
        {
            "parent_kind_known": _KIND.format("parent_kind"),
            "child_kind_known": _KIND.format("child_kind"),
            "quantity_positive": _POSITIVE.format("quantity"),
        },
    ),
    "bom_lines": (
        False,
        [("bom_id", "boms"), ("item_id", "items")],
        {"quantity_positive": _POSITIVE.format("quantity")},
    ),
    "hold_members": (False, [("hold_id", "holds")], {"kind_known": _KIND.format("kind")}),
    "lot_shipments": (
        False,
        [("lot_id", "lots")],
        {"quantity_positive": _POSITIVE.format("quantity")},
    ),
    "operations": (
        False,
        [("routing_id", "routings"), ("line_id", "lines"), ("station_id", "stations")],
        {"standard_seconds_not_negative": _NOT_NEGATIVE.format("standard_seconds")},
    ),
    "work_orders": (
        True,
        [
            ("item_id", "items"),
            ("line_id", "lines"),
            ("bom_id", "boms"),
            ("routing_id", "routings"),
        ],
        {
            "status_known": "status IN ('planned', 'released', 'in_progress', 'completed', "
            "'closed', 'cancelled')",
            "quantity_positive": _POSITIVE.format("quantity"),
            "finished_units_not_negative": "finished_units >= 0",
        },
    ),
    "batch_lots": (
        True,
        [("lot_id", "lots"), ("work_order_id", "work_orders")],
        {"started_positive": _POSITIVE.format("started")},
    ),
    "inspection_lots": (
        True,
        [("item_id", "items"), ("lot_id", "lots"), ("work_order_id", "work_orders")],
        {"lot_size_not_negative": "lot_size >= 0"},
    ),
    "units": (
        True,
        [("item_id", "items"), ("work_order_id", "work_orders")],
        {
            "status_known": "status IN ('queued', 'in_progress', 'rework', 'completed', "
            "'scrapped', 'shipped', 'received')",
            "unit_cost_not_negative": _NOT_NEGATIVE.format("unit_cost"),
        },
    ),
    "batch_steps": (
        False,
        [("batch_id", "batch_lots")],
        {
            f"{column}_not_negative": _NOT_NEGATIVE.format(column)
            for column in ("received", "good", "scrap", "rework", "moved", "sent")
        },
    ),
    "inspection_lot_units": (
        False,
        [("inspection_lot_id", "inspection_lots"), ("unit_id", "units")],
        {},
    ),
    "inspection_samples": (
        False,
        [("inspection_lot_id", "inspection_lots"), ("inspector_id", "users")],
        {},
    ),
    "step_runs": (
        False,
        [("unit_id", "units"), ("station_id", "stations"), ("operator_id", "users")],
        {},
    ),
}


def upgrade() -> None:
    for table, (referenced, keys, checks) in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, parent in keys:
                name = op.f(f"fk_{table}_{column}_{parent}")
                batch_op.drop_constraint(name, type_="foreignkey")
                batch_op.create_foreign_key(
                    name, parent, [column, "tenant_id"], ["id", "tenant_id"]
                )
            if referenced:
                batch_op.create_unique_constraint(
                    op.f(f"uq_{table}_tenant_id_id"), ["tenant_id", "id"]
                )
            for check, condition in checks.items():
                batch_op.create_check_constraint(op.f(f"ck_{table}_{check}"), condition)
    _stop_on_broken_keys()


def downgrade() -> None:
    for table, (referenced, keys, checks) in reversed(TABLES.items()):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for check in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{check}"), type_="check")
            for column, parent in keys:
                name = op.f(f"fk_{table}_{column}_{parent}")
                batch_op.drop_constraint(name, type_="foreignkey")
                batch_op.create_foreign_key(name, parent, [column], ["id"])
            if referenced:
                batch_op.drop_constraint(op.f(f"uq_{table}_tenant_id_id"), type_="unique")
    _stop_on_broken_keys()


def _stop_on_broken_keys() -> None:
    # SQLite copies tables with its foreign keys off (env.py) and so checks none of them on
    # the way: look now, inside the migration's transaction, and undo it all if one is broken.
    # PostgreSQL has checked each key as it was added.
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"{len(broken)} rows point at rows that are missing or belong to another tenant, "
            f"first: {table} row {rowid} -> {parent}; correct them and upgrade again"
        )
