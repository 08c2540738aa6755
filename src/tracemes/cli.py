"""The `tracemes` command: set up the database, manage tenants and users, serve, demo."""

from datetime import UTC, datetime
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.engine import Engine

from tracemes import config, services
from tracemes.app import create_app
from tracemes.domain.errors import DomainError
from tracemes.services.context import Context
from tracemes.store.db import migrate, open_database

app = typer.Typer(
    help="TraceMES: manufacturing execution that traces every unit.", no_args_is_help=True
)
tenant_app = typer.Typer(help="Enterprises sharing this deployment.", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts and station apps.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")

DatabaseUrl = Annotated[
    str,
    typer.Option(envvar="TRACEMES_DATABASE_URL", help="SQLite file or PostgreSQL URL."),
]
TenantCode = Annotated[str, typer.Option("--tenant", help="The enterprise's code.")]


def _now() -> datetime:
    return datetime.now(UTC)


def _database(url: str) -> Engine:
    db = open_database(url)
    migrate(db)
    return db


def _fail(error: DomainError) -> typer.Exit:
    typer.echo(f"error: {error}", err=True)
    return typer.Exit(code=1)


def _context(db: Engine, tenant_code: str) -> Context:
    tenant = services.tenants.get(db, tenant_code)
    return Context(tenant_id=tenant.id, user_id=None, now=_now())


@app.command()
def init(database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL) -> None:
    """Create the database or upgrade it to the newest schema."""
    _database(database_url)
    typer.echo("database is up to date")


@tenant_app.command("create")
def tenant_create(
    code: str, name: str, database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL
) -> None:
    """Add an enterprise."""
    try:
        tenant = services.tenants.create(_database(database_url), _now(), code, name)
    except DomainError as error:
        raise _fail(error) from error
    typer.echo(f"tenant {tenant.code} created")


@tenant_app.command("list")
def tenant_list(database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL) -> None:
    """List the enterprises."""
    for tenant in services.tenants.list_all(_database(database_url)):
        typer.echo(f"{tenant.code}\t{tenant.name}")


@user_app.command("create")
def user_create(
    name: str,
    tenant: TenantCode,
    role: Annotated[
        str, typer.Option(help="admin, engineer, supervisor, operator, inspector or viewer")
    ],
    password: Annotated[str | None, typer.Option(help="Omit for a token-only user.")] = None,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Add a user to an enterprise."""
    db = _database(database_url)
    try:
        services.users.create(db, _context(db, tenant), name, role, password)
    except DomainError as error:
        raise _fail(error) from error
    typer.echo(f"user {name} created with role {role}")


@token_app.command("create")
def token_create(
    tenant: TenantCode,
    user: Annotated[str, typer.Option(help="The user the token acts as.")],
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print a new API token, alone on stdout; only its hash is kept, so save it now."""
    db = _database(database_url)
    try:
        token = services.users.create_token(db, _context(db, tenant), user)
    except DomainError as error:
        raise _fail(error) from error
    typer.echo(token)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="TRACEMES_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="TRACEMES_PORT")] = 8000,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Serve the API and pages."""
    uvicorn.run(create_app(_database(database_url)), host=host, port=port, log_level="info")
