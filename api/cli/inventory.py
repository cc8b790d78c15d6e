"""`keel inventory ...`: stock positions and the ledger from the terminal."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.output import console, reports_errors, show_table
from api.composition import database
from erp_core.domain.stock import StockStatus
from erp_core.queries.inventory import inventory_positions, ledger_page
from erp_core.queries.ledger_check import ledger_discrepancies

app = typer.Typer(help="Stock positions and the ledger.", no_args_is_help=True)


@app.command("show")
@reports_errors
def show(
    sku: Annotated[str | None, typer.Option()] = None,
    location: Annotated[str | None, typer.Option()] = None,
    limit: int = 50,
    cursor: str | None = None,
) -> None:
    """Every status bucket per item and location."""
    page = inventory_positions(database(), sku, location, cursor, limit)
    show_table(
        "inventory",
        page.data,
        ["sku", "location", *[s.value for s in StockStatus], "available_to_sell"],
    )
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}")


@app.command("moves")
@reports_errors
def moves(
    sku: str,
    location: Annotated[str | None, typer.Option()] = None,
    limit: int = 50,
    cursor: str | None = None,
) -> None:
    """The ledger of one item, oldest first."""
    page = ledger_page(database(), sku, location, cursor, limit)
    show_table(
        f"moves of {sku}",
        page.data,
        [
            "id",
            "created_at",
            "location",
            "from_status",
            "to_status",
            "qty",
            "reason",
            "reference",
            "actor",
        ],
    )
    if page.next_cursor:
        console.print(f"more: --cursor {page.next_cursor}")


@app.command("verify")
def verify() -> None:
    """Check that every balance equals the sum of its moves; exit 1 listing any that do not."""
    wrong = ledger_discrepancies(database())
    if not wrong:
        console.print("[green]ledger consistent[/green]: every balance equals its moves")
        return
    show_table(
        "balances that differ from the ledger",
        wrong,
        ["item_id", "location_id", "status", "balance", "ledger"],
    )
    raise typer.Exit(1)
