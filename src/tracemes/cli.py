"""The `tracemes` command: set up the database, manage tenants and users, serve, demo."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.engine import Engine

from tracemes import config, services
from tracemes.app import create_app
from tracemes.domain.errors import DomainError, ImportRejectedError
from tracemes.domain.trace import Edge, Node
from tracemes.domain.users import Role
from tracemes.services.context import Context
from tracemes.services.trace import WhereUsed
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


Host = Annotated[str, typer.Option(envvar="TRACEMES_HOST", help="Address to listen on.")]
Port = Annotated[int, typer.Option(envvar="TRACEMES_PORT", help="Port to listen on.")]


@app.command()
def serve(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Serve the API and pages."""
    uvicorn.run(create_app(_database(database_url)), host=host, port=port, log_level="info")


@app.command()
def demo(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Only seed and print the sign-in; do not serve.")
    ] = False,
) -> None:
    """Seed the demo e-bike plant unless it is there already, print the sign-in, then serve."""
    db = _database(database_url)
    summary = services.demo.seed(db, _now())
    if summary is None:
        typer.echo(f"company {services.demo.TENANT_CODE} is already there; nothing was seeded")
    else:
        typer.echo(
            f"seeded company {summary.tenant_code}: {len(summary.item_codes)} items, "
            f"{len(summary.line_codes)} lines, {len(summary.station_codes)} stations, "
            f"{len(summary.work_order_codes)} work orders, {len(summary.serials)} units"
        )
    password = services.demo.DEMO_PASSWORD
    others = ", ".join(role.value for role in Role if role is not Role.ADMIN)
    typer.echo(f"open http://{host}:{port}/")
    typer.echo(f"sign in as company {services.demo.TENANT_CODE}, user admin, password {password}")
    typer.echo(f"other users, same password: {others}")
    if not no_serve:
        uvicorn.run(create_app(db), host=host, port=port, log_level="info")


WorkbookFile = Annotated[Path, typer.Argument(help="An .xlsx workbook.", dir_okay=False)]


@app.command("import")
def import_workbook(
    file: Annotated[
        Path,
        typer.Argument(
            help="An .xlsx workbook with Items, BOM and Routing sheets.",
            exists=True,
            dir_okay=False,
        ),
    ],
    tenant: TenantCode,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Load items, BOMs and routings from a workbook; if any row is wrong, load nothing."""
    db = _database(database_url)
    try:
        summary = services.workbooks.import_master_data(db, _context(db, tenant), file.read_bytes())
    except ImportRejectedError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"nothing was imported from {file}", err=True)
        raise typer.Exit(code=1) from error
    except DomainError as error:
        raise _fail(error) from error
    for kind, tally in (
        ("items", summary.items),
        ("BOMs", summary.boms),
        ("routings", summary.routings),
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
    tenant: TenantCode,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Write the company's items, BOMs and routings to a workbook that imports back."""
    db = _database(database_url)
    try:
        data = services.workbooks.export_master_data(db, _context(db, tenant))
    except DomainError as error:
        raise _fail(error) from error
    file.write_bytes(data)
    typer.echo(f"master data written to {file}")


trace_app = typer.Typer(
    help="Backward and forward trace: what is in a unit, where a lot or part went.",
    no_args_is_help=True,
)
app.add_typer(trace_app, name="trace")


class RecallFormat(StrEnum):
    """How a forward trace is written: lines to read, or a recall list (CSV or Excel)."""

    TEXT = "text"
    CSV = "csv"
    XLSX = "xlsx"


RecallFormatOption = Annotated[
    RecallFormat,
    typer.Option("--format", help="text to read; csv or xlsx for the recall list."),
]
OutputFile = Annotated[
    Path | None,
    typer.Option("--output", dir_okay=False, help="Write here instead of stdout (xlsx needs it)."),
]


def _time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _joined(*facts: tuple[str, str | None]) -> str:
    return "  ".join(f"{label} {value}".strip() for label, value in facts if value)


def _part_line(edge: Edge) -> str:
    what = edge.serial or f"lot {edge.lot} x {_amount(edge.quantity)}"
    return _joined(
        ("", edge.item_code),
        ("", what),
        ("supplier", edge.supplier),
        ("operation", edge.operation),
        ("station", edge.station),
        ("operator", edge.operator),
        ("", _time(edge.bound_at)),
    )


def _echo_parts(nodes: Sequence[Node], depth: int) -> None:
    for node in nodes:
        typer.echo("  " * depth + _part_line(node.edge))
        _echo_parts(node.children, depth + 1)


@trace_app.command("unit")
def trace_unit(
    serial: Annotated[str, typer.Argument(help="The unit's serial.")],
    tenant: TenantCode,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print a unit, its tree of parts to any depth, and the steps it went through."""
    db = _database(database_url)
    try:
        found = services.trace.backward(db, _context(db, tenant), serial)
    except DomainError as error:
        raise _fail(error) from error
    unit = found.unit
    typer.echo(_joined(("", unit.serial), ("", unit.item_code), ("", unit.item_name)))
    shipped = f"{unit.customer} {_time(unit.shipped_at)}" if unit.customer else None
    typer.echo(
        "  "
        + _joined(
            ("status", unit.status.value),
            ("operation", unit.operation),
            ("work order", unit.work_order),
            ("supplier", unit.supplier),
            ("", "ON HOLD" if unit.on_hold else None),
            ("shipped to", shipped),
        )
    )
    typer.echo("parts:" if found.parts else "parts: none")
    _echo_parts(found.parts, 1)
    typer.echo("step runs:" if found.step_runs else "step runs: none")
    for run in found.step_runs:
        typer.echo(
            "  "
            + _joined(
                ("", run.serial),
                ("", run.operation),
                ("", run.result or "running"),
                ("station", run.station),
                ("operator", run.operator),
                ("", f"{_time(run.started_at)} - {_time(run.completed_at)}".strip(" -")),
                ("defects", ", ".join(run.defects)),
            )
        )


@trace_app.command("history")
def trace_history(
    serial: Annotated[str, typer.Argument(help="The unit's serial.")],
    tenant: TenantCode,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print every event about a unit in the order it happened, parts unbound since included."""
    db = _database(database_url)
    try:
        events = services.trace.history(db, _context(db, tenant), serial)
    except DomainError as error:
        raise _fail(error) from error
    for event in events:
        payload = json.dumps(event.payload, ensure_ascii=False, sort_keys=True)
        typer.echo(
            _joined(
                ("", _time(event.occurred_at)),
                ("", event.type),
                ("", event.subject),
                ("station", event.station),
                ("", payload),
            )
        )


def _where_used_lines(found: WhereUsed) -> list[str]:
    finished = found.finished
    counts = "  ".join(f"{where.value} {n}" for where, n in found.counts().items())
    inside = len(found.units) - len(finished)
    heading = f"{found.origin}: {len(finished)} finished unit{'' if len(finished) == 1 else 's'}"
    if inside:
        heading += f" ({inside} sub-assembl{'y' if inside == 1 else 'ies'} in between)"
    lines = [heading, counts]
    lines += [
        "\t".join(
            (
                affected.unit.serial,
                affected.unit.item_code,
                affected.location.value,
                affected.unit.status.value + (" on hold" if affected.unit.on_hold else ""),
                affected.unit.customer or "",
            )
        )
        for affected in sorted(finished, key=lambda a: a.unit.serial)
    ]
    return lines


def _write_where_used(found: WhereUsed, output_format: RecallFormat, output: Path | None) -> None:
    if output_format is RecallFormat.TEXT:
        text = "\n".join(_where_used_lines(found)) + "\n"
        if output is None:
            typer.echo(text, nl=False)
            return
        data = text.encode("utf-8")
    elif output_format is RecallFormat.CSV:
        data = services.recall_lists.to_csv(found)
        if output is None:
            typer.echo(data, nl=False)
            return
    else:
        if output is None:
            typer.echo("error: an Excel recall list needs --output FILE", err=True)
            raise typer.Exit(code=1)
        data = services.recall_lists.to_xlsx(found)
    output.write_bytes(data)
    typer.echo(f"{found.origin}: {len(found.units)} units written to {output}")


@trace_app.command("lot")
def trace_lot(
    item: Annotated[str, typer.Argument(help="The lot's item code.")],
    lot: Annotated[str, typer.Argument(help="The lot number.")],
    tenant: TenantCode,
    output_format: RecallFormatOption = RecallFormat.TEXT,
    output: OutputFile = None,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print where a lot went: finished units by where they are now, or the recall list."""
    db = _database(database_url)
    try:
        found = services.trace.where_used_lot(db, _context(db, tenant), item, lot)
    except DomainError as error:
        raise _fail(error) from error
    _write_where_used(found, output_format, output)


@trace_app.command("serial")
def trace_serial(
    serial: Annotated[str, typer.Argument(help="The serialised part's serial.")],
    tenant: TenantCode,
    output_format: RecallFormatOption = RecallFormat.TEXT,
    output: OutputFile = None,
    database_url: DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print where a serialised part went: the units above it, up to the finished one."""
    db = _database(database_url)
    try:
        found = services.trace.where_used_serial(db, _context(db, tenant), serial)
    except DomainError as error:
        raise _fail(error) from error
    _write_where_used(found, output_format, output)
