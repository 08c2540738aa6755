"""step runs indexed for yields over a period

The quality report and the daily yields read every step that ended in a period and ask of
each whether it was its unit's first run at that operation (issue 6). A month of a busy
plant (500,000 steps) took 2 s, mostly in table lookups: the period's index now covers what
the yields count, and the unit index carries the operation, so both are answered from the
indexes. Each replaces the narrower index it extends (same leading columns).

Revision ID: 8f0154553d4f
Revises: ff4bb72fe8cb
Create Date: 2026-11-26 22:28:41
"""

from collections.abc import Sequence

from alembic import op

revision: str = "8f0154553d4f"
down_revision: str | None = "ff4bb72fe8cb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("step_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_runs_tenant_id_completed_at"))
        batch_op.drop_index(batch_op.f("ix_step_runs_tenant_id_unit_id"))
        batch_op.create_index(
            "ix_step_runs_period",
            ["tenant_id", "completed_at", "unit_id", "operation_code", "result"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_step_runs_tenant_id_unit_id_operation_code"),
            ["tenant_id", "unit_id", "operation_code"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("step_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_step_runs_tenant_id_unit_id_operation_code"))
        batch_op.drop_index("ix_step_runs_period")
        batch_op.create_index(
            batch_op.f("ix_step_runs_tenant_id_unit_id"), ["tenant_id", "unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_step_runs_tenant_id_completed_at"),
            ["tenant_id", "completed_at"],
            unique=False,
        )
