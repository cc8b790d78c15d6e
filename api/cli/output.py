"""How the CLI talks to people: rich tables, clear errors, non-zero exits."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from erp_core.domain.errors import DomainError

console = Console()
errors = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"[:100]


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Business and input errors become a red message and exit code 1, never a traceback."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            errors.print(f"[red]error[/red] [bold]{error.code}[/bold]: {error.message}")
            for problem in error.details.get("rejected", []):
                errors.print(f"  line {problem['line']}: {problem['reason']}")
            raise typer.Exit(1) from None
        except ValidationError as error:
            for problem in error.errors():
                field = ".".join(map(str, problem["loc"])) or "input"
                errors.print(f"[red]error[/red] {field}: {problem['msg']}")
            raise typer.Exit(1) from None

    return run


def show_table(title: str, rows: Iterable[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def progress_bar() -> Progress:
    """A bar for long jobs: the step it is on, how far, and the time so far."""
    columns = (TextColumn("{task.description:<24}"), BarColumn(), TaskProgressColumn())
    return Progress(*columns, TimeElapsedColumn(), console=console)


def figure(value: float | None) -> str:
    """A measured figure to three places, or a dash when it was not measured."""
    return "-" if value is None else f"{value:.3f}"
