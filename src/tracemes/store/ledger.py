"""The event ledger: append-only, idempotent by the client's event id."""

from dataclasses import asdict

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.events import Event
from tracemes.store.schema import events


def append(conn: Connection, event: Event) -> bool:
    """Append one event. Return False when this event_id is already in the ledger."""
    if get(conn, event.tenant_id, event.event_id) is not None:
        return False
    conn.execute(sa.insert(events).values(**asdict(event)))
    return True  # the unique (tenant_id, event_id) constraint still guards races


def get(conn: Connection, tenant_id: int, event_id: str) -> Event | None:
    """The event with this client id, if stored."""
    row = (
        conn.execute(
            sa.select(events).where(events.c.tenant_id == tenant_id, events.c.event_id == event_id)
        )
        .mappings()
        .one_or_none()
    )
    return _event(row) if row else None


def list_for(conn: Connection, tenant_id: int, subject: str) -> list[Event]:
    """Every event about one subject (a code or serial), oldest first."""
    rows = conn.execute(
        sa.select(events)
        .where(events.c.tenant_id == tenant_id, events.c.subject == subject)
        .order_by(events.c.id)
    ).mappings()
    return [_event(row) for row in rows]


def types_for(conn: Connection, tenant_id: int, subject: str) -> list[str]:
    """The event types recorded about one subject, oldest first."""
    return [event.type for event in list_for(conn, tenant_id, subject)]


def count(conn: Connection, tenant_id: int) -> int:
    """How many events a tenant has recorded."""
    return conn.execute(
        sa.select(sa.func.count()).select_from(events).where(events.c.tenant_id == tenant_id)
    ).scalar_one()


def _event(row: sa.RowMapping) -> Event:
    return Event(
        tenant_id=row["tenant_id"],
        event_id=row["event_id"],
        type=row["type"],
        subject=row["subject"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
        user_id=row["user_id"],
        station=row["station"],
        payload=row["payload"],
    )
