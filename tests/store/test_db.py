"""How transactions are set up: batch statements are planned for their own values."""

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes.store.db import plan_each_statement


def test_batches_plan_each_statement_only_inside_their_transaction(db: Engine) -> None:
    """On PostgreSQL the setting holds for the batch's transaction and ends with it; SQLite
    has no plan cache to set."""
    with db.begin() as conn:
        plan_each_statement(conn)
        inside = _plan_mode(conn)
    with db.connect() as conn:
        after = _plan_mode(conn)
    if db.dialect.name == "postgresql":
        assert inside == "force_custom_plan"
        assert after == "auto"
    else:
        assert inside is None
        assert after is None


def _plan_mode(conn: sa.Connection) -> str | None:
    if conn.dialect.name != "postgresql":
        return None
    value = conn.exec_driver_sql("SHOW plan_cache_mode").scalar()
    return str(value)
