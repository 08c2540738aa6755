"""the line board: tenant time zone, a day's steps and output

The line board (issue 5) counts a plant's working day, midnight to midnight where the plant
is: tenants keep their time zone (existing ones get China Standard Time, where the clusters
TraceMES serves are), and step runs and units are found by when they finished.

Revision ID: dec6230b2592
Revises: e7cd9018e268
Create Date: 2026-11-26 18:14:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "dec6230b2592"
down_revision: str | None = "e7cd9018e268"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "timezone", sa.String(length=64), server_default="Asia/Shanghai", nullable=False
            )
        )
    op.create_index(
        "ix_step_runs_tenant_id_completed_at", "step_runs", ["tenant_id", "completed_at"]
    )
    op.create_index("ix_units_tenant_id_completed_at", "units", ["tenant_id", "completed_at"])


def downgrade() -> None:
    op.drop_index("ix_units_tenant_id_completed_at", table_name="units")
    op.drop_index("ix_step_runs_tenant_id_completed_at", table_name="step_runs")
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_column("timezone")
