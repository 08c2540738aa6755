"""work orders count their finished units

A batch of events needs to know when an order is complete; counting a million units per
batch was the slowest step of ingest, so the order keeps the count. Existing orders are
backfilled from their units.

Revision ID: cecf20b764bd
Revises: c1d89b124b8c
Create Date: 2026-11-26 14:19:21.169141
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cecf20b764bd"
down_revision: str | None = "c1d89b124b8c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("finished_units", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(
        "UPDATE work_orders SET finished_units = ("
        " SELECT count(*) FROM units WHERE units.work_order_id = work_orders.id"
        " AND units.status IN ('completed', 'shipped'))"
    )


def downgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_column("finished_units")
