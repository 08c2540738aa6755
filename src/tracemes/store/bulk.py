"""Many rows into one table through the driver, for the hottest inserts.

SQLAlchemy's executemany builds a parameter dictionary per row and walks it through the
compiled statement's bookkeeping (about 5 us a row); for the three inserts of every floor
event (binding, ledger line, ledger subject) that was a third of ingest time. Here the
statement is prepared once per table and columns, and each value still passes through its
column type's bind processor, so what is stored is exactly what `sa.insert` would store.
SQLite gets the driver's executemany; PostgreSQL gets COPY for a batch of rows, which is
one statement for the whole batch instead of one planned INSERT per row (5x faster for 10,000
rows), and a plain INSERT for a few (a scan's one binding), where COPY saves nothing and
would hide the statement from SQLAlchemy's events, which count round trips in tests.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import Dialect

Processor = Callable[[Any], Any]
_PREPARED: dict[tuple[str, str, tuple[str, ...]], tuple[str, list[tuple[int, Processor]]]] = {}
COPY_FROM = 16  # rows: below this PostgreSQL gets INSERTs


def insert_rows(
    conn: Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows given as value sequences in the order of `columns`."""
    if not rows:
        return
    key = (conn.dialect.name, table.name, columns)
    prepared = _PREPARED.get(key)
    if prepared is None:
        prepared = _PREPARED[key] = _prepare(conn.dialect, table, columns)
    sql, processors = prepared
    if processors:
        rows = [_processed(row, processors) for row in rows]
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        _copy(conn, table, columns, rows)
    else:
        conn.exec_driver_sql(sql, list(rows))


def _copy(
    conn: Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """COPY the rows in, inside the connection's transaction; driver errors come out as
    SQLAlchemy's (an IntegrityError stays one), as from any other statement."""
    preparer = conn.dialect.identifier_preparer
    sql = (
        f"COPY {preparer.format_table(table)} "
        f"({', '.join(preparer.quote(name) for name in columns)}) FROM STDIN"
    )
    driver = conn.connection.driver_connection
    assert driver is not None
    dbapi = conn.dialect.loaded_dbapi
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(sql, None, error, dbapi.Error) from error


def _prepare(
    dialect: Dialect, table: sa.Table, columns: tuple[str, ...]
) -> tuple[str, list[tuple[int, Processor]]]:
    """The INSERT statement in the driver's parameter style, and each column's processor."""
    if dialect.paramstyle == "qmark":
        marker = "?"
    elif dialect.paramstyle in ("format", "pyformat"):
        marker = "%s"
    else:  # pragma: no cover - SQLite and psycopg are the two drivers we ship
        raise NotImplementedError(f"parameter style {dialect.paramstyle}")
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join(marker for _ in columns)})"
    )
    processors: list[tuple[int, Processor]] = []
    for index, name in enumerate(columns):
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors.append((index, process))
    return sql, processors


def _processed(row: Sequence[Any], processors: list[tuple[int, Processor]]) -> tuple[Any, ...]:
    values = list(row)
    for index, process in processors:
        values[index] = process(values[index])
    return tuple(values)
