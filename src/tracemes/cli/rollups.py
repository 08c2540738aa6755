"""`tracemes rollups`: count the boards' hourly figures again from the event ledger."""

import typer

from tracemes import config, services
from tracemes.cli import options
from tracemes.cli.ledger import SomeTenant, tenants_of

rollups_app = typer.Typer(
    help="The hourly counts the boards read, kept up by the floor; rebuilt from the ledger.",
    no_args_is_help=True,
)


@rollups_app.command("rebuild")
def rebuild(
    tenant: SomeTenant = None,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Replace each tenant's rollups by a count of its ledger, one transaction a tenant."""
    db = options.database(database_url)
    for each in tenants_of(db, tenant):
        rebuilt = services.rollups.rebuild(db, each.id)
        typer.echo(f"{each.code}: {rebuilt.events} events counted, {rebuilt.rows} rollup rows")
