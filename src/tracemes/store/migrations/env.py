"""Alembic environment: runs migrations on the engine handed over by store.db.migrate()."""

import os

from alembic import context

from tracemes.store.db import open_database
from tracemes.store.schema import metadata

engine = context.config.attributes.get("engine") or open_database(
    os.environ.get("TRACEMES_DATABASE_URL", "sqlite:///var/tracemes.db")
)

with engine.connect() as connection:
    # SQLite alters a table by copying it and dropping the original, which its children's
    # foreign keys would refuse (or follow): keys are off while migrating, and a migration that
    # touches them checks them itself (PRAGMA foreign_key_check) before it commits. The pragma
    # does nothing inside a transaction, so it goes to the driver before one begins.
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
