"""How transactions are set up: batch statements are planned for their own values."""

import threading
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.conftest import NOW
from tests.factories import make_plant, send, statements_run
from tracemes import services
from tracemes.domain.step_runs import StartStep
from tracemes.services.context import Context
from tracemes.store import schema
from tracemes.store.db import open_database, plan_as_usual, plan_each_statement, reading


def test_batches_plan_each_statement_only_inside_their_transaction(db: Engine) -> None:
    """On PostgreSQL the setting holds for the batch's transaction and ends with it."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite keeps no plans between statements: nothing to set")
    with db.begin() as conn:
        plan_each_statement(conn)
        inside = _plan_mode(conn)
    with db.connect() as conn:
        after = _plan_mode(conn)
    assert inside == "force_custom_plan"
    assert after == "auto"


def test_a_batch_writes_under_postgresqls_usual_plans(db: Engine) -> None:
    """Issue #12: under custom plans every foreign key lookup of every row written was planned
    again (five keys a binding: batch ingest a third slower); the reads keep custom plans."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite keeps no plans between statements: nothing to set")
    with db.begin() as conn:
        plan_as_usual(conn)  # nothing set: nothing to undo, no statement
        plan_each_statement(conn)
        reading_mode = _plan_mode(conn)
        plan_as_usual(conn)
        writing_mode = _plan_mode(conn)
    assert (reading_mode, writing_mode) == ("force_custom_plan", "auto")


def test_a_long_batch_reads_under_custom_plans_and_writes_under_the_usual_ones(
    db: Engine, ctx: Context
) -> None:
    """The wiring in the floor engine: the setting goes up before the batch's reads and down
    before its first write, in that order, once."""
    if db.dialect.name != "postgresql":
        pytest.skip("SQLite keeps no plans between statements: nothing to set")
    plant = make_plant(db, ctx, bikes=60, packs=1)
    events = [StartStep(bike, "OP10") for bike in plant.bikes]
    with statements_run(db) as run:
        outcomes = send(db, ctx, *events)
    assert all(o.error is None for o in outcomes)
    sql = [" ".join(statement.split()) for statement, _ in run]
    custom = sql.index("SET LOCAL plan_cache_mode = force_custom_plan")
    usual = sql.index("SET LOCAL plan_cache_mode TO DEFAULT")
    assert custom < usual
    assert any(s.startswith("SELECT") and "FOR UPDATE" in s for s in sql[custom:usual])
    floor_reads = [s for s in sql[usual:] if "FOR UPDATE" in s and "ledger_heads" not in s]
    assert floor_reads == []  # the floor was read before; the ledger head is locked to write
    assert any(s.startswith(("INSERT", "UPDATE")) for s in sql[usual:])  # the writes after


def _plan_mode(conn: sa.Connection) -> str:
    return str(conn.exec_driver_sql("SHOW plan_cache_mode").scalar())


class _PoisonedRowError(Exception):
    """What reading a row that cannot be turned into a value raised (a quantity of 1e30)."""


def _read_until_the_second_tenant(db: Engine) -> None:
    """A read that raises midway through its rows, as a row that cannot be read makes it."""
    with reading(db) as conn:
        rows = conn.execute(sa.select(schema.tenants).order_by(schema.tenants.c.id)).mappings()
        for row in rows:
            if row["code"] == "T2":
                raise _PoisonedRowError(row["code"])


def _add_tenant(db: Engine, code: str) -> None:
    services.tenants.create(db, NOW, code, f"Tenant {code}")


def test_a_read_that_fails_midway_leaves_no_statement_or_transaction_open(db: Engine) -> None:
    """Issue #12 finding 4: after reads that raised, SQLite refused writes ("database is
    locked") until the server restarted.

    The server keeps a failed request's traceback, and with it the half-read result, alive
    in a reference cycle until the garbage collector runs (rarely: `tune_collector`); the
    test keeps it in a list. While the result lived, its statement stayed open on the pooled
    connection and pinned an old snapshot; once another connection wrote, every write given
    that connection failed at BEGIN IMMEDIATE (SQLITE_BUSY_SNAPSHOT, which the busy timeout
    does not retry), and the WAL could not be checkpointed past the snapshot.
    """
    for code in ("T1", "T2", "T3"):
        _add_tenant(db, code)
    failures: list[Exception] = []
    for _ in range(3):
        try:
            _read_until_the_second_tenant(db)
        except _PoisonedRowError as error:
            failures.append(error)
    assert len(failures) == 3
    pool = db.pool
    assert isinstance(pool, sa.pool.QueuePool)
    assert pool.checkedout() == 0

    other = open_database(db.url.render_as_string(hide_password=False))
    try:
        writer = threading.Thread(target=_add_tenant, args=(other, "OTHER"))
        writer.start()
        writer.join()
        _assert_no_reader_pins_an_old_snapshot(other)
    finally:
        other.dispose()
    _assert_no_reader_pins_an_old_snapshot(db)
    after = [f"AFTER{n}" for n in range(pool.size())]
    for code in after:
        _add_tenant(db, code)

    with reading(db) as conn:
        codes = conn.execute(sa.select(schema.tenants.c.code)).scalars().all()
    assert set(codes) == {"T1", "T2", "T3", "OTHER", *after}
    assert failures  # kept alive to the end, as the server's cycles keep them


def _assert_no_reader_pins_an_old_snapshot(db: Engine) -> None:
    raw = db.raw_connection()
    try:
        driver: Any = raw.driver_connection
        if db.dialect.name == "sqlite":
            # A passive checkpoint copies every frame of the WAL back into the database
            # unless some connection still reads a snapshot older than the last write.
            busy, frames, copied = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            assert (busy, copied) == (0, frames)
        else:
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    finally:
        raw.close()
