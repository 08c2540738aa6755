"""Migrations build the schema from empty on both databases and match store/schema.py."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

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
        if table.name == "tenants":
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
