"""Rollups: hourly counts added as the floor works, the facts their deltas need, and the
grouped reads of the boards. Lot quantities are stored in whole millionths (schema.py)."""

from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from tracemes.domain.events import Event
from tracemes.domain.rollups import COUNTERS, NONE, Counts, Key, UnitFacts
from tracemes.store.chunks import chunks
from tracemes.store.ledger import event_of
from tracemes.store.schema import (
    batch_lots,
    events,
    items,
    lines,
    lots,
    operations,
    rollups,
    step_runs,
    tenants,
    units,
    work_orders,
)

MILLION = Decimal(1_000_000)
KEY = ("hour_starts_at", "line", "station", "item", "operation", "defect")
# counter -> column: lot quantities are whole millionths
COLUMNS = {name: f"{name}_millionths" if name.startswith("lot_") else name for name in COUNTERS}
DECIMALS = frozenset(name for name in COUNTERS if name.startswith("lot_"))
UPSERT_ROWS = 1000  # keys per statement; a batch of events rarely touches more


def _stored(name: str, value: int | Decimal) -> int:
    return int(value * MILLION) if name in DECIMALS else int(value)


def _read(name: str, value: int) -> Any:  # the counter's own type: int, or Decimal for lots
    return Decimal(value) / MILLION if name in DECIMALS else int(value)


def add(conn: Connection, tenant_id: int, deltas: Mapping[Key, Counts]) -> None:
    """Add counts to their rows, making the rows that are missing: one statement (a
    thousand keys at a time), the same on SQLite and PostgreSQL."""
    if not deltas:
        return
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(rollups)
    upsert = insert.on_conflict_do_update(
        index_elements=[rollups.c.tenant_id, *(rollups.c[name] for name in KEY)],
        set_={column: rollups.c[column] + insert.excluded[column] for column in COLUMNS.values()},
    )
    rows = [
        {
            "tenant_id": tenant_id,
            "hour_starts_at": key.hour,
            "line": key.line,
            "station": key.station,
            "item": key.item,
            "operation": key.operation,
            "defect": key.defect,
            **{COLUMNS[name]: _stored(name, getattr(counts, name)) for name in COUNTERS},
        }
        for key, counts in sorted(deltas.items())  # one order for every writer: no deadlocks
    ]
    for start in range(0, len(rows), UPSERT_ROWS):
        conn.execute(upsert, rows[start : start + UPSERT_ROWS])


def delete_all(conn: Connection, tenant_id: int) -> None:
    """Forget a tenant's rollups (before rebuilding them)."""
    conn.execute(sa.delete(rollups).where(rollups.c.tenant_id == tenant_id))


def all_rows(conn: Connection, tenant_id: int) -> dict[Key, Counts]:
    """Every rollup row of a tenant, as counts by key."""
    query = sa.select(*(rollups.c[name] for name in KEY), *_counter_columns()).where(
        rollups.c.tenant_id == tenant_id
    )
    return {Key(*row[: len(KEY)]): _counts(row[len(KEY) :]) for row in conn.execute(query)}


def _counter_columns() -> list[sa.ColumnElement[Any]]:
    return [rollups.c[COLUMNS[name]] for name in COUNTERS]


def _sums() -> list[sa.ColumnElement[Any]]:
    return [sa.func.coalesce(sa.func.sum(rollups.c[COLUMNS[n]]), 0) for n in COUNTERS]


def _counts(values: Any) -> Counts:
    return Counts(*(_read(name, value) for name, value in zip(COUNTERS, values, strict=True)))


def line_hours(
    conn: Connection, tenant_id: int, line_code: str, start: datetime, end: datetime
) -> list[tuple[datetime, str, Counts]]:
    """(plant hour, operation, counts) of one line's hours in [start, end), without the
    defect rows."""
    query = (
        sa.select(rollups.c.hour_starts_at, rollups.c.operation, *_sums())
        .where(
            rollups.c.tenant_id == tenant_id,
            rollups.c.hour_starts_at >= start,
            rollups.c.hour_starts_at < end,
            rollups.c.line == line_code,
            rollups.c.defect == NONE,
        )
        .group_by(rollups.c.hour_starts_at, rollups.c.operation)
    )
    return [(hour, operation, _counts(rest)) for hour, operation, *rest in conn.execute(query)]


def by_item_operation(
    conn: Connection, tenant_id: int, start: datetime, end: datetime
) -> list[tuple[str, str, str, Counts]]:
    """(item, operation, defect code or "", counts) over [start, end)."""
    query = (
        sa.select(rollups.c.item, rollups.c.operation, rollups.c.defect, *_sums())
        .where(
            rollups.c.tenant_id == tenant_id,
            rollups.c.hour_starts_at >= start,
            rollups.c.hour_starts_at < end,
        )
        .group_by(rollups.c.item, rollups.c.operation, rollups.c.defect)
    )
    return [(item, op, defect, _counts(rest)) for item, op, defect, *rest in conn.execute(query)]


def by_hour(
    conn: Connection, tenant_id: int, start: datetime, end: datetime, item_code: str | None = None
) -> list[tuple[datetime, Counts]]:
    """(plant hour, counts) over [start, end), of one item when given, without the defect
    rows."""
    query = (
        sa.select(rollups.c.hour_starts_at, *_sums())
        .where(
            rollups.c.tenant_id == tenant_id,
            rollups.c.hour_starts_at >= start,
            rollups.c.hour_starts_at < end,
            rollups.c.defect == NONE,
        )
        .group_by(rollups.c.hour_starts_at)
    )
    if item_code is not None:
        query = query.where(rollups.c.item == item_code)
    return [(hour, _counts(rest)) for hour, *rest in conn.execute(query)]


# -- the facts a delta needs ------------------------------------------------------------


def _last_operation() -> sa.ScalarSelect[Any]:
    return (
        sa.select(operations.c.code)
        .where(operations.c.routing_id == work_orders.c.routing_id)
        .order_by(operations.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def unit_facts(
    conn: Connection, tenant_id: int, serials: Collection[str] | None
) -> tuple[str, dict[str, UnitFacts], Counter[tuple[str, str]]]:
    """The tenant's time zone; what the counts of these units' events need (of every unit
    when `serials` is None), a unit made here winning over a bought-in part with the same
    serial; and the steps each has ended by operation. One query."""
    ended_runs = sa.func.count(step_runs.c.completed_at)
    scrapped = sa.func.max(sa.case((step_runs.c.result == "scrapped", 1), else_=0))
    query = (
        sa.select(
            tenants.c.timezone,
            units.c.serial,
            units.c.work_order_id,
            items.c.code,
            lines.c.code,
            _last_operation(),
            units.c.current_operation,
            step_runs.c.operation_code,
            ended_runs,
            scrapped,
        )
        .select_from(
            units.join(tenants, tenants.c.id == units.c.tenant_id)
            .join(items, items.c.id == units.c.item_id)
            .outerjoin(work_orders, work_orders.c.id == units.c.work_order_id)
            .outerjoin(lines, lines.c.id == work_orders.c.line_id)
            .outerjoin(
                step_runs,
                sa.and_(step_runs.c.unit_id == units.c.id, step_runs.c.tenant_id == tenant_id),
            )
        )
        .where(units.c.tenant_id == tenant_id)
        .group_by(
            tenants.c.timezone,
            units.c.id,
            units.c.serial,
            units.c.work_order_id,
            items.c.code,
            lines.c.code,
            work_orders.c.routing_id,
            units.c.current_operation,
            step_runs.c.operation_code,
        )
    )
    rows: list[Any] = []
    if serials is None:
        rows = list(conn.execute(query))
    else:
        for chunk in chunks(serials):
            rows += conn.execute(query.where(units.c.serial.in_(chunk)))
    timezone = rows[0][0] if rows else _timezone(conn, tenant_id)
    facts: dict[tuple[str, bool], UnitFacts] = {}
    ended: dict[tuple[str, bool], Counter[str]] = {}
    for _, serial, order, item, line, last, current, operation, n, cut in rows:
        made = order is not None
        known = facts.get((serial, made)) or UnitFacts(item, line or NONE, last, None, current)
        if cut:
            known = UnitFacts(item, line or NONE, last, operation, current)
        facts[(serial, made)] = known
        if operation is not None and n:
            ended.setdefault((serial, made), Counter())[operation] += n
    chosen: dict[str, UnitFacts] = {}
    steps: Counter[tuple[str, str]] = Counter()
    for (serial, made), known in sorted(facts.items(), key=lambda kv: kv[0][1]):
        chosen[serial] = known  # made here last, so it wins
        for operation, n in ended.get((serial, made), Counter()).items():
            steps[(serial, operation)] = n
    return timezone, chosen, steps


def lot_lines(
    conn: Connection, tenant_id: int, keys: Collection[tuple[str, str]] | None
) -> tuple[str, dict[tuple[str, str], str]]:
    """The tenant's time zone, and the line of each production lot (item, lot) named (of
    every one when `keys` is None): its work order's. One query."""
    query = (
        sa.select(tenants.c.timezone, items.c.code, lots.c.lot, lines.c.code)
        .select_from(
            batch_lots.join(tenants, tenants.c.id == batch_lots.c.tenant_id)
            .join(lots, lots.c.id == batch_lots.c.lot_id)
            .join(items, items.c.id == lots.c.item_id)
            .join(work_orders, work_orders.c.id == batch_lots.c.work_order_id)
            .join(lines, lines.c.id == work_orders.c.line_id)
        )
        .where(batch_lots.c.tenant_id == tenant_id)
    )
    if keys is not None:
        query = query.where(lots.c.lot.in_({lot for _, lot in keys}))
    rows = list(conn.execute(query))
    timezone = rows[0][0] if rows else _timezone(conn, tenant_id)
    return timezone, {(item, lot): line for _, item, lot, line in rows}


def _timezone(conn: Connection, tenant_id: int) -> str:
    return str(
        conn.execute(sa.select(tenants.c.timezone).where(tenants.c.id == tenant_id)).scalar_one()
    )


def ledger_lines(conn: Connection, tenant_id: int, types: Collection[str]) -> Iterator[list[Event]]:
    """The tenant's ledger lines of these types in the order they were written, a few
    thousand at a time."""
    query = (
        sa.select(events)
        .where(events.c.tenant_id == tenant_id, events.c.type.in_(sorted(types)))
        .order_by(events.c.id)
    )
    with conn.execute(query, execution_options={"yield_per": 2000}) as rows:
        for part in rows.mappings().partitions():
            yield [event_of(row) for row in part]
