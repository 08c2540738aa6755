"""Failed sign-in counters, shared by every server process through the database."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from tracemes.domain.sign_in import Failures
from tracemes.store.schema import sign_in_failures


def get(conn: Connection, key_hash: str) -> Failures | None:
    """The failures counted against one account or address."""
    row = conn.execute(
        sa.select(sign_in_failures.c.count, sign_in_failures.c.last_failed_at).where(
            sign_in_failures.c.key_hash == key_hash
        )
    ).one_or_none()
    return Failures(count=row[0], last_failed_at=row[1]) if row and row[0] else None


def _insert(conn: Connection) -> postgresql.Insert | sqlite.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(sign_in_failures)
    return sqlite.insert(sign_in_failures)


def lock(conn: Connection, key_hash: str, now: datetime) -> Failures | None:
    """The failures of one account or address, its row locked until the transaction ends, so
    concurrent tries from several server processes are counted one after the other.

    The row is made (with no failures) when missing: a lock needs a row to hold.
    """
    conn.execute(
        _insert(conn)
        .values(key_hash=key_hash, count=0, last_failed_at=now)
        .on_conflict_do_nothing(index_elements=[sign_in_failures.c.key_hash])
    )
    row = conn.execute(
        sa.select(sign_in_failures.c.count, sign_in_failures.c.last_failed_at)
        .where(sign_in_failures.c.key_hash == key_hash)
        .with_for_update()  # PostgreSQL; a SQLite writer holds the whole database already
    ).one()
    return Failures(count=row[0], last_failed_at=row[1]) if row[0] else None


def set_failures(conn: Connection, key_hash: str, failures: Failures) -> None:
    """Store the counter of one account or address (insert or replace)."""
    conn.execute(
        _insert(conn)
        .values(key_hash=key_hash, count=failures.count, last_failed_at=failures.last_failed_at)
        .on_conflict_do_update(
            index_elements=[sign_in_failures.c.key_hash],
            set_={"count": failures.count, "last_failed_at": failures.last_failed_at},
        )
    )


def delete_older(conn: Connection, before: datetime) -> None:
    """Delete the counters whose last failure is older than `before` (forgotten anyway), so
    a spray of made-up names leaves no lasting rows."""
    stale = (
        sa.select(sign_in_failures.c.id)
        .where(sign_in_failures.c.last_failed_at < before)
        .with_for_update(skip_locked=True)  # rows another try holds are left for later
    )
    conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.id.in_(stale)))


def clear(conn: Connection, key_hash: str) -> None:
    """Forget the failures of an account once its user has signed in."""
    conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.key_hash == key_hash))
