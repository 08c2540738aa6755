"""production lots: batch steps and lot shipments

Batch flow (issue 4): a production lot is a row of `lots` (its stock is `remaining`) plus
`batch_lots` (which order made it, how much it started with) and one `batch_steps` tally per
operation. `lot_shipments` records lot quantities sent to customers, for forward trace.

Revision ID: 21eb89a64224
Revises: d4e1a7c3b9f2
Create Date: 2026-11-26 16:21:03.959772
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tracemes.store.schema

revision: str = "21eb89a64224"
down_revision: str | None = "d4e1a7c3b9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lot_shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column(
            "quantity", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False
        ),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("sales_order", sa.String(length=64), nullable=True),
        sa.Column("delivery", sa.String(length=64), nullable=True),
        sa.Column("shipped_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_shipments_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_lot_shipments_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_shipments")),
        comment="Quantities of a lot sent to a customer; forward trace names them.",
    )
    with op.batch_alter_table("lot_shipments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lot_shipments_tenant_id_lot_id"), ["tenant_id", "lot_id"], unique=False
        )

    op.create_table(
        "batch_lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("started", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_batch_lots_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_batch_lots_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_batch_lots_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_lots")),
        sa.UniqueConstraint("tenant_id", "lot_id", name=op.f("uq_batch_lots_tenant_id_lot_id")),
        comment="A production lot of a work order; its stock (finished good) is lots.remaining.",
    )
    with op.batch_alter_table("batch_lots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_batch_lots_tenant_id_work_order_id"),
            ["tenant_id", "work_order_id"],
            unique=False,
        )

    op.create_table(
        "batch_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("operation_code", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column(
            "received", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False
        ),
        sa.Column("good", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False),
        sa.Column("scrap", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False),
        sa.Column("rework", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False),
        sa.Column("moved", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False),
        sa.Column("sent", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False),
        sa.Column(
            "defects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch_lots.id"], name=op.f("fk_batch_steps_batch_id_batch_lots")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_batch_steps_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_steps")),
        sa.UniqueConstraint(
            "tenant_id",
            "batch_id",
            "operation_code",
            name=op.f("uq_batch_steps_tenant_id_batch_id_operation_code"),
        ),
        comment="One operation of a production lot: received = good + scrap + rework + moved + in process; sent <= good. The ledger holds the events that made these numbers.",
    )


def downgrade() -> None:
    op.drop_table("batch_steps")
    with op.batch_alter_table("batch_lots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_lots_tenant_id_work_order_id"))

    op.drop_table("batch_lots")
    with op.batch_alter_table("lot_shipments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_shipments_tenant_id_lot_id"))

    op.drop_table("lot_shipments")
