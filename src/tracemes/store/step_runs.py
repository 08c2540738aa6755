"""Step runs as the event path reads and writes them, a batch at a time."""

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.floor import StepRunState
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import step_runs

_OPEN = sa.select(
    step_runs.c.id,
    step_runs.c.unit_id,
    step_runs.c.operation_code,
    step_runs.c.station_id,
    step_runs.c.operator_id,
    step_runs.c.started_at,
).where(
    step_runs.c.tenant_id == TENANT,
    step_runs.c.unit_id.in_(VALUES),
    step_runs.c.completed_at.is_(None),
)


def open_runs(conn: Connection, tenant_id: int, unit_ids: Iterable[int]) -> list[Any]:
    """Started, not completed step runs of these units: (id, unit id, operation, ...)."""
    return list(rows_in(conn, _OPEN, tenant_id, unit_ids))


def add_runs(conn: Connection, tenant_id: int, new: Sequence[StepRunState]) -> None:
    """Store new step runs (closed ones with their result)."""
    if not new:
        return
    conn.execute(sa.insert(step_runs), [_run_values(tenant_id, run) for run in new])


def close_runs(conn: Connection, tenant_id: int, closed: Sequence[StepRunState]) -> None:
    """Write the end, result, measurements and defects of stored step runs."""
    if not closed:
        return
    conn.execute(
        sa.update(step_runs)
        .where(step_runs.c.tenant_id == tenant_id, step_runs.c.id == sa.bindparam("b_id"))
        .values(
            completed_at=sa.bindparam("b_completed_at"),
            result=sa.bindparam("b_result"),
            measurements=sa.bindparam("b_measurements", type_=step_runs.c.measurements.type),
            defects=sa.bindparam("b_defects", type_=step_runs.c.defects.type),
        ),
        [
            {
                "b_id": run.id,
                "b_completed_at": run.completed_at,
                "b_result": run.result,
                "b_measurements": run.measurements,
                "b_defects": list(run.defects),
            }
            for run in closed
        ],
    )


def _run_values(tenant_id: int, run: StepRunState) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "unit_id": run.unit.id,
        "operation_code": run.operation,
        "station_id": run.station_id,
        "operator_id": run.operator_id,
        "started_at": run.started_at,
        "completed_at": run.completed_at,
        "result": run.result,
        "measurements": run.measurements,
        "defects": list(run.defects),
    }
