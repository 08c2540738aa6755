"""The event ledger: append-only, idempotent by the client's event id."""

import dataclasses
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy import Connection

from tracemes.domain.events import Event
from tracemes.store.bulk import insert_rows
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import event_subjects, events


def append(conn: Connection, event: Event) -> bool:
    """Append one event. Return False when this event_id is already in the ledger."""
    if get(conn, event.tenant_id, event.event_id) is not None:
        return False
    conn.execute(sa.insert(events).values(**_row(event)))
    return True  # the unique (tenant_id, event_id) constraint still guards races


_KNOWN_IDS = sa.select(events.c.event_id).where(
    events.c.tenant_id == TENANT, events.c.event_id.in_(VALUES)
)


def existing_ids(conn: Connection, tenant_id: int, event_ids: Iterable[str]) -> set[str]:
    """Which of these client event ids the ledger already holds."""
    return {row[0] for row in rows_in(conn, _KNOWN_IDS, tenant_id, event_ids)}


def append_many(conn: Connection, batch: Sequence[Event]) -> None:
    """Append events already checked to be new (one statement for the batch)."""
    insert_rows(conn, events, _EVENT_COLUMNS, [_values(event) for event in batch])


def add_subjects(conn: Connection, tenant_id: int, pairs: Sequence[tuple[str, str]]) -> None:
    """Record that events (by client id) are also about these subjects, for histories."""
    insert_rows(
        conn,
        event_subjects,
        ("tenant_id", "event_id", "subject"),
        [(tenant_id, event_id, subject) for event_id, subject in pairs],
    )


def history(conn: Connection, tenant_id: int, subjects: Sequence[str]) -> list[Event]:
    """Every event about any of these subjects, in the order they happened."""
    also = sa.select(event_subjects.c.event_id).where(
        event_subjects.c.tenant_id == tenant_id, event_subjects.c.subject.in_(subjects)
    )
    rows = conn.execute(
        sa.select(events)
        .where(
            events.c.tenant_id == tenant_id,
            sa.or_(events.c.subject.in_(subjects), events.c.event_id.in_(also)),
        )
        .order_by(events.c.occurred_at, events.c.id)
    ).mappings()
    return [_event(row) for row in rows]


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


def _row(event: Event) -> dict[str, object]:
    # Field by field: dataclasses.asdict would deep-copy every payload on the hot path.
    return {name: getattr(event, name) for name in Event.__slots__}


_EVENT_COLUMNS = tuple(field.name for field in dataclasses.fields(Event))


def _values(event: Event) -> tuple[object, ...]:
    return tuple(getattr(event, name) for name in _EVENT_COLUMNS)


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
