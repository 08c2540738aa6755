"""Opening the database and bringing its schema up to date."""

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def open_database(url: str) -> Engine:
    """An engine for a SQLite file (WAL, foreign keys on) or a PostgreSQL URL."""
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **_JSON)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin_immediate)
        sa.event.listen(engine, "before_cursor_execute", _remember_statement)
        sa.event.listen(engine.pool, "reset", _close_statements)
        return engine
    return sa.create_engine(url, pool_pre_ping=True, **_JSON)


def _json_text(value: Any) -> str:
    # orjson writes a ledger payload in a fifth of the stdlib's time; the options keep what
    # json.dumps accepted (integer keys).
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


_JSON: dict[str, Any] = {"json_serializer": _json_text, "json_deserializer": orjson.loads}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 32 MiB of page cache per connection instead of 2: traces over millions of edges stop
    # re-reading index pages (measured: where-used of 10,000 units 101 -> 75 ms bare query).
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def _remember_statement(
    conn: sa.Connection, cursor: Any, _statement: Any, _parameters: Any, _context: Any, _many: Any
) -> None:
    statements: weakref.WeakSet[Any] | None = conn.info.get(_OPEN_STATEMENTS)
    if statements is None:
        statements = conn.info[_OPEN_STATEMENTS] = weakref.WeakSet()
    statements.add(cursor)


def _close_statements(_dbapi_connection: Any, record: Any, _reset_state: Any) -> None:
    # Issue #12 finding 4. A result left half-read keeps its statement open: a row raised
    # while being turned into a value, and the failed request's traceback keeps the result
    # alive in a reference cycle until the collector runs (rarely, see tune_collector).
    # COMMIT and ROLLBACK do not end an open statement, and an open statement is an open
    # read transaction: the pooled connection kept its old snapshot, the WAL could not be
    # checkpointed past it, and every write later given that connection failed at
    # BEGIN IMMEDIATE with "database is locked" (SQLITE_BUSY_SNAPSHOT, which the busy
    # timeout does not retry). So every statement ends when its connection goes back.
    statements: weakref.WeakSet[Any] | None = record.info.get(_OPEN_STATEMENTS)
    if statements:
        for cursor in list(statements):
            cursor.close()
        statements.clear()


_OPEN_STATEMENTS = "tracemes_open_statements"


def _sqlite_begin_immediate(conn: sa.Connection) -> None:
    # A writer takes the lock at BEGIN, so two writers queue (busy timeout) instead of one
    # failing when it upgrades a read lock mid-transaction. Readers (see reading()) don't.
    if conn.get_execution_options().get("read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def plan_each_statement(conn: sa.Connection) -> None:
    """Have PostgreSQL plan this transaction's statements for their own values.

    For batches: psycopg prepares a statement run five times, and PostgreSQL may then keep a
    generic plan chosen while a table was small; for `event_id IN (1,000 ids)` that plan
    tests every id against every row of the tenant's ledger, and the idempotency check of a
    batch grew from 3 ms to 1 s as the ledger grew from empty to 50,000 events. Everything
    else keeps PostgreSQL's choice, which settles on generic plans for the one-unit reads
    (planning the recursive trace query anew took 0.6 ms of its 0.8 ms).
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
        conn.info[_CUSTOM_PLANS] = conn.get_transaction()  # a rolled-back one leaves no mark


def plan_as_usual(conn: sa.Connection) -> None:
    """End plan_each_statement before a batch writes: every row written is checked by its
    foreign keys, whose lookups PostgreSQL keeps as cached plans, and under custom plans it
    planned each of them again, for every row (issue #12: 80 us a key, five keys a binding,
    ingest a third slower)."""
    transaction = conn.info.pop(_CUSTOM_PLANS, None)
    if transaction is not None and transaction is conn.get_transaction():
        conn.exec_driver_sql("SET LOCAL plan_cache_mode TO DEFAULT")


_CUSTOM_PLANS = "tracemes_custom_plans"


@contextmanager
def reading(engine: Engine) -> Iterator[sa.Connection]:
    """A connection for questions only: on SQLite it does not take the write lock."""
    with engine.connect() as conn:
        conn.execution_options(read_only=True)
        yield conn
        # Ended by COMMIT, not by the pool's ROLLBACK: psycopg forgets every prepared
        # statement on a rollback, so reads would never reuse one (nothing is written here).
        conn.commit()


@contextmanager
def snapshot(engine: Engine) -> Iterator[sa.Connection]:
    """A connection for questions whose several queries must see one moment (PostgreSQL
    REPEATABLE READ; on SQLite a read transaction already does)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        conn.execution_options(read_only=True)
        with conn.begin():
            yield conn


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration pointing at our migrations (and at `engine` when given)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade every table to the newest migration."""
    command.upgrade(alembic_config(engine), "head")
