"""`keel import` of an order history: its options, the load with a progress bar, the report.

Exit codes: 0 when every row loaded, 3 when the good rows loaded and some were rejected (they
are listed), 1 when the file could not be read at all (nothing loaded).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from api.cli.output import cli_actor, console
from api.composition import database
from erp_core.domain.errors import InvalidInput
from erp_core.services.history import HistoryReport, load_history
from pipelines.order_history_csv import (
    FORMATS,
    FREQUENCIES,
    Frequency,
    HistoryFile,
    HistoryFormat,
    HistoryLayout,
    parse_column_map,
    read_history,
)

SOME_REJECTED = 3
PROBLEMS_SHOWN = 20

FormatOption = Annotated[
    str | None,
    typer.Option("--format", help="order history: long, m5 or wide (default: from the header)"),
]
MapOption = Annotated[
    str | None,
    typer.Option("--map", help="order history columns, ours=theirs: sku=Part,date=Day"),
]
ChannelOption = Annotated[
    str | None, typer.Option(help="order history: channel of rows without one")
]
LocationOption = Annotated[
    str | None, typer.Option(help="order history: location of rows without one")
]
StartOption = Annotated[
    str | None, typer.Option(help="order history: date of the first period (wide, m5)")
]
FreqOption = Annotated[str | None, typer.Option(help="order history: periods of D, W or M")]
DateFormatOption = Annotated[
    str | None, typer.Option(help="order history: date format, e.g. %d/%m/%Y")
]
CreateMissingOption = Annotated[
    bool,
    typer.Option(
        "--create-missing", help="order history: create unknown items, locations and channels"
    ),
]


@dataclass(frozen=True)
class OrderImportOptions:
    format: str | None = None
    column_map: str | None = None
    channel: str | None = None
    location: str | None = None
    start: str | None = None
    freq: str | None = None
    date_format: str | None = None
    create_missing: bool = False


def history_format(
    path: Path, kind: str | None, options: OrderImportOptions
) -> HistoryFormat | None:
    """The order history layout the file is read with, or None for an items or stock file:
    --format or --map say so, or a header with date and quantity (long) or M5's columns."""
    if options.format is not None or options.column_map is not None:
        if kind is not None:
            raise InvalidInput("--kind is for items and stock; an order history takes --format")
        if (options.format or "long") not in FORMATS:
            raise InvalidInput(
                f"unknown format {options.format!r}; use one of {', '.join(FORMATS)}"
            )
        return cast(HistoryFormat, options.format or "long")
    if kind is not None:
        return None
    header = _header(path)
    if {"item_id", "store_id", "d_1"} <= header:
        return "m5"
    if "date" in header and header & {"quantity", "qty"}:
        return "long"
    return None


def import_order_history(
    path: Path, layout_format: HistoryFormat, options: OrderImportOptions
) -> None:
    history = read_history(path, _layout(layout_format, options))
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("loading orders", total=len(history.orders))
        report = load_history(
            database(),
            cli_actor(),
            history.orders,
            history.rejected,
            lambda orders: bar.advance(task, orders),
            options.create_missing,
            history.categories,
        )
    _show(report, history)
    if report.rejected:
        raise typer.Exit(SOME_REJECTED)


def _layout(layout_format: HistoryFormat, options: OrderImportOptions) -> HistoryLayout:
    if options.freq is not None and options.freq not in FREQUENCIES:
        raise InvalidInput(f"unknown frequency {options.freq!r}; use D, W or M")
    try:
        start = date.fromisoformat(options.start) if options.start else None
    except ValueError:
        raise InvalidInput(f"start {options.start!r} is not a date like 2024-01-31") from None
    return HistoryLayout(
        format=layout_format,
        columns=parse_column_map(options.column_map or ""),
        channel=options.channel,
        location=options.location,
        start=start,
        frequency=cast(Frequency | None, options.freq),
        date_format=options.date_format,
    )


def _header(path: Path) -> set[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return {name.strip().lower() for name in next(csv.reader(stream), [])}
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"the file cannot be read: {error}") from None


def _show(report: HistoryReport, history: HistoryFile) -> None:
    console.print(
        f"[green]loaded[/green] {report.orders} orders, {report.lines} lines, {report.units} units"
    )
    created = {"items": report.items_created, "locations": report.locations_created}
    created["channels"] = report.channels_created
    if any(created.values()):
        console.print("created " + ", ".join(f"{n} {what}" for what, n in created.items()))
    if history.zero_rows:
        console.print(f"zero-quantity rows skipped: {history.zero_rows}")
    if not report.rejected:
        return
    console.print(f"[yellow]{len(report.rejected)} rejected[/yellow] (line: reason):")
    for problem in report.rejected[:PROBLEMS_SHOWN]:
        console.print(f"  line {problem.line}: {escape(problem.reason)}", soft_wrap=True)
    if len(report.rejected) > PROBLEMS_SHOWN:
        console.print(f"  and {len(report.rejected) - PROBLEMS_SHOWN} more")
