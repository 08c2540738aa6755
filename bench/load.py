"""Concurrent load: many clients against `tracemes serve --workers N`, per database.

    .venv/bin/python bench/load.py                          # SQLite and PostgreSQL, ~15 min
    .venv/bin/python bench/load.py --database sqlite --clients 8 --seconds 10
    .venv/bin/python bench/load.py --smoke                  # seconds; what CI runs

Builds the trace benchmark's e-bike plant (bench/trace.py: master data through the services,
finished bikes loaded raw) on a fresh SQLite file or PostgreSQL schema, then starts
`tracemes serve --workers N` on a free loopback port for each worker count and runs each
number of concurrent clients for a fixed time. Every client loops over a mix of requests:
one `part.bound` event, a batch of them, a backward trace of a finished bike, and the line
board page. Throughput, p50/p99 latency and errors are reported per database, worker count
and number of clients, then how PostgreSQL scales from 1 to 4 workers.

Only loopback is used, every level is bounded in time, and the server is stopped at the end
whatever happens. Exits 1 on an internal error (a server that does not start, a build that
fails) and, with --smoke or --fail-on-errors, when any request failed.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

# bench/trace.py, the plant builder shared with the trace benchmark (not the stdlib module).
import trace as plant_builder
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.store.db import migrate

SERVE = (sys.executable, "-c", "from tracemes.cli import app; app()", "serve")
BATCH_SIZE = 20
MIX = (("event", 40), ("batch", 10), ("trace", 30), ("page", 20))
SINGLES = (("event", 100),)
KINDS = ("event", "batch", "trace", "page")
REQUEST_TIMEOUT = 60.0
GRACE_SECONDS = 15.0  # how long in-flight requests may finish after a level's time is up
WARM_UP_SECONDS = 2.0  # at most; half the measured time when that is shorter
SERVER_START_SECONDS = 180.0
log = plant_builder.log
BenchError = plant_builder.BenchError


# -- the plant ---------------------------------------------------------------------------


@dataclass
class Floor:
    """A built database: the token the clients use, finished bikes to trace, bind events."""

    db: Engine
    target: plant_builder.Target
    plant: plant_builder.Plant
    token: str
    finished: int
    events: list[dict[str, Any]] = field(default_factory=list)
    made: int = 0  # new_work calls so far, to name each batch of work

    def stock_events(self, wanted: int) -> None:
        """Queue new units with their parts booked in until `wanted` bind events are ready.

        The events are interleaved so that neighbours in the list bind different units:
        concurrent clients and one batch do not all queue on the same bike."""
        missing = wanted - len(self.events)
        if missing <= 0:
            return
        self.made += 1
        tag = f"LOAD{self.made}"
        log(f"{self.target.kind}: queueing units for {missing:,} new bind events ({tag})")
        work = plant_builder.new_work(self.db, self.plant, tag, missing)
        groups = math.ceil(len(work.events) / plant_builder.EVENTS_PER_GROUP)
        per_group = plant_builder.EVENTS_PER_GROUP
        for k in range(per_group):
            for n in range(groups):
                if n * per_group + k < len(work.events):
                    event = work.events[n * per_group + k]
                    self.events.append(plant_builder.event_json(event))

    def take(self, count: int) -> list[dict[str, Any]]:
        """The next `count` unsent bind events (fewer when the stock runs out)."""
        taken, self.events = self.events[:count], self.events[count:]
        return taken


def build(kind: str, finished: int, workdir: Path, postgres_url: str) -> Floor:
    """A fresh database with the trace benchmark's plant and `finished` finished bikes."""
    rng = random.Random(plant_builder.SEED)
    if kind == "sqlite":
        target = plant_builder.sqlite_target(workdir, keep=False)
    else:
        target = plant_builder.postgres_target(postgres_url, keep=False)
    db = target.open()
    try:
        log(f"{kind}: migrating and creating master data through the services")
        migrate(db)
        plant = plant_builder.make_master_data(db)
        layout = plant_builder.Layout.plan(finished, rng)
        used = layout.lots()
        for (item, lot), quantity in sorted(used.items()):
            plant_builder.receive_lot(
                db, plant, item, lot, quantity + plant_builder.spare_of(quantity)
            )
        for item, lot in plant_builder.NEW_LOTS:
            plant_builder.receive_lot(db, plant, item, lot, 100_000_000)
        ctx = plant.ctx
        plant.pack_order_id = plant_builder.release_order(
            db, ctx, "WO-PACK", plant_builder.PACK, finished, "L2"
        )
        plant.bike_order_id = plant_builder.release_order(
            db, ctx, "WO-BIKE", plant_builder.BIKE, finished, "L1"
        )
        log(f"{kind}: loading {finished:,} finished bikes raw")
        plant_builder.load_factory(db, target, plant, layout, rng)
        plant_builder.settle_lots(db, plant, used)
        plant_builder.count_finished(db, plant, finished)
        if kind == "postgres":
            with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE units, bindings, step_runs, lots")
        token = services.users.create_token(db, ctx, "bench")
    except BaseException:
        db.dispose()
        target.cleanup()
        raise
    return Floor(db, target, plant, token, finished)


# -- the server ----------------------------------------------------------------------------


class Server:
    """`tracemes serve --workers N` in a subprocess on a free loopback port."""

    def __init__(self, url: str, workers: int, log_path: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.workers = workers
        self.log_path = log_path
        self.log_file = log_path.open("w")
        env = {**os.environ, "TRACEMES_DATABASE_URL": url, "TRACEMES_WORKERS": str(workers)}
        self.process = subprocess.Popen(
            [*SERVE, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"server exited early; see {self.log_path}")
            started = re.findall(r"Started server process", self.log_path.read_text())
            if len(started) >= self.workers:
                try:
                    answer = httpx2.get(f"{self.base}/api/v1/openapi.json", timeout=5)
                    if answer.status_code == 200:
                        return
                except httpx2.TransportError:
                    pass
            time.sleep(0.2)
        raise BenchError(f"{self.workers} workers not up in {SERVER_START_SECONDS:.0f} s")

    def processes(self) -> list[int]:
        """The supervisor and its workers."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        return pids

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server's processes so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.processes():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def errors_logged(self) -> int:
        """Tracebacks the server wrote to its log."""
        return self.log_path.read_text().count("Traceback (most recent call last)")

    def stop(self) -> None:
        """Stop the supervisor (it stops its workers); kill whatever is left."""
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Workers first, while the supervisor is alive: their ids are still its children.
            for pid in self.processes()[1:]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait()
        self.log_file.close()


# -- the clients ---------------------------------------------------------------------------


@dataclass
class Sample:
    """One request: what it was, when it ended, how long it took, how it ended."""

    kind: str
    ended: float
    ms: float
    events: int
    error: str | None


@dataclass
class Level:
    """One run: a database, a worker count, a number of clients, a mix."""

    database: str
    workers: int
    clients: int
    mix: str
    seconds: float
    samples: list[Sample]
    server_cpu_seconds: float
    client_cpu_seconds: float
    server_tracebacks: int
    stock_ran_out: bool

    def figures(self) -> dict[str, Any]:
        """Throughput, latency and errors, overall and per kind of request."""
        done = self.samples
        ok = [s for s in done if s.error is None]
        errors: dict[str, int] = {}
        for s in done:
            if s.error is not None:
                errors[s.error] = errors.get(s.error, 0) + 1
        figures: dict[str, Any] = {
            "database": self.database,
            "workers": self.workers,
            "clients": self.clients,
            "mix": self.mix,
            "seconds": self.seconds,
            "requests": len(done),
            "requests_per_s": len(ok) / self.seconds,
            "events_per_s": sum(s.events for s in ok) / self.seconds,
            "p50_ms": _quantile([s.ms for s in ok], 0.5),
            "p99_ms": _quantile([s.ms for s in ok], 0.99),
            "errors": sum(errors.values()),
            "error_kinds": errors,
            "server_cpu_cores": self.server_cpu_seconds / self.seconds,
            "client_cpu_cores": self.client_cpu_seconds / self.seconds,
            "server_tracebacks": self.server_tracebacks,
            "stock_ran_out": self.stock_ran_out,
        }
        for kind in KINDS:
            mine = [s.ms for s in ok if s.kind == kind]
            if mine:
                figures[f"{kind}.per_s"] = len(mine) / self.seconds
                figures[f"{kind}.p50_ms"] = _quantile(mine, 0.5)
                figures[f"{kind}.p99_ms"] = _quantile(mine, 0.99)
        return figures


def warm_up_for(seconds: float) -> float:
    """Seconds of requests sent before the measured window opens."""
    return min(WARM_UP_SECONDS, seconds / 2)


def _quantile(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    if fraction == 0.5:
        return statistics.median(values)
    return plant_builder.percentile(values, fraction)


class Run:
    """The clients of one level, sharing one event stock."""

    def __init__(self, floor: Floor, base: str, clients: int, mix: Sequence[tuple[str, int]]):
        self.floor = floor
        self.base = base
        self.clients = clients
        self.kinds = [kind for kind, _ in mix]
        self.weights = [weight for _, weight in mix]
        self.samples: list[Sample] = []
        self.stock_ran_out = False

    async def go(self, seconds: float) -> tuple[list[Sample], float, float]:
        """Warm up, run for `seconds`; the samples that ended inside the measured window."""
        warm_up = warm_up_for(seconds)
        start = time.monotonic()
        window = (start + warm_up, start + warm_up + seconds)
        limits = httpx2.Limits(max_connections=self.clients, max_keepalive_connections=self.clients)
        headers = {"Authorization": f"Bearer {self.floor.token}"}
        async with httpx2.AsyncClient(
            base_url=self.base, headers=headers, limits=limits, timeout=REQUEST_TIMEOUT
        ) as client:
            tasks = [
                asyncio.create_task(self._client(client, n, window[1])) for n in range(self.clients)
            ]
            done, pending = await asyncio.wait(tasks, timeout=warm_up + seconds + GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in done:
                task.result()  # a bug in the client itself stops the benchmark
        inside = [s for s in self.samples if window[0] <= s.ended <= window[1]]
        return inside, window[0], window[1]

    async def _client(self, client: httpx2.AsyncClient, n: int, until: float) -> None:
        rng = random.Random(n)
        while time.monotonic() < until:
            kind = rng.choices(self.kinds, self.weights)[0]
            if kind in ("event", "batch"):
                events = self.floor.take(1 if kind == "event" else BATCH_SIZE)
                if not events:
                    self.stock_ran_out = True
                    kind, events = "trace", []
            else:
                events = []
            began = time.perf_counter()
            error = await self._send(client, rng, kind, events)
            ended = time.monotonic()
            ms = (time.perf_counter() - began) * 1000
            self.samples.append(Sample(kind, ended, ms, len(events), error))

    async def _send(
        self, client: httpx2.AsyncClient, rng: random.Random, kind: str, events: list[Any]
    ) -> str | None:
        try:
            if kind == "event":
                response = await client.post("/api/v1/events", json=events[0])
                expected = 201
            elif kind == "batch":
                response = await client.post("/api/v1/events/batch", json={"events": events})
                expected = 200
            elif kind == "trace":
                serial = f"EB{rng.randrange(self.floor.finished):08d}"
                response = await client.get(f"/api/v1/trace/units/{serial}")
                expected = 200
            else:
                response = await client.get("/board?line=L1")
                expected = 200
        except httpx2.TransportError as error:
            return f"{kind}: {type(error).__name__}"
        if response.status_code != expected:
            return f"{kind}: HTTP {response.status_code}"
        if kind == "batch" and response.json()["refused"]:
            return "batch: events refused"
        return None


def measure(
    floor: Floor, server: Server, clients: int, mix_name: str, seconds: float
) -> dict[str, Any]:
    """One level: `clients` clients for `seconds` (after a short warm-up)."""
    mix = SINGLES if mix_name == "singles" else MIX
    run = Run(floor, server.base, clients, mix)
    cpu_before = server.cpu_seconds()
    own_before = _own_cpu()
    tracebacks_before = server.errors_logged()
    samples, _, _ = asyncio.run(run.go(seconds))
    # CPU over the whole run (warm-up and grace included), per second of the measured window
    span = warm_up_for(seconds) + seconds
    level = Level(
        database=floor.target.kind,
        workers=server.workers,
        clients=clients,
        mix=mix_name,
        seconds=seconds,
        samples=samples,
        server_cpu_seconds=(server.cpu_seconds() - cpu_before) * seconds / span,
        client_cpu_seconds=(_own_cpu() - own_before) * seconds / span,
        server_tracebacks=server.errors_logged() - tracebacks_before,
        stock_ran_out=run.stock_ran_out,
    )
    return level.figures()


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# -- the whole run -------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What to run, from the command line."""

    databases: tuple[str, ...]
    workers: dict[str, tuple[int, ...]]
    clients: tuple[int, ...]
    singles_clients: tuple[int, ...]
    seconds: float
    finished: int
    workdir: Path
    postgres_url: str
    fail_on_errors: bool


def run_database(kind: str, settings: Settings) -> list[dict[str, Any]]:
    """Build one database, then every worker count x every level on it."""
    floor = build(kind, settings.finished, settings.workdir, settings.postgres_url)
    results: list[dict[str, Any]] = []
    # Enough bind events for a fast level; the stock is topped up before every level.
    reserve = 1_000 if settings.seconds < 5 else 8_000
    try:
        for workers in settings.workers[kind]:
            levels = [(c, "mixed") for c in settings.clients]
            if workers == 1:
                levels += [(c, "singles") for c in settings.singles_clients]
            log_path = settings.workdir / f"server-{kind}-{workers}.log"
            server = Server(floor.target.url, workers, log_path)
            try:
                for clients, mix in levels:
                    floor.stock_events(reserve)
                    log(
                        f"{kind}: {workers} worker(s), {clients} clients, {mix}, "
                        f"{settings.seconds:g} s"
                    )
                    figures = measure(floor, server, clients, mix, settings.seconds)
                    figures["load_average"] = os.getloadavg()[0]
                    results.append(figures)
                    log(f"  {_line(figures)}")
                    span = settings.seconds + warm_up_for(settings.seconds)
                    needed = figures["events_per_s"] * span
                    reserve = max(reserve, math.ceil(needed * 1.5))
            finally:
                server.stop()
    finally:
        floor.db.dispose()
        floor.target.cleanup()
    return results


def _line(f: dict[str, Any]) -> str:
    return (
        f"{f['requests_per_s']:.0f} req/s, {f['events_per_s']:.0f} events/s, "
        f"p50 {_ms(f['p50_ms'])}, p99 {_ms(f['p99_ms'])}, {f['errors']} errors"
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def report(results: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table, then the scaling of requests/s over workers."""
    head = (
        "| database | workers | clients | mix | req/s | events/s | p50 | p99 | event p99 "
        "| trace p99 | page p99 | errors | server CPU (cores) |"
    )
    lines = [head, "| " + " | ".join(["---"] * 13) + " |"]
    for f in results:
        lines.append(
            f"| {f['database']} | {f['workers']} | {f['clients']} | {f['mix']} "
            f"| {f['requests_per_s']:.0f} | {f['events_per_s']:.0f} | {_ms(f['p50_ms'])} "
            f"| {_ms(f['p99_ms'])} | {_ms(f.get('event.p99_ms'))} | {_ms(f.get('trace.p99_ms'))} "
            f"| {_ms(f.get('page.p99_ms'))} | {f['errors']} | {f['server_cpu_cores']:.2f} |"
        )
    scaling = []
    for database in dict.fromkeys(f["database"] for f in results):
        for clients in dict.fromkeys(f["clients"] for f in results if f["mix"] == "mixed"):
            by_workers = {
                f["workers"]: f["requests_per_s"]
                for f in results
                if f["database"] == database and f["clients"] == clients and f["mix"] == "mixed"
            }
            if len(by_workers) > 1 and by_workers.get(1):
                ratios = ", ".join(
                    f"{w} workers x{rate / by_workers[1]:.2f}"
                    for w, rate in sorted(by_workers.items())
                    if w != 1
                )
                scaling.append(
                    f"- {database}, {clients} clients: {ratios} (requests/s vs 1 worker)"
                )
    errors = [
        f"- {f['database']} {f['workers']}w {f['clients']}c {f['mix']}: {f['error_kinds']}"
        for f in results
        if f["errors"]
    ]
    dry = [
        f"- {f['database']} {f['workers']}w {f['clients']}c {f['mix']}"
        for f in results
        if f["stock_ran_out"]
    ]
    out = "\n".join(lines)
    if scaling:
        out += "\n\nScaling over workers:\n" + "\n".join(scaling)
    if errors:
        out += "\n\nErrors:\n" + "\n".join(errors)
    if dry:
        out += "\n\nRan out of bind events (later event requests became traces):\n"
        out += "\n".join(dry)
    return out


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Settings]:
    """Options and the settings they make."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--clients", default="8,32,128", help="concurrent clients per level")
    parser.add_argument(
        "--singles-clients",
        default="8,32",
        help="levels of one-event requests only, with 1 worker (the issue's measurement)",
    )
    parser.add_argument("--sqlite-workers", default="1,2", help="worker counts on SQLite")
    parser.add_argument("--postgres-workers", default="1,2,4", help="worker counts on PostgreSQL")
    parser.add_argument("--seconds", type=float, default=15, help="measured time per level")
    parser.add_argument("--finished", type=int, default=2_000, help="finished bikes to trace")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--workdir", type=Path, help="where the SQLite file and logs go")
    parser.add_argument("--fail-on-errors", action="store_true", help="exit 1 if a request failed")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="SQLite, 1 worker, 4 clients, 1 s, 100 bikes; exit 1 if a request failed (CI)",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.database, args.clients, args.singles_clients = "sqlite", "4", ""
        args.sqlite_workers, args.seconds, args.finished = "1", 1.0, 100
        args.fail_on_errors = True
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="tracemes-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    databases = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    settings = Settings(
        databases=databases,
        workers={
            "sqlite": _numbers(args.sqlite_workers),
            "postgres": _numbers(args.postgres_workers),
        },
        clients=_numbers(args.clients),
        singles_clients=_numbers(args.singles_clients),
        seconds=args.seconds,
        finished=max(args.finished, 100),
        workdir=workdir,
        postgres_url=os.environ.get(
            "TRACEMES_BENCH_POSTGRES_URL", plant_builder.DEFAULT_POSTGRES_URL
        ),
        fail_on_errors=args.fail_on_errors,
    )
    return args, settings


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def main(argv: Sequence[str] | None = None) -> int:
    """Run every level, print the table, write the JSON; see the module's exit codes."""
    args, settings = parse(argv)
    load_before = os.getloadavg()[0]
    if load_before > 0.5:
        log(f"warning: load average {load_before:.2f} before the run; figures will be noisy")
    results: list[dict[str, Any]] = []
    try:
        for kind in settings.databases:
            results += run_database(kind, settings)
    except Exception:
        traceback.print_exc()
        log(f"internal error; logs are in {settings.workdir}")
        return 1
    load_after = os.getloadavg()[0]
    print(
        f"TraceMES load benchmark: commit {plant_builder.commit()}; {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {plant_builder.sqlite_version()}; "
        f"{settings.finished:,} finished bikes to trace; {settings.seconds:g} s per level after "
        f"{warm_up_for(settings.seconds):g} s of warm-up; load average {load_before:.2f} before, "
        f"{load_after:.2f} after. Clients, server and database share the machine."
    )
    print(
        "Mix: "
        + ", ".join(f"{kind} {weight} %" for kind, weight in MIX)
        + f" (batch = {BATCH_SIZE} part.bound events; trace = backward trace of a finished "
        "bike; page = /board?line=L1). 'singles': one part.bound event per request only."
    )
    print()
    print(report(results))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "commit": plant_builder.commit(),
                    "load_average": {"before": load_before, "after": load_after},
                    "machine": {"cores": os.cpu_count(), "python": platform.python_version()},
                    "results": results,
                },
                indent=2,
            )
        )
    failed = sum(f["errors"] for f in results)
    if settings.fail_on_errors and failed:
        log(f"{failed} requests failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
