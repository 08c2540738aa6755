"""`tracemes serve --workers N`: several server processes on one port and one database."""

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx2
from sqlalchemy.engine import Engine

from tests.factories import token_for
from tracemes.services.context import Context

START_WITHIN_SECONDS = 120  # two processes importing the app on a busy 2-core machine


@contextmanager
def _serving(database_url: str, workers: int, log: Path) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The URL comes from the option alone: the workers must get it from their parent.
    env = {k: v for k, v in os.environ.items() if k != "TRACEMES_DATABASE_URL"}
    command = [sys.executable, "-c", "from tracemes.cli import app; app()", "serve"]
    options = ["--port", str(port), "--workers", str(workers), "--database-url", database_url]
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, *options], env=env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for_workers(server, base, log, workers)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_for_workers(server: subprocess.Popen[bytes], base: str, log: Path, count: int) -> None:
    deadline = time.monotonic() + START_WITHIN_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        if len(_started(log)) >= count:
            try:
                if httpx2.get(f"{base}/api/v1/openapi.json", timeout=5).status_code == 200:
                    return
            except httpx2.TransportError:
                pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not start {count} workers:\n{log.read_text()}")


def _started(log: Path) -> set[str]:
    return set(re.findall(r"Started server process \[(\d+)\]", log.read_text()))


def test_two_workers_serve_one_database_and_every_write_is_read_back(
    db: Engine, ctx: Context, tmp_path: Path
) -> None:
    # The server runs on the real clock, so the token must be valid now, not at ctx's fixed time.
    token = token_for(db, replace(ctx, now=datetime.now(UTC)), "admin")
    url = db.url.render_as_string(hide_password=False)
    log = tmp_path / "serve.log"
    headers = {"Authorization": f"Bearer {token}"}

    with _serving(url, 2, log) as base, httpx2.Client(base_url=base, headers=headers) as client:

        def create(n: int) -> int:
            body = {"code": f"P-{n}", "name": f"Part {n}", "uom": "pcs", "tracking": "lot"}
            return client.post("/api/v1/items", json=body, timeout=60).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(create, range(40)))
        listed = {item["code"] for item in client.get("/api/v1/items").json()}

    assert len(_started(log)) == 2
    assert statuses == [201] * 40
    assert listed == {f"P-{n}" for n in range(40)}
    assert "database is locked" not in log.read_text()
