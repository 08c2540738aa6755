"""What one ingested event costs inside the process, to compare two commits on a noisy machine.

    .venv/bin/python bench/ingest_cost.py                          # SQLite, ~40 s
    .venv/bin/python bench/ingest_cost.py --database postgres --by-statement
    .venv/bin/python bench/ingest_cost.py --without-chain          # the ledger chain's share
    .venv/bin/python bench/ingest_cost.py --smoke                  # seconds (CI)

A wall-clock figure of one bench/trace.py run moves by 10-20 % from noise alone. This times
`services.shop_floor.record` itself: `part.bound` events on the trace benchmark's plant (master
data and new work through the services, bench/trace.py), after a warm-up, in batches of
1,000 and of 10,000 and one event per transaction. On SQLite it counts the process's CPU
time (SQLite runs in the process; pin it with `taskset -c 1` for steadier figures); on
PostgreSQL, whose work happens in its own server, wall time. Each figure is the median over
the batches, in ms per 1,000 events (batches) or ms per event (single).

To compare two commits, run it in a checkout of each in turn (A B A B ...) and take the
median of the pair ratios, as docs/performance.md does.

--without-chain stubs out the ledger's hash chain (sealing and its two head statements), to
tell the chain's cost from the rest of the write path; what it stores is not a valid chain.
--by-statement also times every statement of the 1,000-event batches (COPY on PostgreSQL
included) and prints the slowest.
"""

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time
import trace as plant_builder
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.app import tune_collector
from tracemes.domain import chain
from tracemes.services.context import Context
from tracemes.services.shop_floor import FloorEvent
from tracemes.store import bulk, ledger
from tracemes.store.db import migrate

SIZES: tuple[int, ...] = (1_000, 10_000)
SINGLES = 300
SMOKE_EVENTS = 200


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=20_000, help="events per batch size")
    parser.add_argument("--without-chain", action="store_true", help="stub the ledger chain")
    parser.add_argument("--by-statement", action="store_true", help="time every statement")
    parser.add_argument("--smoke", action="store_true", help="a few events; exits 1 on error")
    args = parser.parse_args(argv)
    events, sizes, singles = args.events, SIZES, SINGLES
    if args.smoke:
        events, sizes, singles = SMOKE_EVENTS, (100,), 10
    url = os.environ.get("TRACEMES_BENCH_POSTGRES_URL", plant_builder.DEFAULT_POSTGRES_URL)
    if args.database == "sqlite":
        target = plant_builder.sqlite_target(Path(tempfile.mkdtemp()), keep=False)
        clock = time.process_time
    else:
        target = plant_builder.postgres_target(url, keep=False)
        clock = time.perf_counter
    db = target.open()
    try:
        with _chain_stubbed(args.without_chain):
            plant_builder.log(f"{args.database}: migrating and building the plant")
            migrate(db)
            plant = _Plant(db)
            figures = _measure(db, plant, args.database, clock, events, sizes, singles)
            slowest = _by_statement(db, plant, min(events, 5_000)) if args.by_statement else []
    finally:
        db.dispose()
        target.cleanup()
    figures["without_chain"] = args.without_chain
    print(json.dumps(figures))
    for elapsed, count, statement in slowest:
        print(f"{elapsed:9.1f} ms per 1,000 events  x{count:<5.1f} {statement}")
    return 0


class _Plant:
    """The trace benchmark's plant through the services, its new lots booked in, warmed up."""

    def __init__(self, db: Engine) -> None:
        self.plant = plant_builder.make_master_data(db)
        for item, lot in plant_builder.NEW_LOTS:
            plant_builder.receive_lot(db, self.plant, item, lot, 100_000_000)
        tune_collector()
        _timed(db, self, self.work(db, "WARM", 2_000), 1_000, time.perf_counter)

    def work(self, db: Engine, tag: str, events: int) -> list[FloorEvent]:
        """`events` new part.bound events on freshly queued units."""
        return plant_builder.new_work(db, self.plant, tag, events).events

    def context(self) -> Context:
        ctx = self.plant.ctx
        return Context(ctx.tenant_id, ctx.user_id, datetime.now(UTC))


def _measure(
    db: Engine,
    plant: _Plant,
    kind: str,
    clock: Callable[[], float],
    events: int,
    sizes: Sequence[int],
    singles: int,
) -> dict[str, Any]:
    figures: dict[str, Any] = {"database": kind, "clock": clock.__name__}
    for size in sizes:
        per_event = _timed(db, plant, plant.work(db, f"B{size}", events), size, clock)
        figures[f"batch_{size}.ms_per_1000_events"] = statistics.median(per_event) * 1e6
    per_event = _timed(db, plant, plant.work(db, "ONE", singles), 1, clock)
    figures["single.ms_per_event"] = statistics.median(per_event) * 1000
    return figures


def _timed(
    db: Engine, plant: _Plant, work: list[FloorEvent], size: int, clock: Callable[[], float]
) -> list[float]:
    """Seconds per event of each batch of `size`; every event must be accepted."""
    per_event: list[float] = []
    for first in range(0, len(work), size):
        batch, ctx = work[first : first + size], plant.context()
        start = clock()
        outcomes = services.shop_floor.record(db, ctx, batch)
        per_event.append((clock() - start) / len(batch))
        refused = [o.error for o in outcomes if o.error is not None]
        if refused:
            raise plant_builder.BenchError(f"{len(refused)} events refused: {refused[0]}")
    return per_event


def _by_statement(db: Engine, plant: _Plant, events: int) -> list[tuple[float, float, str]]:
    """Milliseconds and runs of each statement per 1,000 events (in batches of 1,000),
    slowest first."""
    work = plant.work(db, "ST", events)
    spent: dict[str, float] = collections.defaultdict(float)
    runs: collections.Counter[str] = collections.Counter()
    started: dict[int, float] = {}

    def before(_c: Any, cursor: Any, *_: Any) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(_c: Any, cursor: Any, statement: str, *_: Any) -> None:
        key = " ".join(statement.split())[:90]
        spent[key] += time.perf_counter() - started.pop(id(cursor))
        runs[key] += 1

    copy = bulk._copy  # COPY goes to the driver directly, past SQLAlchemy's events

    def timed_copy(
        conn: sa.Connection, table: sa.Table, columns: tuple[str, ...], rows: Sequence[Any]
    ) -> None:
        start = time.perf_counter()
        copy(conn, table, columns, rows)
        spent[f"COPY {table.name}"] += time.perf_counter() - start
        runs[f"COPY {table.name}"] += 1

    sa.event.listen(db, "before_cursor_execute", before)
    sa.event.listen(db, "after_cursor_execute", after)
    bulk._copy = timed_copy
    try:
        _timed(db, plant, work, 1_000, time.perf_counter)
    finally:
        bulk._copy = copy
        sa.event.remove(db, "before_cursor_execute", before)
        sa.event.remove(db, "after_cursor_execute", after)
    batches = len(work) / 1_000
    rows = [(s * 1000 / batches, runs[k] / batches, k) for k, s in spent.items()]
    return sorted(rows, reverse=True)[:15]


@contextmanager
def _chain_stubbed(stubbed: bool) -> Iterator[None]:
    """With `stubbed`, events are appended with placeholder links and no head statements."""
    if not stubbed:
        yield
        return
    saved = (chain.seal, ledger._locked_head, ledger._move_head)
    positions: dict[int, int] = collections.defaultdict(int)

    def seal(head: chain.Head, batch: Sequence[Any]) -> tuple[list[tuple[int, str]], chain.Head]:
        links = [(head.position + n, chain.GENESIS) for n in range(1, len(batch) + 1)]
        return links, chain.Head(head.position + len(batch), chain.GENESIS)

    def locked_head(_conn: sa.Connection, tenant_id: int) -> chain.Head:
        return chain.Head(positions[tenant_id], chain.GENESIS)

    def move_head(_conn: sa.Connection, tenant_id: int, head: chain.Head) -> None:
        positions[tenant_id] = head.position

    chain.seal, ledger._locked_head, ledger._move_head = seal, locked_head, move_head  # type: ignore[assignment]
    try:
        yield
    finally:
        chain.seal, ledger._locked_head, ledger._move_head = saved


if __name__ == "__main__":
    try:
        sys.exit(main())
    except plant_builder.BenchError as error:
        plant_builder.log(f"error: {error}")
        sys.exit(1)
