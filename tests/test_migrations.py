"""Migrations build the schema from empty on both databases and match store/schema.py."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from tracemes import services
from tracemes.store.db import alembic_config, migrate, open_database
from tracemes.store.schema import metadata


def schema_drift(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrating_an_empty_sqlite_file_matches_the_schema(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    migrate(engine)

    assert schema_drift(engine) == []
    assert set(sa.inspect(engine).get_table_names()) == set(metadata.tables) | {"alembic_version"}
    engine.dispose()


@pytest.mark.postgres
def test_migrating_an_empty_postgres_schema_matches_the_schema(postgres_url: str) -> None:
    engine = open_database(postgres_url)  # the session fixture migrated this fresh schema

    assert schema_drift(engine) == []
    engine.dispose()


def test_every_table_has_a_tenant_and_every_unique_key_includes_it() -> None:
    for table in metadata.sorted_tables:
        # sign_in_failures counts client addresses across companies, and accounts before the
        # company is known to exist: it belongs to no tenant (store/schema.py says why)
        if table.name in {"tenants", "sign_in_failures"}:
            continue
        assert "tenant_id" in table.c, table.name
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) and table.name != "tokens":
                assert "tenant_id" in constraint.columns, f"{table.name}: {constraint.name}"


def test_downgrade_to_empty_and_upgrade_again(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    config = alembic_config(engine)
    migrate(engine)

    command.downgrade(config, "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert schema_drift(engine) == []
    engine.dispose()


def test_migrations_form_one_line_of_history() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())

    assert len(scripts.get_heads()) == 1
    for revision in scripts.walk_revisions():
        assert revision.doc, revision.revision
        assert not revision.doc.startswith("auto"), revision.revision


def test_finished_units_are_backfilled_from_existing_units(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'backfill.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "c1d89b124b8c")  # before work orders counted finished units
    at = "2026-03-16 08:00:00"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"INSERT INTO tenants VALUES (1, 'ACME', 'Acme', '{at}')")
        conn.exec_driver_sql(
            "INSERT INTO items (id, tenant_id, code, name, uom, tracking) "
            "VALUES (1, 1, 'BIKE', 'Bike', 'pcs', 'serial')"
        )
        conn.exec_driver_sql(
            "INSERT INTO lines (id, tenant_id, code, name) VALUES (1, 1, 'L1', 'L')"
        )
        conn.exec_driver_sql(
            "INSERT INTO work_orders (id, tenant_id, code, item_id, line_id, quantity, status, "
            f"created_at) VALUES (1, 1, 'WO-1', 1, 1, '3', 'in_progress', '{at}')"
        )
        for n, status in enumerate(("completed", "shipped", "in_progress", "scrapped"), start=1):
            conn.exec_driver_sql(
                "INSERT INTO units (tenant_id, item_id, serial, work_order_id, status, created_at) "
                f"VALUES (1, 1, 'S{n}', 1, '{status}', '{at}')"
            )

    command.upgrade(config, "head")

    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT finished_units FROM work_orders").scalar_one() == 2
    engine.dispose()


def test_final_inspections_keep_the_units_they_sampled(tmp_path: Path) -> None:
    """Before ff4bb72fe8cb a final inspection covered the finished units its order had when
    it opened: open and accepted ones keep those after the upgrade (units finished later
    stay due for the next one), and the downgrade with data in place works."""
    engine = open_database(f"sqlite:///{tmp_path / 'members.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "d96a0b559261")
    at = "2026-03-16 08:00:00"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO tenants (id, code, name, created_at) VALUES (1, 'A', 'A', '{at}')"
        )
        conn.exec_driver_sql(
            "INSERT INTO items (id, tenant_id, code, name, uom, tracking) "
            "VALUES (1, 1, 'BIKE', 'Bike', 'pcs', 'serial')"
        )
        conn.exec_driver_sql(
            "INSERT INTO lines (id, tenant_id, code, name) VALUES (1, 1, 'L1', 'L')"
        )
        for order in (1, 2):
            conn.exec_driver_sql(
                "INSERT INTO work_orders (id, tenant_id, code, item_id, line_id, quantity, status, "
                f"created_at) VALUES ({order}, 1, 'WO-{order}', 1, 1, '3', 'completed', '{at}')"
            )
        units = (  # order, status, finished at
            (1, "completed", "'2026-03-16 07:00:00'"),
            (1, "shipped", "'2026-03-16 07:30:00'"),
            (1, "completed", "'2026-03-16 09:00:00'"),  # after the inspection opened
            (1, "in_progress", "NULL"),
            (2, "completed", "'2026-03-16 07:00:00'"),
        )
        for n, (order, status, finished) in enumerate(units, start=1):
            conn.exec_driver_sql(
                "INSERT INTO units (id, tenant_id, item_id, serial, work_order_id, status, "
                f"created_at, completed_at) "
                f"VALUES ({n}, 1, 1, 'S{n}', {order}, '{status}', '{at}', {finished})"
            )
        lots = ((1, "open"), (2, "accepted"), (2, "rejected"))
        for lot, (order, status) in enumerate(lots, start=1):
            conn.exec_driver_sql(
                "INSERT INTO inspection_lots (id, tenant_id, number, item_id, work_order_id, "
                "lot_size, plan, class_plans, status, created_at) "
                f"VALUES ({lot}, 1, 'FQC-{lot}', 1, {order}, 2, '{{}}', '[]', '{status}', '{at}')"
            )

    command.upgrade(config, "head")

    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT inspection_lot_id, unit_id FROM inspection_lot_units ORDER BY unit_id"
        ).all()
    assert [tuple(row) for row in rows] == [(1, 1), (1, 2), (2, 5)]
    command.downgrade(config, "d96a0b559261")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM inspection_lots").scalar_one() == 3
    command.upgrade(config, "head")
    assert schema_drift(engine) == []
    engine.dispose()


def _events_before_the_chain(engine: sa.Engine) -> None:
    """Two tenants' events written before the chain existed, interleaved by id."""
    command.upgrade(alembic_config(engine), "8f0154553d4f")  # before the ledger was chained
    at = "2026-03-16 08:00:00.250000"
    payloads = ['{"quantity": 2.50, "n": 1}', '{"b": [1, 2.0, null], "a": "电池"}', "{}"]
    with engine.begin() as conn:
        for tenant in (1, 2):
            conn.exec_driver_sql(
                f"INSERT INTO tenants (id, code, name, created_at) "
                f"VALUES ({tenant}, 'T{tenant}', 'T', '{at}')"
            )
        for n in range(9):
            conn.exec_driver_sql(
                "INSERT INTO events (tenant_id, event_id, type, subject, occurred_at, "
                f"recorded_at, payload) VALUES ({1 + n % 2}, 'e{n}', 'line.created', 'L', "
                f"'{at}', '{at}', '{payloads[n % 3]}')"
            )


def _chained(engine: sa.Engine) -> list[tuple[int, int]]:
    verdicts = [services.ledger.verify(engine, tenant) for tenant in (1, 2)]
    assert all(verdict.is_intact for verdict in verdicts)
    assert [services.ledger.head(engine, tenant) for tenant in (1, 2)] == [
        verdict.head for verdict in verdicts
    ]
    return [(verdict.tenant_id, verdict.checked) for verdict in verdicts]


def test_existing_events_are_chained_in_id_order_per_tenant(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'chain.db'}")
    _events_before_the_chain(engine)

    command.upgrade(alembic_config(engine), "head")

    assert _chained(engine) == [(1, 5), (2, 4)]
    engine.dispose()


@pytest.mark.postgres
def test_existing_events_are_chained_on_postgres(postgres_url: str) -> None:
    engine = open_database(postgres_url)
    with engine.begin() as conn:
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    command.downgrade(alembic_config(engine), "8f0154553d4f")
    _events_before_the_chain(engine)

    command.upgrade(alembic_config(engine), "head")

    assert _chained(engine) == [(1, 5), (2, 4)]
    assert schema_drift(engine) == []
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database on each engine, with no migration run yet."""
    if request.param == "sqlite":
        engine = open_database(f"sqlite:///{tmp_path / 'old.db'}")
        yield engine
        engine.dispose()
        return
    base = request.getfixturevalue("postgres_url").split("?")[0]
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = open_database(f"{base}?options=-csearch_path%3D{schema}")
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


BEFORE_THE_WALL = "5b1e0c7d2a94"  # the revision the wall follows


def _a_plant_with_data(engine: sa.Engine, unit_order_tenant: int = 1) -> None:
    at = "2026-03-16 08:00:00+00"
    rows = [
        f"INSERT INTO tenants (id, code, name, created_at) VALUES (1, 'A', 'A', '{at}')",
        f"INSERT INTO tenants (id, code, name, created_at) VALUES (2, 'B', 'B', '{at}')",
        "INSERT INTO users (id, tenant_id, name, role, created_at) "
        f"VALUES (1, 1, 'ann', 'operator', '{at}')",
        "INSERT INTO lines (id, tenant_id, code, name) VALUES (1, 1, 'L1', 'L')",
        "INSERT INTO lines (id, tenant_id, code, name) VALUES (2, 2, 'L1', 'L')",
        "INSERT INTO stations (id, tenant_id, line_id, code, name) VALUES (1, 1, 1, 'S1', 'S')",
        "INSERT INTO items (id, tenant_id, code, name, uom, tracking) "
        "VALUES (1, 1, 'BIKE', 'Bike', 'pcs', 'serial')",
        "INSERT INTO items (id, tenant_id, code, name, uom, tracking) "
        "VALUES (2, 2, 'SAW', 'Saw', 'pcs', 'lot')",
        "INSERT INTO work_orders (id, tenant_id, code, item_id, line_id, quantity, status, "
        f"created_at) VALUES (1, 1, 'WO-1', 1, 1, '3', 'in_progress', '{at}')",
        "INSERT INTO work_orders (id, tenant_id, code, item_id, line_id, quantity, status, "
        f"created_at) VALUES (2, 2, 'WO-2', 2, 2, '3', 'released', '{at}')"
        if unit_order_tenant == 2
        else "SELECT 1",
        "INSERT INTO units (id, tenant_id, item_id, serial, work_order_id, status, created_at) "
        f"VALUES (1, 1, 1, 'S1', {unit_order_tenant}, 'in_progress', '{at}')",
        "INSERT INTO lots (id, tenant_id, item_id, lot, quantity, remaining, received_at) "
        f"VALUES (1, 1, 1, 'L1', '10', '4', '{at}')",
        "INSERT INTO bindings (tenant_id, parent_kind, parent_id, child_kind, child_id, item_id, "
        f"quantity, station_id, operator_id, bound_at) VALUES (1, 'unit', 1, 'lot', 1, 1, '2', "
        f"1, 1, '{at}')",
        "INSERT INTO step_runs (tenant_id, unit_id, operation_code, station_id, operator_id, "
        f"started_at) VALUES (1, 1, 'OP10', 1, 1, '{at}')",
    ]
    with engine.begin() as conn:
        for row in rows:
            conn.exec_driver_sql(row)


def _counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            table: conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            for table in ("tenants", "users", "items", "work_orders", "units", "lots", "bindings")
        }


def test_the_wall_goes_up_over_a_database_with_data(unmigrated: sa.Engine) -> None:
    config = alembic_config(unmigrated)
    command.upgrade(config, BEFORE_THE_WALL)
    _a_plant_with_data(unmigrated)
    before = _counts(unmigrated)

    command.upgrade(config, "head")

    assert _counts(unmigrated) == before
    assert schema_drift(unmigrated) == []
    negative_stock = "UPDATE lots SET remaining = '-1' WHERE id = 1"
    with pytest.raises(sa.exc.IntegrityError), unmigrated.begin() as conn:
        conn.exec_driver_sql(negative_stock)
    with pytest.raises(sa.exc.IntegrityError), unmigrated.begin() as conn:
        conn.exec_driver_sql("UPDATE units SET item_id = 2 WHERE id = 1")  # BETA's item
    with unmigrated.connect() as conn:
        if unmigrated.dialect.name == "sqlite":  # keys back on; the live-serial index partial
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            index = "SELECT sql FROM sqlite_master WHERE name = 'uq_bindings_live_serial'"
            assert "WHERE unbound_at IS NULL" in conn.exec_driver_sql(index).scalar_one()

    command.downgrade(config, BEFORE_THE_WALL)  # and down again, data in place
    assert _counts(unmigrated) == before
    with unmigrated.begin() as conn:
        conn.exec_driver_sql(negative_stock)  # the old schema took it
        conn.exec_driver_sql("UPDATE lots SET remaining = '4' WHERE id = 1")
    command.upgrade(config, "head")
    assert schema_drift(unmigrated) == []


def test_the_wall_does_not_go_up_over_rows_that_cross_tenants(unmigrated: sa.Engine) -> None:
    config = alembic_config(unmigrated)
    command.upgrade(config, BEFORE_THE_WALL)
    _a_plant_with_data(unmigrated, unit_order_tenant=2)  # ACME's unit on BETA's order
    before = _counts(unmigrated)

    with pytest.raises((sa.exc.IntegrityError, RuntimeError)) as refused:
        command.upgrade(config, "head")

    assert "units" in str(refused.value)
    assert _counts(unmigrated) == before
    with unmigrated.connect() as conn:
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    assert version == BEFORE_THE_WALL
