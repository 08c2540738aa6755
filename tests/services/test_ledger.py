"""The ledger's hash chain on a real database: every write path chains, and a walk finds an
edit, a deletion or a reordering made behind the application's back with SQL."""

import threading
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.factories import build_bike, build_pack, make_plant
from tracemes import services, store
from tracemes.domain import chain
from tracemes.domain.events import Event
from tracemes.services.context import Context


def a_busy_ledger(db: Engine, ctx: Context) -> list[str]:
    """Master data (single appends) and floor events (batch appends); the event ids in order."""
    plant = make_plant(db, ctx, bikes=1, packs=1)
    build_pack(db, ctx, plant.packs[0])
    build_bike(db, ctx, plant.bikes[0], plant.packs[0], 1)
    with db.connect() as conn:
        return list(
            conn.execute(
                sa.select(store.schema.events.c.event_id)
                .where(store.schema.events.c.tenant_id == ctx.tenant_id)
                .order_by(store.schema.events.c.id)
            ).scalars()
        )


def broken_link(db: Engine, ctx: Context) -> chain.Break:
    verdict = services.ledger.verify(db, ctx.tenant_id)
    assert verdict.broken is not None, "the tampering went unnoticed"
    return verdict.broken


def test_an_untouched_ledger_verifies_on_every_write_path(db: Engine, ctx: Context) -> None:
    ids = a_busy_ledger(db, ctx)

    verdict = services.ledger.verify(db, ctx.tenant_id)

    assert verdict.is_intact
    assert verdict.checked == len(ids) > 20
    assert services.ledger.head(db, ctx.tenant_id) == verdict.head


def test_each_tenant_has_its_own_chain(db: Engine, ctx: Context, other_ctx: Context) -> None:
    a_busy_ledger(db, ctx)
    services.lines.create(db, other_ctx, "B1", "Blades")

    assert services.ledger.verify(db, ctx.tenant_id).is_intact
    other = services.ledger.verify(db, other_ctx.tenant_id)
    assert other.is_intact
    with db.connect() as conn:
        assert other.checked == store.ledger.count(conn, other_ctx.tenant_id) >= 1


@pytest.mark.any_payload
def test_a_payload_edited_with_sql_is_the_first_broken_link(db: Engine, ctx: Context) -> None:
    ids = a_busy_ledger(db, ctx)
    target = ids[len(ids) // 2]
    with db.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE events SET payload = '{{\"passed\": false}}' WHERE event_id = '{target}'"
        )

    broken = broken_link(db, ctx)

    assert broken.damage == chain.Damage.EDITED
    assert broken.event_id == target
    assert f"event {target}" in broken.message


def test_a_time_moved_with_sql_is_found(db: Engine, ctx: Context) -> None:
    ids = a_busy_ledger(db, ctx)
    events = store.schema.events
    with db.begin() as conn:
        conn.execute(
            sa.update(events)
            .where(events.c.event_id == ids[3])
            .values(occurred_at=ctx.now - timedelta(days=1))
        )

    assert broken_link(db, ctx).event_id == ids[3]


def test_a_deleted_event_is_named_by_the_one_after_the_gap(db: Engine, ctx: Context) -> None:
    ids = a_busy_ledger(db, ctx)
    with db.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM events WHERE event_id = '{ids[5]}'")

    broken = broken_link(db, ctx)

    assert broken.damage == chain.Damage.DELETED
    assert broken.event_id == ids[6]
    assert "position 6 is missing" in broken.message


def test_the_last_event_deleted_is_found_by_the_chain_head(db: Engine, ctx: Context) -> None:
    ids = a_busy_ledger(db, ctx)
    with db.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM events WHERE event_id = '{ids[-1]}'")

    broken = broken_link(db, ctx)

    assert broken.damage == chain.Damage.DELETED
    assert "the last 1 event(s) were deleted" in broken.message


def test_two_events_swapped_in_order_are_named(db: Engine, ctx: Context) -> None:
    ids = a_busy_ledger(db, ctx)
    with db.begin() as conn:
        first, second = conn.exec_driver_sql(
            f"SELECT id FROM events WHERE event_id IN ('{ids[4]}', '{ids[5]}') ORDER BY id"
        ).scalars()
        conn.exec_driver_sql(f"UPDATE events SET id = -1 WHERE id = {first}")
        conn.exec_driver_sql(f"UPDATE events SET id = {first} WHERE id = {second}")
        conn.exec_driver_sql(f"UPDATE events SET id = {second} WHERE id = -1")

    broken = broken_link(db, ctx)

    assert broken.damage == chain.Damage.REORDERED
    assert broken.event_id == ids[5]


def test_an_event_inserted_with_sql_is_found(db: Engine, ctx: Context) -> None:
    ids = a_busy_ledger(db, ctx)
    events = store.schema.events
    with db.begin() as conn:
        original = conn.execute(sa.select(events).where(events.c.event_id == ids[2])).mappings()
        forged = {**original.one(), "event_id": "forged", "chain_position": len(ids) + 1}
        del forged["id"]
        conn.execute(sa.insert(events).values(**forged))

    broken = broken_link(db, ctx)

    assert broken.event_id == "forged"
    assert "does not match its hash" in broken.message


def test_two_writers_of_one_tenant_do_not_fork_the_chain(db: Engine, ctx: Context) -> None:
    """Writers on two connections append at once (single events and batches); every append
    lands and the chain holds. On PostgreSQL the chain head's row lock queues them."""
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(25):
                one = an_event(ctx, f"w{writer}-{n}")
                batch = [an_event(ctx, f"w{writer}-{n}-{k}") for k in range(3)]
                with db.begin() as conn:
                    store.ledger.append(conn, one)
                    store.ledger.append_many(conn, batch)
        except BaseException as error:  # handed to the test's thread
            failures.append(error)

    writers = [threading.Thread(target=write, args=(w,)) for w in range(2)]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()

    assert failures == []
    verdict = services.ledger.verify(db, ctx.tenant_id)
    assert verdict.is_intact
    with db.connect() as conn:
        assert verdict.checked == store.ledger.count(conn, ctx.tenant_id) == 1 + 2 * 25 * 4


def an_event(ctx: Context, event_id: str) -> Event:
    return Event(ctx.tenant_id, event_id, "line.created", uuid.uuid4().hex, ctx.now, ctx.now)


@pytest.mark.any_payload
def test_payloads_of_every_shape_verify_after_the_database_reads_them_back(
    db: Engine, ctx: Context
) -> None:
    """What jsonb and SQLite's text hand back differs (1e16 as an integer, -0.0 as 0, integer
    keys as text, tuples as lists, datetimes as text); the hash must not."""
    shapes: list[dict[Any, Any]] = [
        {"whole": 1e16, "huge": 1e30, "tiny": 1.5e-7, "zero": -0.0, "two": 2.0, "max": 2**63},
        {7: "integer key", "nested": {"b": [1, (2, 3.25)], "a": None}, "yes": True},
        {"at": ctx.now, "text": '电池 \u2028 "quoted" \\ tab\t', "status": chain.Damage.EDITED},
    ]
    with db.begin() as conn:
        for n, payload in enumerate(shapes):
            store.ledger.append(conn, replace(an_event(ctx, f"shape-{n}"), payload=payload))
        store.ledger.append_many(
            conn, [replace(an_event(ctx, f"bulk-{n}"), payload=p) for n, p in enumerate(shapes)]
        )

    verdict = services.ledger.verify(db, ctx.tenant_id)

    assert verdict.is_intact, verdict.broken
    assert verdict.checked == 1 + 2 * len(shapes)
