"""The `tracemes` command: set up the database, manage tenants and users, serve, demo."""

import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from tracemes import config, services
from tracemes.cli import demo_plant, ledger, options, rollups, trace
from tracemes.domain.credentials import DEFAULT_TOKEN_DAYS
from tracemes.domain.errors import DomainError, ImportRejectedError
from tracemes.domain.tenants import DEFAULT_TIMEZONE
from tracemes.domain.users import Role

app = typer.Typer(
    help="TraceMES: manufacturing execution that traces every unit.", no_args_is_help=True
)
tenant_app = typer.Typer(help="Enterprises sharing this deployment.", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts and station apps.", no_args_is_help=True)
app.add_typer(tenant_app, name="tenant")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


@app.command()
def init(database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL) -> None:
    """Create the database or upgrade it to the newest schema."""
    options.database(database_url)
    typer.echo("database is up to date")


@tenant_app.command("create")
def tenant_create(
    code: str,
    name: str,
    timezone: Annotated[
        str, typer.Option(help="Where its working day begins (IANA name).")
    ] = DEFAULT_TIMEZONE,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Add an enterprise."""
    try:
        db = options.database(database_url)
        tenant = services.tenants.create(db, options.now(), code, name, timezone)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(f"tenant {tenant.code} created")


@tenant_app.command("list")
def tenant_list(database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL) -> None:
    """List the enterprises."""
    for tenant in services.tenants.list_all(options.database(database_url)):
        typer.echo(f"{tenant.code}\t{tenant.name}")


@user_app.command("badge")
def user_badge(
    name: str,
    badge: str,
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Give a user the badge card they sign in with at a station."""
    db = options.database(database_url)
    try:
        services.users.set_badge(db, options.context(db, tenant), name, badge)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(f"badge set for {name}")


@user_app.command("create")
def user_create(
    name: str,
    tenant: options.TenantCode,
    role: Annotated[
        str, typer.Option(help="admin, engineer, supervisor, operator, inspector or viewer")
    ],
    password: Annotated[str | None, typer.Option(help="Omit for a token-only user.")] = None,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Add a user to an enterprise."""
    db = options.database(database_url)
    try:
        services.users.create(db, options.context(db, tenant), name, role, password)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(f"user {name} created with role {role}")


@user_app.command("password")
def user_password(
    name: str,
    tenant: options.TenantCode,
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="Asked when omitted."
        ),
    ],
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Give a user a new password; their open sessions end."""
    db = options.database(database_url)
    try:
        services.users.set_password(db, options.context(db, tenant), name, password)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(f"password changed for {name}")


@user_app.command("disable")
def user_disable(
    name: str,
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Stop a user at once: sign-in refused, sessions ended, API tokens inert."""
    db = options.database(database_url)
    try:
        services.users.disable(db, options.context(db, tenant), name)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(f"user {name} disabled")


@user_app.command("enable")
def user_enable(
    name: str,
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Let a disabled user sign in again; their unexpired API tokens work again."""
    db = options.database(database_url)
    try:
        services.users.enable(db, options.context(db, tenant), name)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(f"user {name} enabled")


@token_app.command("create")
def token_create(
    tenant: options.TenantCode,
    user: Annotated[str, typer.Option(help="The user the token acts as.")],
    days: Annotated[
        int, typer.Option(envvar="TRACEMES_TOKEN_DAYS", help="How long the token works.")
    ] = DEFAULT_TOKEN_DAYS,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print a new API token, alone on stdout; only its hash is kept, so save it now."""
    db = options.database(database_url)
    max_days = config.from_environment().token_max_days
    try:
        token = services.users.create_token(db, options.context(db, tenant), user, days, max_days)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(token)


@token_app.command("list")
def token_list(
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """List the company's API tokens and sessions: id, user, kind, created, expires."""
    db = options.database(database_url)
    try:
        tokens = services.users.list_tokens(db, options.context(db, tenant))
    except DomainError as error:
        raise options.fail(error) from error
    for token in tokens:
        created = token.created_at.isoformat(timespec="seconds")
        expires = token.expires_at.isoformat(timespec="seconds")
        typer.echo(f"{token.id}\t{token.user_name}\t{token.kind}\t{created}\t{expires}")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="The id `token list` shows.")],
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """End an API token or session at once."""
    db = options.database(database_url)
    try:
        token = services.users.revoke_token(db, options.context(db, tenant), token_id)
    except DomainError as error:
        raise options.fail(error) from error
    typer.echo(f"token {token.id} of {token.user_name} revoked")


Host = Annotated[str, typer.Option(envvar="TRACEMES_HOST", help="Address to listen on.")]
Port = Annotated[int, typer.Option(envvar="TRACEMES_PORT", help="Port to listen on.")]


Workers = Annotated[
    int,
    typer.Option(
        envvar="TRACEMES_WORKERS",
        min=1,
        help="Server processes answering on the same port (PostgreSQL, or a SQLite file: "
        "one writes at a time while the others read).",
    ),
]


@app.command()
def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
    workers: Workers = 1,
) -> None:
    """Serve the API and pages."""
    _settings()
    options.database(database_url).dispose()
    _run(host, port, database_url, workers)


def _settings() -> config.Settings:
    """The server's settings from TRACEMES_*; a malformed one ends the command, saying why."""
    try:
        return config.from_environment()
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from error


def _run(host: str, port: int, database_url: str, workers: int = 1) -> None:
    # Each process builds its own app from the environment (uvicorn starts workers by
    # importing the factory), so the options reach it as the settings it reads.
    os.environ["TRACEMES_DATABASE_URL"] = database_url
    uvicorn.run(
        "tracemes.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # A worker that has not answered the supervisor's ping for this long is replaced;
        # uvicorn's 5 s killed workers still importing the app on a busy 2-core machine.
        timeout_worker_healthcheck=30,
        log_level="info",
    )


@app.command()
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Only seed and print the sign-in; do not serve.")
    ] = False,
) -> None:
    """Seed the demo e-bike plant unless it is there already, print the sign-in, then serve."""
    db = options.database(database_url)
    summary = demo_plant.seed(db, options.now())
    if summary is None:
        typer.echo(f"company {demo_plant.TENANT_CODE} is already there; nothing was seeded")
    else:
        typer.echo(
            f"seeded company {summary.tenant_code}: {len(summary.item_codes)} items, "
            f"{len(summary.line_codes)} lines, {len(summary.station_codes)} stations, "
            f"{len(summary.work_order_codes)} work orders, {len(summary.serials)} units"
        )
    password = demo_plant.DEMO_PASSWORD
    others = ", ".join(role.value for role in Role if role is not Role.ADMIN)
    typer.echo(f"open http://{host}:{port}/")
    typer.echo(f"sign in as company {demo_plant.TENANT_CODE}, user admin, password {password}")
    typer.echo(f"other users, same password: {others}")
    if host not in {"127.0.0.1", "localhost", "::1"}:
        typer.echo(
            f"warning: the demo users' password is {password!r} and is published; anyone who "
            f"reaches {host}:{port} can sign in. Keep the demo on a machine of your own.",
            err=True,
        )
    if not no_serve:
        _settings()
        db.dispose()
        _run(host, port, database_url)


WorkbookFile = Annotated[Path, typer.Argument(help="An .xlsx workbook.", dir_okay=False)]


@app.command("import")
def import_workbook(
    file: Annotated[
        Path,
        typer.Argument(
            help="An .xlsx master-data workbook (Items, BOM, Routing... sheets).",
            exists=True,
            dir_okay=False,
        ),
    ],
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Load lines, stations, items, BOMs, routings and inspection plans from a workbook; if any
    row is wrong, load nothing."""
    db = options.database(database_url)
    try:
        summary = services.workbooks.import_master_data(
            db, options.context(db, tenant), file.read_bytes()
        )
    except ImportRejectedError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        if error.more:
            typer.echo(f"... and {error.more} more problems", err=True)
        typer.echo(f"nothing was imported from {file}", err=True)
        raise typer.Exit(code=1) from error
    except DomainError as error:
        raise options.fail(error) from error
    for kind, tally in (
        ("items", summary.items),
        ("BOMs", summary.boms),
        ("routings", summary.routings),
        ("lines", summary.lines),
        ("stations", summary.stations),
        ("inspection plans", summary.inspection_plans),
    ):
        typer.echo(
            f"{kind}: {tally.created} created, {tally.updated} updated, {tally.unchanged} unchanged"
        )


@app.command()
def template(file: WorkbookFile) -> None:
    """Write the empty master-data workbook, headers in Chinese and English, to fill in."""
    file.write_bytes(services.workbooks.template())
    typer.echo(f"template written to {file}")


@app.command()
def export(
    file: WorkbookFile,
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Write the company's master data to a workbook that imports back to the same."""
    db = options.database(database_url)
    try:
        data = services.workbooks.export_master_data(db, options.context(db, tenant))
    except DomainError as error:
        raise options.fail(error) from error
    file.write_bytes(data)
    typer.echo(f"master data written to {file}")


app.add_typer(trace.trace_app, name="trace")
app.add_typer(ledger.ledger_app, name="ledger")
app.add_typer(rollups.rollups_app, name="rollups")
