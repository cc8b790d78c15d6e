"""Rows of an order history file, whatever its layout: cells read into values (a bad one
rejects its row with the reason) and demand records grouped into orders as they are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from erp_core.services.history import HistoricalLine, HistoricalOrder
from erp_core.services.imports import RowProblem

NOON = time(12, tzinfo=UTC)
CODE_LENGTH = 64
Rows = Iterator[tuple[int, list[str]]]  # (file line, cells)


class BadCell(ValueError):
    """A value that rejects its row, with the reason in words."""


class Header(NamedTuple):
    channel: str
    external_id: str
    day: date
    location: str
    customer: str | None


@dataclass
class _Order:
    header: Header
    first_line: int
    lines: dict[str, HistoricalLine] = field(default_factory=dict)
    repeated: dict[str, list[int]] = field(default_factory=dict)  # sku -> its later lines


class Orders:
    """Demand records grouped into orders as they are read."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], _Order] = {}
        self.rejected: list[RowProblem] = []
        self.zero_rows = 0
        self.categories: dict[str, str] = {}  # sku -> category, for items created on load

    def add(self, line: int, header: Header, item: HistoricalLine) -> None:
        order = self.groups.get(header[:2])
        if order is None:
            order = self.groups[header[:2]] = _Order(header, line)
        elif order.header != header:
            self.reject(line, _disagreement(order, header))
            return
        if item.sku in order.lines:
            order.repeated.setdefault(item.sku, []).append(line)
        else:
            order.lines[item.sku] = item

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(RowProblem(line, reason))

    def orders(self) -> list[HistoricalOrder]:
        """The orders by date; skus that came twice in an order join the rejected rows."""
        orders = [order for group in self.groups.values() if (order := self._order(group))]
        orders.sort(key=lambda order: (order.ordered_at, order.channel, order.external_id))
        return orders

    def _order(self, group: _Order) -> HistoricalOrder | None:
        """The order, without skus that came twice: which copy is right is not known."""
        header = group.header
        for sku, later in group.repeated.items():
            where = [group.lines.pop(sku).source or 0, *later]
            reason = f"{sku} is twice in order {header.external_id} (lines {_and(where)})"
            self.rejected.extend(RowProblem(line, reason) for line in where)
        lines = tuple(group.lines.values())
        if not lines:
            return None
        ordered_at = datetime.combine(header.day, NOON)
        return HistoricalOrder(
            header.channel, header.external_id, ordered_at, header.location, lines, header.customer
        )


def quantity(text: str) -> int:
    if text.isdecimal():
        return int(text)
    if not text:
        raise BadCell("quantity is missing")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadCell(f"quantity {text!r} is not a number") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise BadCell(f"quantity {text} is not a whole number")
    if value < 0:
        raise BadCell(f"quantity {text} is negative")
    return int(value)


def price(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadCell(f"price {text!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise BadCell(f"price {text} is not a price (negative or not finite)")
    return value


def code(text: str, what: str) -> str:
    if not text:
        raise BadCell(f"{what} is missing")
    if len(text) > CODE_LENGTH:
        raise BadCell(f"{what} {text[:20]}... is longer than {CODE_LENGTH} characters")
    return text


def day(text: str, date_format: str | None) -> date:
    if not text:
        raise BadCell("date is missing")
    try:
        if date_format:
            return datetime.strptime(text, date_format).date()
        return date.fromisoformat(text)
    except ValueError:
        raise BadCell(f"date {text!r} is not a date like {date_format or '2024-01-31'}") from None


def daily_id(day: date, location: str, customer: str | None) -> str:
    base = f"H{day:%Y%m%d}-{location}"
    return f"{base}-{customer}" if customer else base


def _disagreement(order: _Order, header: Header) -> str:
    for field_name, said in (("date", "day"), ("location", "location"), ("customer", "customer")):
        before, now = getattr(order.header, said), getattr(header, said)
        if before != now:
            return (
                f"order {header.external_id} has {field_name} {now} here "
                f"but {before} on line {order.first_line}"
            )
    raise AssertionError("orders with equal headers agree")


def _and(lines: list[int]) -> str:
    words = [str(line) for line in lines]
    return f"{', '.join(words[:-1])} and {words[-1]}"
