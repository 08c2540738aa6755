"""inspection lot sizes as big integers

Numbers at the door (issue 12): a lot may now hold up to 10^12 items, and its incoming
inspection lot records that size, which a 32-bit integer cannot hold on PostgreSQL (it
answered 500 "integer out of range"). SQLite's INTEGER already holds 64 bits, so SQLite is
left alone (rebuilding the table would trip the foreign keys of its samples).

Revision ID: 5b1e0c7d2a94
Revises: 8f0154553d4f
Create Date: 2026-12-04 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1e0c7d2a94"
down_revision: str | None = "8f0154553d4f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "inspection_lots",
        "lot_size",
        existing_type=sa.Integer(),
        type_=sa.BigInteger(),
        existing_nullable=False,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "inspection_lots",
        "lot_size",
        existing_type=sa.BigInteger(),
        type_=sa.Integer(),
        existing_nullable=False,
    )
