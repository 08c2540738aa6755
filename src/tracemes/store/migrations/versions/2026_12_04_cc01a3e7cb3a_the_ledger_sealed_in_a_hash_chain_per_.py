"""the ledger sealed in a hash chain per tenant

Each event carries its position in its tenant's chain and chain_hash = SHA-256(the previous
event's hash || the event's canonical bytes) (issue 12, item 9), so an edit, a deletion or a
reordering of ledger rows is found by `tracemes ledger verify`. ledger_heads keeps each
tenant's last link: writers lock it, so two writers cannot fork a chain, and it shows events
deleted from the end. Existing events are chained in event id order per tenant.

Revision ID: cc01a3e7cb3a
Revises: 5a1e7c93b2d0
Create Date: 2026-12-04 10:29:41
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tracemes.domain import chain
from tracemes.domain.events import Event

revision: str = "cc01a3e7cb3a"
down_revision: str | None = "5a1e7c93b2d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("tenant_id", sa.Integer),
    sa.column("event_id", sa.String),
    sa.column("type", sa.String),
    sa.column("subject", sa.String),
    sa.column("occurred_at", sa.DateTime(timezone=True)),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    sa.column("user_id", sa.Integer),
    sa.column("station", sa.String),
    sa.column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
    sa.column("chain_position", sa.BigInteger),
    sa.column("chain_hash", sa.String),
)
_heads = sa.table(
    "ledger_heads",
    sa.column("tenant_id", sa.Integer),
    sa.column("position", sa.BigInteger),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "ledger_heads",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_ledger_heads_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_ledger_heads")),
        comment="The last link of each tenant's ledger chain; a writer locks it, so the chain "
        "never forks.",
    )
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("chain_position", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
    _chain_existing_events(op.get_bind())
    with op.batch_alter_table("events") as batch_op:
        batch_op.alter_column("chain_position", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("chain_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_events_tenant_id_chain_position"), ["tenant_id", "chain_position"]
        )


def _chain_existing_events(conn: sa.Connection) -> None:
    tenants = conn.execute(sa.select(_events.c.tenant_id).distinct()).scalars().all()
    for tenant_id in sorted(tenants):
        head = chain.Head()
        updates: list[dict[str, Any]] = []
        rows = conn.execute(
            sa.select(_events).where(_events.c.tenant_id == tenant_id).order_by(_events.c.id)
        ).mappings()
        for row in rows.all():
            links, head = chain.seal(head, [_event(row)])
            [(position, sealed)] = links
            updates.append({"row_id": row["id"], "position": position, "sealed": sealed})
        if not updates:
            continue
        conn.execute(
            sa.update(_events)
            .where(_events.c.id == sa.bindparam("row_id"))
            .values(chain_position=sa.bindparam("position"), chain_hash=sa.bindparam("sealed")),
            updates,
        )
        conn.execute(
            sa.insert(_heads).values(tenant_id=tenant_id, position=head.position, hash=head.hash)
        )


def _event(row: sa.RowMapping) -> Event:
    return Event(
        tenant_id=row["tenant_id"],
        event_id=row["event_id"],
        type=row["type"],
        subject=row["subject"],
        occurred_at=_utc(row["occurred_at"]),
        recorded_at=_utc(row["recorded_at"]),
        user_id=row["user_id"],
        station=row["station"],
        payload=row["payload"],
    )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_events_tenant_id_chain_position"), type_="unique")
        batch_op.drop_column("chain_hash")
        batch_op.drop_column("chain_position")
    op.drop_table("ledger_heads")
