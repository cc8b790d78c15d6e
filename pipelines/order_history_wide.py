"""Wide order history files, a column per period: the generic wide layout and the M5
competition's sales file (see pipelines.order_history_csv for both layouts).

Every column becomes one order at the location, dated on its period's first day; a row's cells
are that sku's quantities. Empty cells are no observation and zero quantities no demand: both
are skipped.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from erp_core.domain.errors import InvalidInput
from erp_core.services.history import HistoricalLine
from pipelines.order_history_rows import BadCell, Header, Orders, Rows, code, daily_id, quantity

if TYPE_CHECKING:  # order_history_csv imports this module to read these layouts
    from pipelines.order_history_csv import Frequency, HistoryLayout

M5_START = date(2011, 1, 29)
M5_COLUMNS = ("item_id", "store_id", "cat_id")
PERIOD_FORMATS = ("%b-%y", "%b-%Y", "%Y-%m")


class _Period(NamedTuple):
    """A column of a wide file: where it is, its name and the order its cells go to."""

    position: int
    name: str
    order: Header


def read_wide(rows: Rows, header: list[str], layout: HistoryLayout) -> Orders:
    if layout.channel is None or layout.location is None:
        raise InvalidInput("a wide file has no channel or location columns; give both")
    channel, location = layout.channel, layout.location
    days = _period_days(header[1:], layout)
    periods = _periods(header, enumerate(days, start=1), channel, location)
    orders = Orders()
    for line, cells in rows:
        if len(cells) > len(header):
            orders.reject(line, "more cells than columns")
        elif any(cells):
            _add_cells(orders, line, cells[0].strip(), cells, periods)
    return orders


def read_m5(rows: Rows, header: list[str], layout: HistoryLayout) -> Orders:
    if layout.channel is None:
        raise InvalidInput("an m5 file has no channel column; give a channel")
    channel = layout.channel
    sku_at, store_at, category_at = _m5_positions(header)
    days = _m5_days(header, layout.start or M5_START)
    periods_at: dict[str, list[_Period]] = {}
    orders, categories = Orders(), {}
    for line, cells in rows:
        if len(cells) != len(header):
            orders.reject(line, "the row's cells do not match the header")
            continue
        try:
            store = code(cells[store_at].strip(), "store_id")
        except BadCell as error:
            orders.reject(line, str(error))
            continue
        if store not in periods_at:
            periods_at[store] = _periods(header, days.items(), channel, store)
        sku = cells[sku_at].strip()
        categories[sku] = cells[category_at].strip()
        _add_cells(orders, line, sku, cells, periods_at[store])
    orders.categories = {sku: c for sku, c in categories.items() if c}
    return orders


def _m5_positions(header: list[str]) -> tuple[int, int, int]:
    missing = [name for name in M5_COLUMNS if name not in header]
    if missing:
        raise InvalidInput(f"an m5 file has the columns {', '.join(M5_COLUMNS)}", missing=missing)
    sku_at, store_at, category_at = (header.index(name) for name in M5_COLUMNS)
    return sku_at, store_at, category_at


def _m5_days(header: list[str], start: date) -> dict[int, date]:
    """Column position -> day: d_1 is `start`, d_n the (n - 1)th day after it."""
    days = {
        i: start + timedelta(days=int(name[2:]) - 1)
        for i, name in enumerate(header)
        if name.startswith("d_") and name[2:].isdecimal()
    }
    if not days:
        raise InvalidInput("an m5 file has a column per day: d_1, d_2, ...")
    return days


def _periods(
    header: list[str], days: Iterable[tuple[int, date]], channel: str, location: str
) -> list[_Period]:
    """The columns at the positions given, each with the day's order at the location."""
    return [
        _Period(i, header[i], Header(channel, daily_id(day, location, None), day, location, None))
        for i, day in days
    ]


def _add_cells(
    orders: Orders, line: int, sku: str, cells: list[str], periods: list[_Period]
) -> None:
    try:
        sku = code(sku, "sku")
    except BadCell as error:
        orders.reject(line, str(error))
        return
    for period in periods:
        text = cells[period.position].strip() if period.position < len(cells) else ""
        if not text:
            continue  # no observation
        try:
            qty = quantity(text)
        except BadCell as error:
            orders.reject(line, f"{period.name}: {error}")
            continue
        if qty == 0:
            orders.zero_rows += 1
        else:
            orders.add(line, period.order, HistoricalLine(sku, qty, source=line))


# --- periods --------------------------------------------------------------------------------


def _period_days(labels: list[str], layout: HistoryLayout) -> list[date]:
    if layout.start is None and layout.frequency is None:
        try:
            return [_period(label, layout.date_format) for label in labels]
        except BadCell as error:
            raise InvalidInput(f"{error}; give the first period's date and a frequency") from None
    if layout.start is None or layout.frequency is None:
        raise InvalidInput("periods by position need both a start date and a frequency")
    return [_step(layout.start, layout.frequency, n) for n in range(len(labels))]


def _period(label: str, date_format: str | None) -> date:
    """The first day of the period a wide file's column is headed with."""
    try:
        return date.fromisoformat(label)
    except ValueError:
        pass
    for candidate in ((date_format,) if date_format else ()) + PERIOD_FORMATS:
        try:
            return datetime.strptime(label, candidate).date()
        except ValueError:
            continue
    raise BadCell(f"column {label!r} is not a date")


def _step(start: date, frequency: Frequency, periods: int) -> date:
    if frequency == "D":
        return start + timedelta(days=periods)
    if frequency == "W":
        return start + timedelta(weeks=periods)
    year, month = divmod(start.month - 1 + periods, 12)
    year, month = start.year + year, month + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
