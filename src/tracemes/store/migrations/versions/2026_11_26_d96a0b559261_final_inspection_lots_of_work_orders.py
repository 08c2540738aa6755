"""final inspection lots of work orders

A final inspection (FQC) samples the finished units of a work order (issue 6): the
inspection lot names the order instead of a received lot.

Revision ID: d96a0b559261
Revises: f7b56d5c044b
Create Date: 2026-11-26 19:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d96a0b559261"
down_revision: str | None = "f7b56d5c044b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inspection_lots", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_order_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_inspection_lots_work_order_id_work_orders",
            "work_orders",
            ["work_order_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_lots", schema=None) as batch_op:
        batch_op.drop_constraint("fk_inspection_lots_work_order_id_work_orders", type_="foreignkey")
        batch_op.drop_column("work_order_id")
