"""How transactions are set up: batch statements are planned for their own values."""

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes.store.db import plan_each_statement


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


def _plan_mode(conn: sa.Connection) -> str:
    return str(conn.exec_driver_sql("SHOW plan_cache_mode").scalar())
