"""users choose their page language

Pages come in Chinese and English (issue 5); a user's choice is kept on the user so it
follows them to every device. Null means: the browser's language.

Revision ID: e7cd9018e268
Revises: 960b858a7f04
Create Date: 2026-11-26 17:00:42.630486
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7cd9018e268"
down_revision: str | None = "960b858a7f04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
