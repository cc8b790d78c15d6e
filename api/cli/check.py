"""`keel check`: the invariants of DESIGN.md on the database in KEEL_DATABASE_URL."""

from __future__ import annotations

import typer
from rich.table import Table

from api.cli.output import console, errors
from api.composition import database
from erp_core.queries.integrity import CheckResult, check_integrity


def check() -> None:
    """Check the ledger, reservation, receipt, journal and shipment invariants; exit 1 on any
    violation, listing a few offending rows of each broken rule."""
    results = check_integrity(database())
    console.print(_summary(results))
    broken = [result for result in results if not result.passed]
    for result in broken:
        errors.print(f"[red]{result.name}[/red]: {result.violations} violations, for example:")
        for example in result.examples:
            errors.print(f"  {example}")
    if broken:
        raise typer.Exit(1)
    console.print("[green]all invariants hold[/green]")


def _summary(results: list[CheckResult]) -> Table:
    table = Table(title="Keel invariants")
    for column in ("check", "rule", "violations"):
        table.add_column(column)
    for result in results:
        mark = "[green]0[/green]" if result.passed else f"[red]{result.violations}[/red]"
        table.add_row(result.name, result.rule, mark)
    return table
