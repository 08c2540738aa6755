"""`tracemes ledger`: check the hash chain that seals the event ledger, and show its head."""

from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from tracemes import config, services
from tracemes.cli import options
from tracemes.domain.errors import DomainError
from tracemes.domain.tenants import Tenant

ledger_app = typer.Typer(
    help="The event ledger's hash chain: find edits, deletions and reordering.",
    no_args_is_help=True,
)

SomeTenant = Annotated[
    str | None, typer.Option("--tenant", help="One enterprise's code (default: every one).")
]


@ledger_app.command("verify")
def verify(
    tenant: SomeTenant = None,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Walk each tenant's chain from its first event; exit 1 at the first broken link."""
    db = options.database(database_url)
    broken = False
    for each in tenants_of(db, tenant):
        verdict = services.ledger.verify(db, each.id)
        if verdict.broken is None:
            typer.echo(f"{each.code}: OK, {verdict.checked} events, head {verdict.head.hash}")
        else:
            broken = True
            typer.echo(
                f"{each.code}: BROKEN ({verdict.broken.damage}) after {verdict.checked} good "
                f"events: {verdict.broken.message}"
            )
    if broken:
        raise typer.Exit(code=1)


@ledger_app.command("head")
def head(
    tenant: SomeTenant = None,
    at: Annotated[
        int | None,
        typer.Option("--at", help="The link at this position, to compare with a kept head."),
    ] = None,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print each tenant's last link (events chained, last hash) to keep somewhere else."""
    db = options.database(database_url)
    for each in tenants_of(db, tenant):
        try:
            last = services.ledger.head(db, each.id, at)
        except DomainError as error:
            raise options.fail(error) from error
        typer.echo(f"{each.code}\t{last.position}\t{last.hash}")


def tenants_of(db: Engine, code: str | None) -> list[Tenant]:
    """The enterprise named, or every one."""
    if code is None:
        return services.tenants.list_all(db)
    try:
        return [services.tenants.get(db, code)]
    except DomainError as error:
        raise options.fail(error) from error
