"""`keel settle import|exceptions|resolve`: marketplace settlement files and their exceptions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.output import cli_actor, console, reports_errors, show_table
from api.composition import database
from erp_core.domain.errors import InvalidInput
from erp_core.domain.settlements import ExceptionKind, ExceptionStatus
from erp_core.queries.settlements import exception_page
from erp_core.services.settlements import import_settlement, resolve_exception

app = typer.Typer(help="Marketplace settlements and their exceptions.", no_args_is_help=True)
EXCEPTIONS_OPENED = 3
COLUMNS = ["id", "settlement", "line", "type", "order_ref", "kind"]


@app.command("import")
@reports_errors
def import_file(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import a settlement file: matched rows post to cash, the others open exceptions.
    Exit 0 when every row matched, 3 when some opened exceptions, 1 when the file was refused
    (nothing written). The same file again changes nothing and reports the same."""
    imported = import_settlement(database(), cli_actor(), path.read_text(encoding="utf-8-sig"))
    found = imported.settlement
    state = "imported" if imported.created else "already imported, unchanged:"
    console.print(
        f"[green]{state}[/green] settlement {found['settlement_id']} of {found['channel']} "
        f"(id {found['id']}): {found['row_count']} rows, payout {found['payout']}, "
        f"{found['matched_count']} matched ({found['matched_payout']} to cash), "
        f"{found['exception_count']} exceptions"
    )
    for kind, count in sorted(found["exceptions_by_kind"].items()):
        console.print(f"  {kind}: {count}")
    if found["exception_count"]:
        raise typer.Exit(EXCEPTIONS_OPENED)


@app.command("exceptions")
@reports_errors
def exceptions(
    status: Annotated[
        ExceptionStatus | None, typer.Option(help="open (default), accepted, dismissed")
    ] = ExceptionStatus.OPEN,
    kind: Annotated[ExceptionKind | None, typer.Option(help="one kind only")] = None,
    channel: Annotated[str | None, typer.Option(help="one marketplace's code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """The oldest settlement exceptions: what was expected and what the marketplace paid."""
    page = database().read(lambda s: exception_page(s, status, kind, channel, None, None, limit))
    rows = [
        {**x, "settlement": f"{x['channel']} {x['marketplace_settlement_id']}"} for x in page.data
    ]
    shown = ["expected", "actual"] if status == ExceptionStatus.OPEN else ["resolved_by", "reason"]
    show_table("Settlement exceptions", rows, [*COLUMNS, *shown])


@app.command("resolve")
@reports_errors
def resolve(
    exception_id: int,
    reason: Annotated[str, typer.Option(help="why; kept with the exception")],
    accept: Annotated[
        bool, typer.Option("--accept/--dismiss", help="post the row as paid, or post nothing")
    ],
) -> None:
    """Accept an exception (post the row as paid, the difference to
    marketplace_adjustments) or dismiss it (post nothing)."""
    if not reason.strip():
        raise InvalidInput("a resolution needs a reason")
    done = resolve_exception(database(), cli_actor(), exception_id, accept, reason)
    console.print(f"[green]exception {exception_id} {done['status']}[/green]")
