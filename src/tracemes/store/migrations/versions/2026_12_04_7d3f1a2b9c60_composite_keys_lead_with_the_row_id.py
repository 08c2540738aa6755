"""composite keys lead with the row id

Migration 5b0d2e7c91a4 made every referenced table UNIQUE (tenant_id, id) for the composite
foreign keys. SQLite's planner then walked a whole tenant through that index, in id order,
for lookups such as `tenant_id = ? AND serial IN (...) ORDER BY id` instead of finding the
serials through their own index: batch ingest became 20 % slower, and slower still as a
tenant grows (issue 12). The same keys led by the id, UNIQUE (id, tenant_id), serve the
foreign keys as well and offer the planner nothing to walk.

PostgreSQL: the keys are dropped, the unique constraints swapped, the keys made again.
SQLite: each table is copied once with all of it (keys are off while migrating), then every
key is checked.

Revision ID: 7d3f1a2b9c60
Revises: cc01a3e7cb3a
Create Date: 2026-12-04 13:40:00
"""

from collections.abc import Sequence

from alembic import op
from alembic.operations import BatchOperations

revision: str = "7d3f1a2b9c60"
down_revision: str | None = "cc01a3e7cb3a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCED = (
    "items",
    "lines",
    "users",
    "boms",
    "holds",
    "lots",
    "routings",
    "stations",
    "work_orders",
    "batch_lots",
    "inspection_lots",
    "units",
)
KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "boms": (("item_id", "items"),),
    "events": (("user_id", "users"),),
    "holds": (("created_by", "users"), ("released_by", "users")),
    "inspection_plans": (("item_id", "items"),),
    "lots": (("item_id", "items"),),
    "routings": (("item_id", "items"),),
    "serial_counters": (("item_id", "items"),),
    "stations": (("line_id", "lines"),),
    "tokens": (("user_id", "users"),),
    "bindings": (("item_id", "items"), ("station_id", "stations"), ("operator_id", "users")),
    "bom_lines": (("bom_id", "boms"), ("item_id", "items")),
    "hold_members": (("hold_id", "holds"),),
    "lot_shipments": (("lot_id", "lots"),),
    "operations": (("routing_id", "routings"), ("line_id", "lines"), ("station_id", "stations")),
    "work_orders": (
        ("item_id", "items"),
        ("line_id", "lines"),
        ("bom_id", "boms"),
        ("routing_id", "routings"),
    ),
    "batch_lots": (("lot_id", "lots"), ("work_order_id", "work_orders")),
    "inspection_lots": (("item_id", "items"), ("lot_id", "lots"), ("work_order_id", "work_orders")),
    "units": (("item_id", "items"), ("work_order_id", "work_orders")),
    "batch_steps": (("batch_id", "batch_lots"),),
    "inspection_lot_units": (("inspection_lot_id", "inspection_lots"), ("unit_id", "units")),
    "inspection_samples": (("inspection_lot_id", "inspection_lots"), ("inspector_id", "users")),
    "step_runs": (("unit_id", "units"), ("station_id", "stations"), ("operator_id", "users")),
}


def upgrade() -> None:
    _swap(old=("tenant_id", "id"), new=("id", "tenant_id"))


def downgrade() -> None:
    _swap(old=("id", "tenant_id"), new=("tenant_id", "id"))


def _swap(old: tuple[str, str], new: tuple[str, str]) -> None:
    tables = list(dict.fromkeys([*REFERENCED, *KEYS]))
    if op.get_bind().dialect.name == "sqlite":
        for table in tables:
            with op.batch_alter_table(table, schema=None) as batch_op:
                _drop_keys(batch_op, table)
                _swap_unique(batch_op, table, old, new)
                _make_keys(batch_op, table)
        _stop_on_broken_keys()
        return
    # PostgreSQL: a unique constraint cannot go while keys rest on it.
    for table in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            _drop_keys(batch_op, table)
    for table in REFERENCED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            _swap_unique(batch_op, table, old, new)
    for table in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            _make_keys(batch_op, table)


def _drop_keys(batch_op: BatchOperations, table: str) -> None:
    for column, parent in KEYS.get(table, ()):
        batch_op.drop_constraint(op.f(f"fk_{table}_{column}_{parent}"), type_="foreignkey")


def _make_keys(batch_op: BatchOperations, table: str) -> None:
    for column, parent in KEYS.get(table, ()):
        batch_op.create_foreign_key(
            op.f(f"fk_{table}_{column}_{parent}"),
            parent,
            [column, "tenant_id"],
            ["id", "tenant_id"],
        )


def _swap_unique(
    batch_op: BatchOperations, table: str, old: tuple[str, str], new: tuple[str, str]
) -> None:
    if table not in REFERENCED:
        return
    batch_op.drop_constraint(op.f(f"uq_{table}_{'_'.join(old)}"), type_="unique")
    batch_op.create_unique_constraint(op.f(f"uq_{table}_{'_'.join(new)}"), list(new))


def _stop_on_broken_keys() -> None:
    # SQLite copied the tables with its keys off (env.py): check them all before committing.
    broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"{len(broken)} rows point at rows that are missing or belong to another tenant, "
            f"first: {table} row {rowid} -> {parent}; correct them and upgrade again"
        )
