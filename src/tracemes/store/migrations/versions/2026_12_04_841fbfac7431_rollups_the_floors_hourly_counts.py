"""rollups: the floor's hourly counts for boards

The line board and the quality report counted a period's steps from step_runs, so each
cost more as history grew (issue 13, rollups). The floor now adds what each event changes to
one row per plant hour, line, station, item and operation (and defect code), in the
transaction that records the event.

The table starts empty: a database upgraded with history in it fills it from its ledger with
`tracemes rollups rebuild` (docs/cli.md), or its boards show only what happens after.

Revision ID: 841fbfac7431
Revises: 9e4b6c1d2f37
Create Date: 2026-12-04 20:53:18
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracemes.store.schema

revision: str = "841fbfac7431"
down_revision: str | None = "9e4b6c1d2f37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = (
    "started",
    "passed",
    "failed",
    "first_tries",
    "first_passes",
    "finished",
    "scrapped",
    "lot_good_millionths",
    "lot_scrap_millionths",
    "lot_rework_millionths",
    "defects",
    "lot_defects_millionths",
)


def upgrade() -> None:
    op.create_table(
        "rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column(
            "hour_starts_at", tracemes.store.schema.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("line", sa.String(length=64), nullable=False),
        sa.Column("station", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("defect", sa.String(length=64), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
            for name in COUNTERS
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_rollups_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollups")),
        sa.UniqueConstraint(
            "tenant_id",
            "hour_starts_at",
            "line",
            "station",
            "item",
            "operation",
            "defect",
            name=op.f("uq_rollups_tenant_id_hour_starts_at_line_station_item_operation_defect"),
        ),
        comment="What the floor did per plant hour, line, station, item and operation, kept "
        "up by the events that change it; the boards read these, never the step runs.",
    )


def downgrade() -> None:
    op.drop_table("rollups")
