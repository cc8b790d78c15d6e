"""Pieces the KPI queries of both views share: a range as UTC timestamps, time arithmetic in
the dialect at hand, the label a grouping puts on a row and the joins that bring it in, and
the frame's figures (money to the cent, ratios, percentiles) and sorted rows.

SQLite keeps timestamps as ISO text (julianday and date() read it); PostgreSQL keeps them
with their zone, so days are taken in UTC there explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    Select,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from erp_core.adapters.forecast_tables import ForecastValue
from erp_core.adapters.fulfillment_tables import Shipment, ShipmentLine
from erp_core.adapters.order_tables import Order, OrderLine
from erp_core.adapters.returns_tables import ReturnAuthorization
from erp_core.adapters.tables import Channel, Item, Location
from erp_core.domain.orders import OrderStatus
from erp_core.queries.books import day_end, day_start
from erp_core.queries.kpi_frame import Grouping, KpiQuery, Rows

ALL = "all"
UNCATEGORISED = "uncategorised"
CENT = Decimal("0.01")
# A numeric 1.0 literal: multiplying by it keeps SQLite from dividing integers as integers
# (NUMERIC columns store whole amounts as integers) and keeps PostgreSQL in exact numeric.
EXACT_ONE: ColumnElement[Any] = literal_column("1.0")
# The category an item is reported under; items without one are grouped together.
CATEGORY_LABEL: ColumnElement[str] = func.coalesce(Item.category, UNCATEGORISED)
# Orders that count as demand. Named rather than "not cancelled", so the (status, created_at)
# index serves the range.
NOT_CANCELLED = tuple(s for s in OrderStatus if s != OrderStatus.CANCELLED)


def bounds(query: KpiQuery) -> tuple[datetime, datetime]:
    """The range as [first day 00:00 UTC, the day after the last 00:00 UTC)."""
    return day_start(query.start), day_end(query.end)


def within(stamp: Any, query: KpiQuery) -> ColumnElement[bool]:
    """The stamp falls on one of the query's days, start and end included (UTC)."""
    start, end = bounds(query)
    return and_(stamp >= start, stamp < end)


def days_in(query: KpiQuery) -> int:
    return (query.end - query.start).days + 1


def postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def hours_between(session: Session, later: Any, earlier: Any) -> ColumnElement[Any]:
    """later - earlier in hours, as a float in either dialect."""
    if postgres(session):
        return cast(extract("epoch", later - earlier), Float) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def day_after(session: Session, stamp: Any, days: int) -> ColumnElement[Any]:
    """The UTC calendar day `days` after a timestamp's day, comparable with a Date column."""
    if postgres(session):
        return cast(func.timezone("UTC", stamp), Date) + days
    return func.date(stamp, f"+{days} days")


def days_late(session: Session, stamp: Any, expected: Any) -> ColumnElement[Any]:
    """Whole UTC days from an expected date to the day of a timestamp (negative when early)."""
    if postgres(session):
        return cast(func.timezone("UTC", stamp), Date) - expected
    return func.julianday(func.substr(stamp, 1, 10)) - func.julianday(expected)


def one_series(run_id: Any) -> ColumnElement[bool]:
    """The forecast values of one series (item) of a run. A run forecasts every series over
    the same days, so one series' rows tell which days, read through the (item, run, day)
    index rather than across the whole run."""
    some_item = select(ForecastValue.item_id).where(ForecastValue.run_id == run_id).limit(1)
    return and_(
        ForecastValue.run_id == run_id, ForecastValue.item_id == some_item.scalar_subquery()
    )


def count_where(condition: Any) -> ColumnElement[Any]:
    """How many of the rows meet the condition, as an aggregate."""
    return func.sum(case((condition, 1), else_=0))


@dataclass(frozen=True)
class Route:
    """How a query reaches what a grouping labels its rows with: the label, and the joins
    (target, on clause) that bring it in. Only the asked grouping's joins are made, so an
    ungrouped figure reads no more tables than its filter needs."""

    label: Any
    joins: tuple[tuple[Any, Any], ...] = ()


def item_category(item_id: Any, *via: tuple[Any, Any]) -> Route:
    """The category of the item whose id is `item_id`, reached through the joins `via`."""
    return Route(CATEGORY_LABEL, (*via, (Item, Item.id == item_id)))


# The join from an order in hand to its channel.
ORDER_CHANNEL = (Channel, Channel.id == Order.channel_id)
# From a query that has orders and their lines in hand.
LINE_ROUTES = {
    Grouping.CHANNEL: Route(Channel.code, (ORDER_CHANNEL,)),
    Grouping.CATEGORY: item_category(OrderLine.item_id),
}
SHIPPED_FROM = Route(Location.code, ((Location, Location.id == Shipment.location_id),))
# From a query that has shipments and their orders in hand.
SHIPMENT_ROUTES = {
    Grouping.CHANNEL: Route(Channel.code, (ORDER_CHANNEL,)),
    Grouping.LOCATION: SHIPPED_FROM,
}
# From a query that has return authorizations in hand: the returned order's channel and the
# location the return came back to.
RETURN_ROUTES = {
    Grouping.CHANNEL: Route(
        Channel.code,
        ((Order, Order.id == ReturnAuthorization.order_id), ORDER_CHANNEL),
    ),
    Grouping.LOCATION: Route(
        Location.code, ((Location, Location.id == ReturnAuthorization.location_id),)
    ),
}


def order_line_routes(to_line: tuple[Any, Any], location: Route) -> dict[Grouping, Route]:
    """Routes from a query that has lines referring to order lines in hand (`to_line` joins
    their order line): the order's channel, the item's category and the given location."""
    return {
        Grouping.CHANNEL: Route(
            Channel.code, (to_line, (Order, Order.id == OrderLine.order_id), ORDER_CHANNEL)
        ),
        Grouping.CATEGORY: item_category(OrderLine.item_id, to_line),
        Grouping.LOCATION: location,
    }


# From a query that has shipment lines and their shipments in hand.
SHIPPED_LINE_ROUTES = order_line_routes(
    (OrderLine, OrderLine.id == ShipmentLine.order_line_id), SHIPPED_FROM
)


def group_label(query: KpiQuery, labels: Mapping[Grouping, Any]) -> ColumnElement[str]:
    """What a row is grouped by: the label of the asked grouping; every row is "all" without
    one."""
    if query.group_by is None:
        return literal(ALL)
    return labels[query.group_by]


def grouped(
    query: KpiQuery,
    routes: Mapping[Grouping, Route],
    base: Any,
    *figures: Any,
    by_group: bool = True,
    per: Sequence[Any] = (),
) -> Select[Any]:
    """SELECT label AS key, figures FROM base (a table or a join of the tables the filter
    needs), joined to the grouping's label, grouped by it and the `per` columns unless
    by_group is False."""
    route = routes[query.group_by] if query.group_by else Route(literal(ALL))
    statement = select(route.label.label("key"), *figures).select_from(base)
    for target, on in route.joins:
        statement = statement.join(target, on)
    return statement.group_by(route.label, *per) if by_group else statement


def money(value: Any) -> Decimal:
    """A sum of money to the cent; SQLite sums Numeric as floats, so go through text."""
    return Decimal(str(value or 0)).quantize(CENT, ROUND_HALF_EVEN)


def ratio(part: Any, whole: Any, places: int = 4) -> float | None:
    """part / whole rounded, or None when there is no whole to speak of."""
    if not whole:
        return None
    return round(float(part) / float(whole), places)


def rounded(value: Any, places: int = 2) -> float | None:
    return None if value is None else round(float(value), places)


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) of sorted values by linear interpolation between the
    closest ranks (numpy's default, Excel's PERCENTILE.INC): position q/100 x (n - 1) in the
    sorted values. None without values."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hour_percentiles(ordered: Sequence[float], *qs: int) -> dict[str, float | None]:
    """{"p50_hours": ...} for each asked percentile of sorted hours, to two places."""
    return {f"p{q}_hours": rounded(percentile(ordered, q)) for q in qs}


def durations_by_group(pairs: Iterable[Sequence[Any]]) -> dict[str, list[float]]:
    """(group, hours) rows as hours per group, each group's list sorted for percentiles."""
    hours: dict[str, list[float]] = {}
    for group, span in pairs:
        if span is not None:
            hours.setdefault(group, []).append(float(span))
    for values in hours.values():
        values.sort()
    return hours


def sorted_rows(
    figures: Mapping[str, Mapping[str, Any]], query: KpiQuery, empty: Mapping[str, Any]
) -> Rows:
    """One row per group, sorted; without a grouping always the one row "all", figured as
    `empty` when nothing happened."""
    if query.group_by is None and not figures:
        figures = {ALL: empty}
    return [{"group": group, **figures[group]} for group in sorted(figures)]
