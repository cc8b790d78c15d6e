"""`keel finance trial-balance|close|tax`: the books from the command line."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from api.cli.output import cli_actor, console, reports_errors, show_table
from api.composition import database
from erp_core.domain.errors import InvalidInput
from erp_core.queries.books import trial_balance
from erp_core.queries.tax import tax_report
from erp_core.services.books import close_period

app = typer.Typer(help="Trial balance, period close and tax.", no_args_is_help=True)


@app.command("trial-balance")
@reports_errors
def show_trial_balance(
    as_of: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD: entries to the end of that day")
    ] = None,
) -> None:
    """Each account's balance, and whether the books balance."""
    day = _day(as_of) if as_of else None
    balance = database().read(lambda s: trial_balance(s, day))
    show_table(
        f"Trial balance{f' at {day}' if day else ''}",
        balance["accounts"],
        ["account", "name", "debit", "credit"],
    )
    console.print(
        f"debits {balance['total_debit']}, credits {balance['total_credit']}, "
        f"difference {balance['difference']}"
    )


@app.command("close")
@reports_errors
def close(period: Annotated[str, typer.Argument(help="YYYY-MM")]) -> None:
    """Close an ended month: nothing posts into it again."""
    closed = close_period(database(), cli_actor(), period)
    console.print(f"period {closed['period']} closed by {closed['closed_by']}")


@app.command("tax")
@reports_errors
def tax(
    start: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    end: Annotated[str, typer.Option(help="YYYY-MM-DD")],
) -> None:
    """Tax invoiced, credited and due per jurisdiction."""
    first, last = _day(start), _day(end)
    if last < first:
        raise InvalidInput("--end comes before --start")
    report = database().read(lambda s: tax_report(s, first, last))
    columns = ["jurisdiction", "taxable", "tax_invoiced", "tax_credited", "tax_due"]
    show_table(f"Tax {first} to {last}", report["jurisdictions"], columns)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date: write YYYY-MM-DD") from None
