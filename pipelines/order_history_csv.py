"""Order and daily-demand history files read into HistoricalOrder values for load_history.

Layouts:
- long (default): a header with sku, date and quantity (or qty), and optionally location,
  channel, price (per unit), order_id and customer; other columns are ignored. A column map
  (our name -> the file's) renames the file's columns: {"sku": "Part", "date": "Day"}.
- m5: the M5 competition's wide sales file (id, item_id, dept_id, cat_id, store_id, state_id,
  d_1 ... d_N); d_1 is 2011-01-29 unless a start is given; sku = item_id, location =
  store_id, and cat_id is the category of items created for it.
- wide: the sku in the first column, then one column per period, headed by its date
  (2024-01-31, 2024-01, Jan-98) or, with a start and a frequency (D, W, M), by any label read
  in column order.

Rows with an order_id make one order per (channel, order_id). Other rows are daily demand: one
order per (date, channel, location), one line per sku, numbered H<yyyymmdd>-<location>. An
order is dated at noon UTC on its day. Empty cells of wide files are no observation and zero
quantities no demand: both are skipped. A sku twice in one order, a bad date, quantity or
price reject the row (cell, for wide files) with the reason; a problem with the file itself
(missing columns, unreadable) raises InvalidInput and nothing is read.

The file is streamed row by row, but the orders are held in memory until loaded: history
grouped by day needs every row of a day, which may be anywhere in the file.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from erp_core.domain.errors import InvalidInput
from erp_core.services.history import HistoricalLine, HistoricalOrder
from erp_core.services.imports import RowProblem
from pipelines.order_history_rows import (
    BadCell,
    Header,
    Orders,
    Rows,
    code,
    daily_id,
    day,
    price,
    quantity,
)
from pipelines.order_history_wide import read_m5, read_wide

HistoryFormat = Literal["long", "m5", "wide"]
Frequency = Literal["D", "W", "M"]
FORMATS: tuple[HistoryFormat, ...] = ("long", "m5", "wide")
FREQUENCIES: tuple[Frequency, ...] = ("D", "W", "M")
LONG_COLUMNS = ("sku", "date", "quantity", "location", "channel", "price", "order_id", "customer")
ALIASES = {"qty": "quantity"}
ORDER_ID_LENGTH = 100


@dataclass(frozen=True)
class HistoryLayout:
    """How to read a history file; channel and location are the defaults for rows without."""

    format: HistoryFormat = "long"
    columns: Mapping[str, str] = field(default_factory=dict)
    channel: str | None = None
    location: str | None = None
    start: date | None = None
    frequency: Frequency | None = None
    date_format: str | None = None


@dataclass
class HistoryFile:
    orders: list[HistoricalOrder]
    rejected: list[RowProblem]
    zero_rows: int
    categories: dict[str, str]  # sku -> category, for items created on load


def read_history(path: Path, layout: HistoryLayout) -> HistoryFile:
    """Every order in the file and every row that could not be read, with the reason."""
    reader_for = {"long": _read_long, "m5": read_m5, "wide": read_wide}[layout.format]
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream)
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise InvalidInput("the file is empty or has no header line")
            grouped = reader_for(((reader.line_num, cells) for cells in reader), header, layout)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"the file cannot be read: {error}", path=str(path)) from None
    orders = grouped.orders()  # first: it rejects the rows of skus twice in one order
    rejected = sorted(grouped.rejected, key=lambda problem: problem.line)
    return HistoryFile(orders, rejected, grouped.zero_rows, grouped.categories)


def parse_column_map(text: str) -> dict[str, str]:
    """`sku=Part,date=Day` as {"sku": "Part", "date": "Day"}: our column names on the left."""
    pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise InvalidInput(f"a column map is ours=theirs,...; got {text!r}")
    mapping = {ALIASES.get(ours.strip(), ours.strip()): theirs.strip() for ours, theirs in pairs}
    unknown = sorted(set(mapping) - set(LONG_COLUMNS))
    if unknown:
        raise InvalidInput(
            f"unknown columns in the map: {', '.join(unknown)}", allowed=list(LONG_COLUMNS)
        )
    return mapping


# --- long files ---------------------------------------------------------------------------


def _read_long(rows: Rows, header: list[str], layout: HistoryLayout) -> Orders:
    position = _long_columns(header, layout.columns)
    for name in ("channel", "location"):
        if name not in position and getattr(layout, name) is None:
            raise InvalidInput(f"the file has no {name} column and no default {name} was given")
    orders = Orders()
    for line, cells in rows:
        if len(cells) > len(header):
            orders.reject(line, "more cells than columns")
        elif any(cells):
            values = {name: cells[i].strip() for name, i in position.items() if i < len(cells)}
            try:
                _add_long_row(orders, line, values, layout)
            except BadCell as error:
                orders.reject(line, str(error))
    return orders


def _long_columns(header: list[str], columns: Mapping[str, str]) -> dict[str, int]:
    """Our column name -> its position in the file."""
    ours_of = {theirs: ours for ours, theirs in columns.items()}
    absent = sorted(set(ours_of) - set(header))
    if absent:
        raise InvalidInput(f"the column map names columns the file lacks: {', '.join(absent)}")
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        ours = ours_of.get(name) or ALIASES.get(name.lower(), name.lower())
        if ours in LONG_COLUMNS:
            position.setdefault(ours, i)
    missing = [name for name in ("sku", "date", "quantity") if name not in position]
    if missing:
        raise InvalidInput(
            f"missing columns: {', '.join(missing)}; the file has {', '.join(header)} "
            "(map yours onto ours: sku=Part,date=Day,quantity=Units)",
            missing=missing,
        )
    return position


def _add_long_row(orders: Orders, line: int, values: dict[str, str], layout: HistoryLayout) -> None:
    qty = quantity(values.get("quantity", ""))
    if qty == 0:
        orders.zero_rows += 1
        return
    sku = code(values.get("sku", ""), "sku")
    ordered_on = day(values.get("date", ""), layout.date_format)
    unit_price = price(values.get("price", ""))
    channel = code(values.get("channel") or layout.channel or "", "channel")
    location = code(values.get("location") or layout.location or "", "location")
    customer = code(values["customer"], "customer") if values.get("customer") else None
    external_id = values.get("order_id") or daily_id(ordered_on, location, customer)
    if len(external_id) > ORDER_ID_LENGTH:
        raise BadCell(f"order id {external_id[:20]}... is longer than {ORDER_ID_LENGTH} characters")
    header = Header(channel, external_id, ordered_on, location, customer)
    orders.add(line, header, HistoricalLine(sku, qty, unit_price, source=line))
