"""What every command shares: the database and tenant options, and how refusals are shown."""

from datetime import UTC, datetime
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from tracemes import services
from tracemes.domain.errors import DomainError
from tracemes.services.context import Context
from tracemes.store.db import migrate, open_database

DatabaseUrl = Annotated[
    str,
    typer.Option(envvar="TRACEMES_DATABASE_URL", help="SQLite file or PostgreSQL URL."),
]
TenantCode = Annotated[str, typer.Option("--tenant", help="The enterprise's code.")]


def now() -> datetime:
    """The current time, for the command's Context."""
    return datetime.now(UTC)


def database(url: str) -> Engine:
    """The database at `url`, migrated to the newest schema."""
    db = open_database(url)
    migrate(db)
    return db


def fail(error: DomainError) -> typer.Exit:
    """Show a refusal on stderr and end the command with exit code 1."""
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(code=1)


def context(db: Engine, tenant_code: str) -> Context:
    """A Context acting for the tenant with this code."""
    tenant = services.tenants.get(db, tenant_code)
    return Context(tenant_id=tenant.id, user_id=None, now=now())
