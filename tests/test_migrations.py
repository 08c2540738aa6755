"""Migrations build the schema from empty on both databases and match store/schema.py."""

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
