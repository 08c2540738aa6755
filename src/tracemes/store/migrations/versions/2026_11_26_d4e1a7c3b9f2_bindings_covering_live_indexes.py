"""bindings: covering indexes of live edges for the trace walks

The backward and forward walks visit one index entry per node; with the plain indexes each
visit also read the table row (to test `unbound_at` and fetch the other end), which doubled
where-used time. Live edges get covering partial indexes in both directions; unbound edges,
read only to know which parts a unit once held, keep a small index of their own.

Revision ID: d4e1a7c3b9f2
Revises: cecf20b764bd
Create Date: 2026-11-26 15:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4e1a7c3b9f2"
down_revision: str | None = "cecf20b764bd"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("unbound_at IS NULL")
UNBOUND = sa.text("unbound_at IS NOT NULL")


def upgrade() -> None:
    for name, columns in (
        ("ix_bindings_live_down", ["parent_kind", "parent_id", "child_kind", "child_id"]),
        ("ix_bindings_live_up", ["child_kind", "child_id", "parent_kind", "parent_id"]),
    ):
        op.create_index(
            name,
            "bindings",
            ["tenant_id", *columns, "unbound_at"],
            sqlite_where=LIVE,
            postgresql_where=LIVE,
            postgresql_include=["id"],
        )
    op.create_index(
        "ix_bindings_unbound",
        "bindings",
        ["tenant_id", "parent_kind", "parent_id"],
        sqlite_where=UNBOUND,
        postgresql_where=UNBOUND,
    )
    op.drop_index("ix_bindings_tenant_id_parent_kind_parent_id", table_name="bindings")
    op.drop_index("ix_bindings_tenant_id_child_kind_child_id", table_name="bindings")


def downgrade() -> None:
    op.create_index(
        "ix_bindings_tenant_id_child_kind_child_id",
        "bindings",
        ["tenant_id", "child_kind", "child_id"],
    )
    op.create_index(
        "ix_bindings_tenant_id_parent_kind_parent_id",
        "bindings",
        ["tenant_id", "parent_kind", "parent_id"],
    )
    for name in ("ix_bindings_unbound", "ix_bindings_live_up", "ix_bindings_live_down"):
        op.drop_index(name, table_name="bindings")
