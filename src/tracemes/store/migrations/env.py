"""Alembic environment: runs migrations on the engine handed over by store.db.migrate()."""

import os

from alembic import context

from tracemes.store.db import open_database
from tracemes.store.schema import metadata

engine = context.config.attributes.get("engine") or open_database(
    os.environ.get("TRACEMES_DATABASE_URL", "sqlite:///var/tracemes.db")
)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
