"""inspection plans, lots and samples

Quality (issue 6): plans say what to check on an item at a stage and how to sample it;
an inspection lot keeps the plan it was opened with, its sampling plans per defect class
and its verdict; samples are append-only (recording a sample again is a correction).

Revision ID: f7b56d5c044b
Revises: 2804aa147251
Create Date: 2026-11-26 18:56:36.957680
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tracemes.store.schema

revision: str = "f7b56d5c044b"
down_revision: str | None = "2804aa147251"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column(
            "plan",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_inspection_plans_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_inspection_plans_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plans")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_inspection_plans_tenant_id_code")),
        comment="Inspection plans: what to check on an item at a stage, and how to sample it.",
    )
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_plans_tenant_id_item_id_stage"),
            ["tenant_id", "item_id", "stage"],
            unique=False,
        )

    op.create_table(
        "inspection_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("lot_size", sa.Integer(), nullable=False),
        sa.Column(
            "plan",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "class_plans",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "verdict",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=True,
        ),
        sa.Column("hold_code", sa.String(length=64), nullable=True),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_inspection_lots_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["lots.id"], name=op.f("fk_inspection_lots_lot_id_lots")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_inspection_lots_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_lots")),
        sa.UniqueConstraint(
            "tenant_id", "number", name=op.f("uq_inspection_lots_tenant_id_number")
        ),
        comment="One inspection of one lot: its sampling plans, status and verdict.",
    )
    with op.batch_alter_table("inspection_lots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_lots_tenant_id_status"), ["tenant_id", "status"], unique=False
        )

    op.create_table(
        "inspection_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("inspection_lot_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("sample_index", sa.Integer(), nullable=False),
        sa.Column(
            "measurements",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "defects",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("inspector_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_lot_id"],
            ["inspection_lots.id"],
            name=op.f("fk_inspection_samples_inspection_lot_id_inspection_lots"),
        ),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_inspection_samples_inspector_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_inspection_samples_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_samples")),
        sa.UniqueConstraint(
            "tenant_id", "event_id", name=op.f("uq_inspection_samples_tenant_id_event_id")
        ),
        comment="What an inspector found on each sampled item, as recorded.",
    )
    with op.batch_alter_table("inspection_samples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspection_samples_tenant_id_inspection_lot_id"),
            ["tenant_id", "inspection_lot_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("inspection_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_samples_tenant_id_inspection_lot_id"))

    op.drop_table("inspection_samples")
    with op.batch_alter_table("inspection_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_lots_tenant_id_status"))

    op.drop_table("inspection_lots")
    with op.batch_alter_table("inspection_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_plans_tenant_id_item_id_stage"))

    op.drop_table("inspection_plans")
