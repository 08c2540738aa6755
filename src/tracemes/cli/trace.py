"""`tracemes trace`: backward and forward trace from the command line."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tracemes import config, services
from tracemes.cli import options
from tracemes.domain.errors import DomainError
from tracemes.domain.trace import Edge, Node
from tracemes.services.trace import WhereUsed

trace_app = typer.Typer(
    help="Backward and forward trace: what is in a unit, where a lot or part went.",
    no_args_is_help=True,
)


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
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print a unit, its tree of parts to any depth, and the steps it went through."""
    db = options.database(database_url)
    try:
        found = services.trace.backward(db, options.context(db, tenant), serial)
    except DomainError as error:
        raise options.fail(error) from error
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
    tenant: options.TenantCode,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print every event about a unit in the order it happened, parts unbound since included."""
    db = options.database(database_url)
    try:
        events = services.trace.history(db, options.context(db, tenant), serial)
    except DomainError as error:
        raise options.fail(error) from error
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
    tenant: options.TenantCode,
    output_format: RecallFormatOption = RecallFormat.TEXT,
    output: OutputFile = None,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print where a lot went: finished units by where they are now, or the recall list."""
    db = options.database(database_url)
    try:
        found = services.trace.where_used_lot(db, options.context(db, tenant), item, lot)
    except DomainError as error:
        raise options.fail(error) from error
    _write_where_used(found, output_format, output)


@trace_app.command("serial")
def trace_serial(
    serial: Annotated[str, typer.Argument(help="The serialised part's serial.")],
    tenant: options.TenantCode,
    output_format: RecallFormatOption = RecallFormat.TEXT,
    output: OutputFile = None,
    database_url: options.DatabaseUrl = config.DEFAULT_DATABASE_URL,
) -> None:
    """Print where a serialised part went: the units above it, up to the finished one."""
    db = options.database(database_url)
    try:
        found = services.trace.where_used_serial(db, options.context(db, tenant), serial)
    except DomainError as error:
        raise options.fail(error) from error
    _write_where_used(found, output_format, output)
