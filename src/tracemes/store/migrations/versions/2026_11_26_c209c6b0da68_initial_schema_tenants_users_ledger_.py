"""initial schema: tenants, users, ledger, master data, work orders, units

Revision ID: c209c6b0da68
Revises:
Create Date: 2026-11-26 13:00:22.874134
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import tracemes.store.schema

revision: str = "c209c6b0da68"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("code", name=op.f("uq_tenants_code")),
        comment="Enterprises: the wall between factories sharing one deployment.",
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uom", sa.String(length=64), nullable=False),
        sa.Column("tracking", sa.String(length=10), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column(
            "standard_cost", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=True
        ),
        sa.Column("serial_pattern", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_items_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_items")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_items_tenant_id_code")),
        comment="Material definitions: part numbers with tracking mode and standard cost.",
    )
    op.create_table(
        "lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_lines_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lines")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_lines_tenant_id_code")),
        comment="Production lines (ISA-95 work centres).",
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_users_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_users_tenant_id_name")),
        comment="People who sign in; each belongs to one tenant with one role.",
    )
    op.create_table(
        "boms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_boms_item_id_items")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_boms_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boms")),
        sa.UniqueConstraint(
            "tenant_id", "item_id", "version", name=op.f("uq_boms_tenant_id_item_id_version")
        ),
        comment="BOM versions of an item; the highest is current, older ones serve released orders.",
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("station", sa.String(length=64), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_events_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_events_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("tenant_id", "event_id", name=op.f("uq_events_tenant_id_event_id")),
        comment="The append-only ledger of everything that happened; never updated or deleted.",
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_tenant_id_subject"), ["tenant_id", "subject"], unique=False
        )

    op.create_table(
        "routings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_routings_item_id_items")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_routings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routings")),
        sa.UniqueConstraint(
            "tenant_id", "item_id", "version", name=op.f("uq_routings_tenant_id_item_id_version")
        ),
        comment="Routing versions of an item; the highest is current.",
    )
    op.create_table(
        "serial_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_serial_counters_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_serial_counters_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serial_counters")),
        sa.UniqueConstraint(
            "tenant_id", "item_id", "scope", name=op.f("uq_serial_counters_tenant_id_item_id_scope")
        ),
        comment="The last sequence number used per item and serial prefix.",
    )
    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["line_id"], ["lines.id"], name=op.f("fk_stations_line_id_lines")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_stations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_stations_tenant_id_code")),
        comment="Stations on a line, where operators scan.",
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tokens_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
        comment="API tokens and browser sessions, stored only as SHA-256 hashes.",
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tokens_tenant_id_user_id"), ["tenant_id", "user_id"], unique=False
        )

    op.create_table(
        "bom_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("bom_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column(
            "quantity", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False
        ),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("operation_code", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["bom_id"], ["boms.id"], name=op.f("fk_bom_lines_bom_id_boms")),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_bom_lines_item_id_items")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_bom_lines_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bom_lines")),
        sa.UniqueConstraint(
            "tenant_id", "bom_id", "item_id", name=op.f("uq_bom_lines_tenant_id_bom_id_item_id")
        ),
        comment="Components of one BOM version.",
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("routing_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column(
            "standard_seconds",
            tracemes.store.schema.Quantity(precision=20, scale=6),
            nullable=False,
        ),
        sa.Column(
            "binds",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("inspection", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_operations_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["routing_id"], ["routings.id"], name=op.f("fk_operations_routing_id_routings")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_operations_station_id_stations")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_operations_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
        sa.UniqueConstraint(
            "tenant_id", "routing_id", "code", name=op.f("uq_operations_tenant_id_routing_id_code")
        ),
        sa.UniqueConstraint(
            "tenant_id", "routing_id", "seq", name=op.f("uq_operations_tenant_id_routing_id_seq")
        ),
        comment="Operations of one routing version, in seq order.",
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column(
            "quantity", tracemes.store.schema.Quantity(precision=20, scale=6), nullable=False
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("bom_id", sa.Integer(), nullable=True),
        sa.Column("routing_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bom_id"], ["boms.id"], name=op.f("fk_work_orders_bom_id_boms")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_work_orders_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["lines.id"], name=op.f("fk_work_orders_line_id_lines")
        ),
        sa.ForeignKeyConstraint(
            ["routing_id"], ["routings.id"], name=op.f("fk_work_orders_routing_id_routings")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_work_orders_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_work_orders_tenant_id_code")),
        comment="Orders to make an item on a line; bom_id/routing_id are the versions snapshotted at release.",
    )
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_work_orders_tenant_id_status"), ["tenant_id", "status"], unique=False
        )

    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_units_item_id_items")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_units_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"], name=op.f("fk_units_work_order_id_work_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint(
            "tenant_id", "item_id", "serial", name=op.f("uq_units_tenant_id_item_id_serial")
        ),
        comment="Serialised instances of an item.",
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_units_tenant_id_serial"), ["tenant_id", "serial"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_units_tenant_id_work_order_id_status"),
            ["tenant_id", "work_order_id", "status"],
            unique=False,
        )


def downgrade() -> None:

    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_tenant_id_work_order_id_status"))
        batch_op.drop_index(batch_op.f("ix_units_tenant_id_serial"))

    op.drop_table("units")
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_orders_tenant_id_status"))

    op.drop_table("work_orders")
    op.drop_table("operations")
    op.drop_table("bom_lines")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_tenant_id_user_id"))

    op.drop_table("tokens")
    op.drop_table("stations")
    op.drop_table("serial_counters")
    op.drop_table("routings")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_tenant_id_subject"))

    op.drop_table("events")
    op.drop_table("boms")
    op.drop_table("users")
    op.drop_table("lines")
    op.drop_table("items")
    op.drop_table("tenants")
