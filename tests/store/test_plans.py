"""The floor's lookups find their rows through their own keys, never by walking a tenant.

Issue #12: the tenant-carrying foreign keys added UNIQUE (tenant_id, id) to every referenced
table, and SQLite's planner took it to read a tenant's units in id order for
`tenant_id = ? AND serial IN (...) ORDER BY id` instead of finding the serials: ingest became
20 % slower, and slower again with every unit the tenant made. A plan is the same for ten
rows as for ten million, so it is checked here on a small plant; the cost lives in
bench/trace.py.
"""

import re
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.factories import make_plant, send, statements_run
from tracemes.domain.genealogy import BindPart, ComponentRef
from tracemes.domain.step_runs import CompleteStep, StartStep
from tracemes.services.context import Context

# A plan line that reads a whole tenant (or a whole table) of a table that grows with output.
_WALK = re.compile(
    r"^(SCAN (units|lots|bindings|step_runs|events|work_orders)\b"
    r"|SEARCH (units|lots|bindings|step_runs|events|work_orders) USING .*\(tenant_id=\?\)$)"
)


def _plans_of_recording(db: Engine, ctx: Context, *commands: Any) -> list[tuple[str, str]]:
    """(statement, plan line) of every read and update a batch of events runs."""
    with statements_run(db) as run:
        outcomes = send(db, ctx, *commands, station="L1-S1")
    assert [o.error for o in outcomes] == [None] * len(commands)
    seen = [(s, p) for s, p in run if s.lstrip().upper().startswith(("SELECT", "UPDATE"))]
    plans: list[tuple[str, str]] = []
    with db.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for statement, params in seen:
            for row in cursor.execute(f"EXPLAIN QUERY PLAN {statement}", params):
                plans.append((" ".join(statement.split())[:120], row[-1]))
    return plans


def test_recording_a_batch_never_walks_a_tenants_units_lots_or_orders(
    db: Engine, ctx: Context
) -> None:
    """Binding serials and lots and running steps: every lookup goes by serial, lot number,
    order code or id."""
    if db.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from the table statistics it keeps; this is SQLite's")
    plant = make_plant(db, ctx, bikes=3, packs=3)
    bike, pack = plant.bikes[0], plant.packs[0]
    plans = _plans_of_recording(
        db,
        ctx,
        StartStep(bike, "OP10"),
        BindPart(bike, ComponentRef(serial="F-1", item="FRAME")),
        CompleteStep(bike, "OP10", True),
        StartStep(bike, "OP20"),
        BindPart(bike, ComponentRef(serial="M-1", item="MOTOR")),
        BindPart(bike, ComponentRef(item="SCREW", lot="S-1")),
        StartStep(pack, "P10"),
        BindPart(pack, ComponentRef(item="CELL", lot="C-1")),
    )
    assert len(plans) > 10  # the batch's reads were all seen
    walks = [(statement, line) for statement, line in plans if _WALK.match(line)]
    assert walks == []
