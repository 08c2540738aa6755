"""units and lots named by kind are keys

A binding's parent and child, and a hold member's target, are a unit or a lot, as a kind
column says; no foreign key can follow one column into two tables, so a binding could name
another tenant's unit, or none at all (issue 12, finding 12). Each id is now copied by the
database into a computed column per kind (bindings.parent_unit_id, parent_lot_id,
child_unit_id, child_lot_id; hold_members.target_unit_id, target_lot_id) that a composite
key (column, tenant_id) -> (id, tenant_id) follows. Nothing writes these columns.

Existing rows must obey: PostgreSQL checks each key as it is made; SQLite copies the two
tables with keys off (env.py), so every key is checked before the upgrade commits.

Revision ID: 9e4b6c1d2f37
Revises: 7d3f1a2b9c60
Create Date: 2026-12-04 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4b6c1d2f37"
down_revision: str | None = "7d3f1a2b9c60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (prefix, kind column, id column) of each reference by kind
BY_KIND = {
    "bindings": (("parent", "parent_kind", "parent_id"), ("child", "child_kind", "child_id")),
    "hold_members": (("target", "kind", "target_id"),),
}
TARGETS = (("unit", "units"), ("lot", "lots"))


def upgrade() -> None:
    for table, references in BY_KIND.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for prefix, kind, id_column in references:
                for target, _ in TARGETS:
                    case = f"CASE WHEN {kind} = '{target}' THEN {id_column} END"
                    batch_op.add_column(
                        sa.Column(
                            f"{prefix}_{target}_id",
                            sa.Integer(),
                            sa.Computed(case, persisted=True),
                            nullable=True,
                        )
                    )
            # In the same copy of the table: SQLite cannot copy a computed column into a
            # new table (Alembic names it in the INSERT ... SELECT), only make it there.
            for prefix, _, _ in references:
                for target, parent in TARGETS:
                    column = f"{prefix}_{target}_id"
                    batch_op.create_foreign_key(
                        op.f(f"fk_{table}_{column}_{parent}"),
                        parent,
                        [column, "tenant_id"],
                        ["id", "tenant_id"],
                    )
    _stop_on_broken_keys()


def downgrade() -> None:
    for table, references in BY_KIND.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for prefix, _, _ in references:
                for target, parent in TARGETS:
                    column = f"{prefix}_{target}_id"
                    batch_op.drop_constraint(
                        op.f(f"fk_{table}_{column}_{parent}"), type_="foreignkey"
                    )
                    batch_op.drop_column(column)


def _stop_on_broken_keys() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return  # PostgreSQL checked each key as it was made
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(
            f"{len(broken)} rows point at units or lots that are missing or belong to another "
            f"tenant, first: {table} row {rowid} -> {parent}; correct them and upgrade again"
        )
