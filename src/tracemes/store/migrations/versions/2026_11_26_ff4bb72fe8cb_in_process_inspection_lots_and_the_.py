"""in-process inspection lots and the units each lot covers

An inspection lot of a work order's output (final, and now in-process at an operation;
issue 6) keeps the units it covers, fixed when it opens: a rejection holds exactly those,
and the next lot takes only units not inspected yet. Final inspections still open or
accepted get the units they sampled: the order's units finished by the time they opened.

Revision ID: ff4bb72fe8cb
Revises: d96a0b559261
Create Date: 2026-11-26 21:17:16
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ff4bb72fe8cb"
down_revision: str | None = "d96a0b559261"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_lot_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("inspection_lot_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_lot_id"],
            ["inspection_lots.id"],
            name=op.f("fk_inspection_lot_units_inspection_lot_id_inspection_lots"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_inspection_lot_units_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_inspection_lot_units_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_lot_units")),
        sa.UniqueConstraint(
            "tenant_id",
            "inspection_lot_id",
            "unit_id",
            name=op.f("uq_inspection_lot_units_tenant_id_inspection_lot_id_unit_id"),
        ),
        comment="The units an inspection lot of a work order's output covers, fixed when it opens.",
    )
    with op.batch_alter_table("inspection_lot_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_lot_units_tenant_id_unit_id"),
            ["tenant_id", "unit_id"],
            unique=False,
        )
    with op.batch_alter_table("inspection_lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operation", sa.String(length=64), nullable=True))
    op.execute(
        """
        INSERT INTO inspection_lot_units (tenant_id, inspection_lot_id, unit_id)
        SELECT l.tenant_id, l.id, u.id
        FROM inspection_lots l
        JOIN units u ON u.tenant_id = l.tenant_id AND u.work_order_id = l.work_order_id
        WHERE l.status IN ('open', 'accepted')
          AND u.status IN ('completed', 'shipped')
          AND u.completed_at <= l.created_at
        """
    )


def downgrade() -> None:
    # the new table first: SQLite rebuilds inspection_lots to drop a column
    with op.batch_alter_table("inspection_lot_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_lot_units_tenant_id_unit_id"))
    op.drop_table("inspection_lot_units")
    with op.batch_alter_table("inspection_lots", schema=None) as batch_op:
        batch_op.drop_column("operation")
