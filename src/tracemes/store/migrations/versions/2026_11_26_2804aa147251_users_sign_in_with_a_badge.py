"""users sign in with a badge

Operators at a station sign in by scanning their badge card (issue 5). Only a hash of the
badge is kept; a badge belongs to one user of a tenant.

Revision ID: 2804aa147251
Revises: 8605dd6c2754
Create Date: 2026-11-26 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2804aa147251"
down_revision: str | None = "8605dd6c2754"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("badge_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            "uq_users_tenant_id_badge_hash", ["tenant_id", "badge_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_tenant_id_badge_hash", type_="unique")
        batch_op.drop_column("badge_hash")
