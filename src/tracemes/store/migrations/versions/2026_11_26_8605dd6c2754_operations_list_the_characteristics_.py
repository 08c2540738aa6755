"""operations list the characteristics measured there

A routing operation can ask for measurements (issue 5: the station page shows the fields;
a pass with a value missing or outside its limits is refused). Null for existing
operations: they measure nothing.

Revision ID: 8605dd6c2754
Revises: dec6230b2592
Create Date: 2026-11-26 18:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8605dd6c2754"
down_revision: str | None = "dec6230b2592"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "checks", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_column("checks")
