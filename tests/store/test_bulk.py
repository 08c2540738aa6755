"""The driver-level bulk insert stores exactly what a SQLAlchemy insert stores."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes import store
from tracemes.domain.events import Event
from tracemes.services.context import Context
from tracemes.store.bulk import insert_rows
from tracemes.store.schema import events


def _stored(db: Engine, tenant_id: int, event_id: str) -> Event:
    with db.connect() as conn:
        found = store.ledger.get(conn, tenant_id, event_id)
    assert found is not None
    return found


@pytest.mark.any_payload
def test_bulk_rows_read_back_like_single_inserts(db: Engine, ctx: Context) -> None:
    """Times in another zone come back as the same instant in UTC; JSON payloads with
    non-ASCII text, nested lists and integer keys keep their content."""
    shanghai = timezone(timedelta(hours=8))
    at = datetime(2026, 11, 26, 16, 30, 5, 123456, tzinfo=shanghai)
    payload = {"reason": "电芯鼓包", "defects": ["D01", "D02"], "counts": {7: 2}}
    one = Event(ctx.tenant_id, "single", "part.bound", "EB1", at, at, None, "S1", payload)
    many = [
        Event(ctx.tenant_id, f"bulk-{n}", "part.bound", f"EB{n}", at, at, None, None, payload)
        for n in range(3)
    ]
    with db.begin() as conn:
        store.ledger.append(conn, one)
        store.ledger.append_many(conn, many)
    single = _stored(db, ctx.tenant_id, "single")
    for n in range(3):
        bulk = _stored(db, ctx.tenant_id, f"bulk-{n}")
        assert bulk.occurred_at == single.occurred_at == at
        assert bulk.occurred_at.tzinfo == UTC
        assert bulk.payload == single.payload == {**payload, "counts": {"7": 2}}
        assert bulk.station is None
        assert bulk.subject == f"EB{n}"


def test_a_refused_bulk_insert_stores_none_of_its_rows(db: Engine, ctx: Context) -> None:
    """A duplicate event id fails the whole statement inside its transaction."""
    at = datetime(2026, 11, 26, tzinfo=UTC)
    row: tuple[object, ...] = (ctx.tenant_id, "dup", "part.bound", "EB1", at, at, None, None, {})
    columns = tuple(c.name for c in events.columns if c.name not in ("id", "chain_hash"))
    rows = [(*row, 1), (ctx.tenant_id, "ok", *row[2:], 2), (*row, 3)]
    with pytest.raises(sa.exc.IntegrityError), db.begin() as conn:
        insert_rows(conn, events, (*columns, "chain_hash"), [(*r, "0" * 64) for r in rows])
    with db.connect() as conn:
        assert store.ledger.existing_ids(conn, ctx.tenant_id, ["dup", "ok"]) == set()
