"""Fixtures: a fresh database per test (SQLite always, PostgreSQL when configured)."""

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from tests.factories import token_for
from tracemes import services
from tracemes.app import create_app
from tracemes.domain.event_types import unexpected_facts
from tracemes.services.context import Context
from tracemes.store.db import migrate, open_database
from tracemes.store.schema import events as ledger
from tracemes.store.schema import metadata

NOW = datetime(2026, 3, 16, 8, 30, tzinfo=UTC)
POSTGRES_URL = os.environ.get("TRACEMES_TEST_POSTGRES_URL")
# The team's shared reference data (ISO 2859-1 tables, the EPCIS schema): read in place, never
# copied into the project.
REFDATA = Path(
    os.environ.get("TRACEMES_TEST_REFDATA")
    or Path(__file__).resolve().parents[2] / "shared" / "refdata"
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = open_database(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this run, migrated once; dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("TRACEMES_TEST_POSTGRES_URL is not set; PostgreSQL tests skipped")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL at TRACEMES_TEST_POSTGRES_URL is unreachable: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = open_database(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """An empty, fully migrated database."""
    if request.param == "sqlite":
        path = tmp_path / "tracemes.db"
        shutil.copy(sqlite_template, path)
        engine = open_database(f"sqlite:///{path}")
    else:
        engine = open_database(request.getfixturevalue("postgres_url"))
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    if request.node.get_closest_marker("any_payload") is None:
        _check_vocabulary(engine)
    engine.dispose()


def _check_vocabulary(engine: Engine) -> None:
    """Every ledger line a test wrote speaks the event vocabulary of domain/event_types.py."""
    with engine.connect() as conn:
        lines = conn.execute(sa.select(ledger.c.type, ledger.c.payload)).all()
    wrong = {found for type_, facts in lines if (found := unexpected_facts(type_, facts or {}))}
    assert not wrong, sorted(wrong)


@pytest.fixture
def ctx(db: Engine) -> Context:
    """Tenant ACME, acting at a fixed time."""
    tenant = services.tenants.create(db, NOW, "ACME", "Acme E-bikes")
    return Context(tenant_id=tenant.id, user_id=None, now=NOW)


@pytest.fixture
def other_ctx(db: Engine, ctx: Context) -> Context:
    """A second tenant, BETA, that must never see ACME's data."""
    tenant = services.tenants.create(db, NOW, "BETA", "Beta Saw Blades")
    return Context(tenant_id=tenant.id, user_id=None, now=NOW)


@pytest.fixture
def app_client(db: Engine) -> Iterator[TestClient]:
    """A client on the whole app, with the clock fixed, and no credentials."""
    with TestClient(create_app(db, clock=lambda: NOW)) as client:
        yield client


@pytest.fixture
def client(db: Engine, ctx: Context, app_client: TestClient) -> TestClient:
    """A client signed in as an ACME admin."""
    app_client.headers["Authorization"] = f"Bearer {token_for(db, ctx, 'admin')}"
    return app_client
