"""The event ledger: append-only, idempotent by the client's event id."""

import dataclasses
from collections.abc import Generator, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from tracemes.domain import chain
from tracemes.domain.events import Event
from tracemes.store.bulk import insert_rows
from tracemes.store.chunks import TENANT, VALUES, rows_in
from tracemes.store.schema import event_subjects, events, ledger_heads


def append(conn: Connection, event: Event) -> bool:
    """Append one event, chained to the tenant's last. False when its event_id is stored."""
    if get(conn, event.tenant_id, event.event_id) is not None:
        return False
    head = _locked_head(conn, event.tenant_id)
    [(position, sealed)], new_head = chain.seal(head, [event])
    conn.execute(
        sa.insert(events).values(**_row(event), chain_position=position, chain_hash=sealed)
    )
    _move_head(conn, event.tenant_id, new_head)
    return True  # the unique (tenant_id, event_id) constraint still guards races


_KNOWN_IDS = sa.select(events.c.event_id).where(
    events.c.tenant_id == TENANT, events.c.event_id.in_(VALUES)
)


def existing_ids(conn: Connection, tenant_id: int, event_ids: Iterable[str]) -> set[str]:
    """Which of these client event ids the ledger already holds."""
    return {row[0] for row in rows_in(conn, _KNOWN_IDS, tenant_id, event_ids)}


def append_many(conn: Connection, batch: Sequence[Event]) -> None:
    """Append events already checked to be new (one statement per tenant), chained in order."""
    by_tenant: dict[int, list[Event]] = {}
    for event in batch:
        by_tenant.setdefault(event.tenant_id, []).append(event)
    for tenant_id in sorted(by_tenant):  # one order for every writer: no lock cycles
        tenant_events = by_tenant[tenant_id]
        head = _locked_head(conn, tenant_id)
        links, new_head = chain.seal(head, tenant_events)
        insert_rows(
            conn,
            events,
            _CHAINED_COLUMNS,
            [(*_values(event), *link) for event, link in zip(tenant_events, links, strict=True)],
        )
        _move_head(conn, tenant_id, new_head)


# Built once: two statements in every transaction that writes events, where building and
# caching a statement cost more than running it.
_LOCKED_HEAD = (
    sa.select(ledger_heads.c.position, ledger_heads.c.hash)
    .where(ledger_heads.c.tenant_id == TENANT)
    .with_for_update()
)
_MOVE_HEAD = (
    sa.update(ledger_heads)
    .where(ledger_heads.c.tenant_id == sa.bindparam("b_tenant"))
    .values(position=sa.bindparam("b_position"), hash=sa.bindparam("b_hash"))
)


def _locked_head(conn: Connection, tenant_id: int) -> chain.Head:
    """The tenant's chain head, locked until the transaction ends (PostgreSQL: row lock;
    SQLite: the writer already holds the database since BEGIN IMMEDIATE)."""
    row = conn.execute(_LOCKED_HEAD, {"tenant_id": tenant_id}).first()
    if row is None:
        # The tenant's first event: make its head; a writer racing here waits on the key.
        values = {"tenant_id": tenant_id, "position": 0, "hash": chain.GENESIS}
        if conn.dialect.name == "postgresql":
            conn.execute(postgresql.insert(ledger_heads).values(values).on_conflict_do_nothing())
        else:
            conn.execute(sqlite.insert(ledger_heads).values(values).on_conflict_do_nothing())
        row = conn.execute(_LOCKED_HEAD, {"tenant_id": tenant_id}).one()
    return chain.Head(row.position, row.hash)


def lock_head(conn: Connection, tenant_id: int) -> None:
    """Hold the tenant's chain head until the transaction ends: no event is written
    meanwhile (a rebuild from the ledger sees it whole)."""
    _locked_head(conn, tenant_id)


def _move_head(conn: Connection, tenant_id: int, head: chain.Head) -> None:
    conn.execute(
        _MOVE_HEAD, {"b_tenant": tenant_id, "b_position": head.position, "b_hash": head.hash}
    )


def head(conn: Connection, tenant_id: int) -> chain.Head | None:
    """The tenant's recorded chain head, or None before its first chained event."""
    row = conn.execute(
        sa.select(ledger_heads.c.position, ledger_heads.c.hash).where(
            ledger_heads.c.tenant_id == tenant_id
        )
    ).first()
    return chain.Head(row.position, row.hash) if row else None


def link_at(conn: Connection, tenant_id: int, position: int) -> chain.Head | None:
    """The chain as it stood after the event at `position`, if there is one."""
    sealed = conn.execute(
        sa.select(events.c.chain_hash).where(
            events.c.tenant_id == tenant_id, events.c.chain_position == position
        )
    ).scalar_one_or_none()
    return chain.Head(position, sealed) if sealed is not None else None


def chain_links(conn: Connection, tenant_id: int) -> Generator[chain.StoredLink]:
    """The tenant's events in the order they were written, with their chain fields."""
    query = sa.select(events).where(events.c.tenant_id == tenant_id).order_by(events.c.id)
    with conn.execute(query, execution_options={"yield_per": 2000}) as rows:
        for row in rows.mappings():
            yield chain.StoredLink(row["id"], _event(row), row["chain_position"], row["chain_hash"])


def chain_positions(conn: Connection, tenant_id: int) -> set[int]:
    """Every chain position the tenant's events carry."""
    return set(
        conn.execute(
            sa.select(events.c.chain_position).where(events.c.tenant_id == tenant_id)
        ).scalars()
    )


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
_CHAINED_COLUMNS = (*_EVENT_COLUMNS, "chain_position", "chain_hash")


def _values(event: Event) -> tuple[object, ...]:
    return tuple(getattr(event, name) for name in _EVENT_COLUMNS)


def event_of(row: sa.RowMapping) -> Event:
    """A stored ledger line."""
    return _event(row)


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
