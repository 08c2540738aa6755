"""sign-in backoff, token expiry, disabled users

Issue 12 (sign-in): failed sign-ins are counted per account and per client address in the
database (several server processes share them); every token now expires (API tokens made
before this revision get 90 days from the upgrade, the default lifetime); a user can be
disabled.

Revision ID: 5a1e7c93b2d0
Revises: 5b0d2e7c91a4
Create Date: 2026-12-04 10:30:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import tracemes.store.schema

revision: str = "5a1e7c93b2d0"
down_revision: str | None = "5b0d2e7c91a4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "last_failed_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_sign_in_failures_key_hash")),
        comment="Failed sign-ins per account and per client address, for the backoff.",
    )
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_failures_last_failed_at"), ["last_failed_at"], unique=False
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "disabled_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True
            )
        )
    tokens = sa.table(
        "tokens",
        sa.column("expires_at", tracemes.store.schema.UtcDateTime(timezone=True)),
    )
    upgraded = datetime.now(UTC) + timedelta(days=90)
    op.execute(sa.update(tokens).where(tokens.c.expires_at.is_(None)).values(expires_at=upgraded))
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at",
            existing_type=tracemes.store.schema.UtcDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at",
            existing_type=tracemes.store.schema.UtcDateTime(timezone=True),
            nullable=True,
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("disabled_at")
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failures_last_failed_at"))
    op.drop_table("sign_in_failures")
