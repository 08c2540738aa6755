"""Failed sign-in counters, shared by every server process through the database."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from tracemes.domain.sign_in import Failures
from tracemes.store.schema import sign_in_failures


def get(conn: Connection, key_hash: str) -> Failures | None:
    """The failures counted against one account or address (locked on PostgreSQL)."""
    query = sa.select(sign_in_failures.c.count, sign_in_failures.c.last_failed_at).where(
        sign_in_failures.c.key_hash == key_hash
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one_or_none()
    return Failures(count=row[0], last_failed_at=row[1]) if row else None


def set_failures(conn: Connection, key_hash: str, failures: Failures) -> None:
    """Store the counter of one account or address (insert or replace)."""
    values = {
        "key_hash": key_hash,
        "count": failures.count,
        "last_failed_at": failures.last_failed_at,
    }
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(
        sign_in_failures
    )
    conn.execute(
        insert.values(**values).on_conflict_do_update(
            index_elements=[sign_in_failures.c.key_hash],
            set_={"count": failures.count, "last_failed_at": failures.last_failed_at},
        )
    )


def delete_older(conn: Connection, before: datetime) -> None:
    """Delete the counters whose last failure is older than `before` (forgotten anyway), so
    a spray of made-up names leaves no lasting rows."""
    conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.last_failed_at < before))


def clear(conn: Connection, key_hash: str) -> None:
    """Forget the failures of an account once its user has signed in."""
    conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.key_hash == key_hash))
