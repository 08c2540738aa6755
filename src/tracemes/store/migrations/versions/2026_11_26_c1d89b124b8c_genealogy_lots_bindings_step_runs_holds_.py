"""genealogy: lots, bindings, step runs, holds, unit state

Revision ID: c1d89b124b8c
Revises: c209c6b0da68
Create Date: 2026-11-26 13:26:25.503900
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tracemes.store.schema

revision: str = "c1d89b124b8c"
down_revision: str | None = "c209c6b0da68"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("released_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=30), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_holds_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["users.id"], name=op.f("fk_holds_released_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_holds_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_holds_tenant_id_code")),
        comment="Quality holds: units and lots that may not move on until released.",
    )
    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column(
            "quantity", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False
        ),
        sa.Column(
            "remaining", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False
        ),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("received_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "unit_cost", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=True
        ),
        sa.Column("on_hold", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("rejected", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_lots_item_id_items")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_lots_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint(
            "tenant_id", "item_id", "lot", name=op.f("uq_lots_tenant_id_item_id_lot")
        ),
        comment="Quantities of one item from one receipt or batch; remaining never goes below zero.",
    )
    op.create_table(
        "bindings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("parent_kind", sa.String(length=4), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("child_kind", sa.String(length=4), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "quantity", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False
        ),
        sa.Column("operation_code", sa.String(length=64), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("bound_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("unbound_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("unbound_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_bindings_item_id_items")),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["users.id"], name=op.f("fk_bindings_operator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_bindings_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bindings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bindings")),
        comment="Genealogy edges: a component (unit or lot, with quantity) went into a parent. Kinds are 'unit' or 'lot'; a serialised component has at most one live edge.",
    )
    with op.batch_alter_table("bindings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bindings_tenant_id_child_kind_child_id"),
            ["tenant_id", "child_kind", "child_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_bindings_tenant_id_parent_kind_parent_id"),
            ["tenant_id", "parent_kind", "parent_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_bindings_live_serial",
            ["tenant_id", "child_kind", "child_id"],
            unique=True,
            sqlite_where=sa.text("unbound_at IS NULL AND child_kind = 'unit'"),
            postgresql_where=sa.text("unbound_at IS NULL AND child_kind = 'unit'"),
        )

    op.create_table(
        "event_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_event_subjects_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_subjects")),
        comment="Further things an event is about (a bound part's serial or lot), for histories.",
    )
    with op.batch_alter_table("event_subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_subjects_tenant_id_subject"),
            ["tenant_id", "subject"],
            unique=False,
        )

    op.create_table(
        "hold_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=4), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["holds.id"], name=op.f("fk_hold_members_hold_id_holds")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_hold_members_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hold_members")),
        sa.UniqueConstraint(
            "tenant_id",
            "hold_id",
            "kind",
            "target_id",
            name=op.f("uq_hold_members_tenant_id_hold_id_kind_target_id"),
        ),
        comment="What a hold covers: units and lots by kind and id.",
    )
    with op.batch_alter_table("hold_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hold_members_tenant_id_kind_target_id"),
            ["tenant_id", "kind", "target_id"],
            unique=False,
        )

    op.create_table(
        "step_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("operation_code", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("started_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=10), nullable=True),
        sa.Column(
            "measurements",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "defects",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["users.id"], name=op.f("fk_step_runs_operator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_step_runs_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_step_runs_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_step_runs_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_step_runs")),
        comment="One unit through one operation: when, where, who, the result and measurements.",
    )
    with op.batch_alter_table("step_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_step_runs_tenant_id_unit_id"), ["tenant_id", "unit_id"], unique=False
        )

    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rework_operation", sa.String(length=64), nullable=True))

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_operation", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("on_hold", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "completed_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("supplier", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("supplier_lot", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "unit_cost", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=True
            )
        )
        batch_op.add_column(sa.Column("customer", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("sales_order", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("delivery", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("shipped_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_column("shipped_at")
        batch_op.drop_column("delivery")
        batch_op.drop_column("sales_order")
        batch_op.drop_column("customer")
        batch_op.drop_column("unit_cost")
        batch_op.drop_column("supplier_lot")
        batch_op.drop_column("supplier")
        batch_op.drop_column("completed_at")
        batch_op.drop_column("on_hold")
        batch_op.drop_column("current_operation")

    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_column("rework_operation")

    with op.batch_alter_table("step_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_runs_tenant_id_unit_id"))

    op.drop_table("step_runs")
    with op.batch_alter_table("hold_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hold_members_tenant_id_kind_target_id"))

    op.drop_table("hold_members")
    with op.batch_alter_table("event_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_subjects_tenant_id_subject"))

    op.drop_table("event_subjects")
    with op.batch_alter_table("bindings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bindings_live_serial",
            sqlite_where=sa.text("unbound_at IS NULL AND child_kind = 'unit'"),
            postgresql_where=sa.text("unbound_at IS NULL AND child_kind = 'unit'"),
        )
        batch_op.drop_index(batch_op.f("ix_bindings_tenant_id_parent_kind_parent_id"))
        batch_op.drop_index(batch_op.f("ix_bindings_tenant_id_child_kind_child_id"))

    op.drop_table("bindings")
    op.drop_table("lots")
    op.drop_table("holds")
